/* Reports and exports (API.md "Reports"): organization-scoped figures for program
 * managers and state reporting tools; no names, no narrative, no contact details. */
#pragma once

#include <stddef.h>

struct request;
struct slots;

void reports_summary(struct request *request);
void reports_caseloads(struct request *request);
void reports_certifications(struct request *request);
void reports_follow_up(struct request *request);
void exports_session_notes(struct request *request);
void exports_claim_lines(struct request *request);

/* The export slots of a server whose primary pool holds pool_size connections; NULL when
 * out of memory. */
struct slots *exports_slots_create(size_t pool_size);
