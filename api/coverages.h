/* Coverages (API.md "Coverage, authorizations and claims"): who pays for a participant's
 * peer support. Kept by the provider's supervisors and admins, ended (ends_on), never
 * deleted (sql/033). */
#pragma once

struct request;

void coverages_list(struct request *request);
void coverages_create(struct request *request);
void coverages_get(struct request *request);
void coverages_patch(struct request *request);

/* A coverage's kinds (NULL-terminated), as the list filter takes them. */
extern const char *const COVERAGE_KINDS[];
