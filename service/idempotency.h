/* Idempotency-Key for creating requests (API.md: POST /v1/referrals; also POST
 * /v1/session-notes, for mobile clients on bad networks). The same key from
 * the same caller scope with the same body gets the first answer again and creates
 * nothing; another body with that key is 422; the key while its first request is still
 * being handled is 409. Keys are kept 48 hours.
 *
 * The key is claimed inside the transaction that does the work, under a transaction-level
 * advisory lock on it: of two racing requests one takes the lock and works, the other
 * fails to take it and gets 409 at once, without waiting. The claim commits with the work
 * and its answer, or vanishes with them: whatever ends a request (a refusal, a lost
 * connection, the database or peerd stopped), nothing is left that holds up a retry. */
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

/* Reads the Idempotency-Key header, opens the transaction the work must run in, and claims
 * the key in it for the caller's scope: their organization and role (the answer kept for
 * a key is the view of the role that sent it), or an admin's subject. With no header,
 * proceeds unclaimed, in the open transaction. */
MUST_CHECK enum idempotency_start idempotency_start(struct request *request, struct db_conn *db,
						    struct idempotency *out);

/* Stores the answer of a claimed key, inside the work's transaction, so that it commits
 * with the work it describes. Does nothing for an unclaimed request. */
MUST_CHECK enum db_status idempotency_finish(struct db_conn *db, const struct idempotency *claim,
					     unsigned status, const char *location,
					     const json_t *body);

/* Rolls back the failed work's transaction and with it the claim, so that the client may
 * try again with the key at once. */
void idempotency_release(struct db_conn *db);
