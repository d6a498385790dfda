/* Reports and exports (API.md "Reports"): organization-scoped figures for program
 * managers and state reporting tools; no names, no narrative, no contact details. */
#pragma once

struct request;

void reports_summary(struct request *request);
void reports_caseloads(struct request *request);
void reports_certifications(struct request *request);
void exports_session_notes(struct request *request);
