/* Consents (API.md "Consents"): a participant's written permission to disclose, kept by the
 * provider. Made once, never changed, revoked at most once; the part2 ones gate what a
 * partner may read of a referral about substance use (sql/027: peerd_part2_consent_for). */
#pragma once

struct request;

void consents_list(struct request *request);
void consents_create(struct request *request);
void consents_get(struct request *request);
void consent_revoke(struct request *request);

/* A consent's kinds and statuses (each NULL-terminated), as the list filters take them. */
extern const char *const CONSENT_KINDS[];
extern const char *const CONSENT_STATUSES[];
