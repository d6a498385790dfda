/* Idempotency-Key for creating requests (API.md: POST /v1/referrals). The same key from
 * the same caller scope with the same body gets the first answer again and creates
 * nothing; another body with that key is 422; the key while its first request is still
 * being handled is 409. Keys are kept 48 hours.
 *
 * The claim is a row committed before the work starts, so its primary key decides which
 * of two racing requests does the work: no check-then-insert. */
#pragma once

#include "attributes.h"

#include <jansson.h>
#include <stdbool.h>

#include "db.h"

struct request;

#define IDEMPOTENCY_SCOPE_MAX 300
#define IDEMPOTENCY_KEY_MAX   255

struct idempotency {
	bool claimed; /* a key was sent and this request owns it */
	char scope[IDEMPOTENCY_SCOPE_MAX];
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char request_hash[65]; /* SHA-256 of the body's canonical JSON, in hex */
};

enum idempotency_start {
	IDEMPOTENCY_PROCEED,  /* do the work (claimed, or no key was sent) */
	IDEMPOTENCY_ANSWERED, /* the request has been answered: replayed, 409, 422, 400, 503 */
};

/* Reads the Idempotency-Key header and claims it for scope (the caller's organization,
 * or an admin's subject). With no header, proceeds unclaimed. */
MUST_CHECK enum idempotency_start idempotency_start(struct request *request, struct db_conn *db,
						    const char *scope, struct idempotency *out);

/* Stores the answer of a claimed key, inside the caller's transaction, so that it
 * commits with the work it describes. Does nothing for an unclaimed request. */
MUST_CHECK enum db_status idempotency_finish(struct db_conn *db, const struct idempotency *claim,
					     unsigned status, const char *location,
					     const json_t *body);

/* Gives a claimed key back after the work failed (outside any transaction), so that the
 * client may try again with it. */
void idempotency_release(struct db_conn *db, const struct idempotency *claim);
