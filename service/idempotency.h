/* Idempotency-Key for creating requests (API.md: POST /v1/referrals; also POST
 * /v1/session-notes, for mobile clients on bad networks). A key belongs to its caller
 * (their subject, role and organization): the same key from the same caller with the same
 * body gets the first answer again and creates nothing; another body with that key is 422;
 * the key while its first request is still being handled is 409; another caller's same
 * key is another key. Keys are kept 48 hours.
 *
 * A replay discloses the record the first answer described, so it is a read of that
 * record: allowed only while the caller may read it now, and recorded in the audit trail
 * as the resource's own GET records it. Each keyed route names its record's kind and that
 * read (struct idempotency_resource).
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

#include "auth.h"
#include "db.h"

struct request;

/* The longest scope, "organization:<uuid>:<role>:<sub>": the sizeofs' NULs count the
 * colons, and "supervisor" is as long as the longest role name. */
#define IDEMPOTENCY_SCOPE_MAX \
	(sizeof "organization:" + UUID_TEXT_SIZE + sizeof "supervisor" + PRINCIPAL_SUBJECT_MAX)
#define IDEMPOTENCY_KEY_MAX 255

/* The kind of record a keyed route creates, and how its GET reads one: a replay of the
 * answer is that read. */
struct idempotency_resource {
	const char *type; /* as the audit trail names it: "referral", "session_note" */
	/* Reads record id as the resource's GET does, now: when the caller may see it,
	 * records the read for the audit trail and returns its row (the caller PQclear()s
	 * it); else answers as that GET would (404, 503) and returns NULL. */
	PGresult *(*read)(struct request *request, struct db_conn *db, const char *id);
};

struct idempotency {
	/* A key was sent and this request owns it. */
	bool claimed;
	/* What the route creates, which a replay reads. */
	const struct idempotency_resource *resource;
	char scope[IDEMPOTENCY_SCOPE_MAX];
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char request_hash[65]; /* SHA-256 of the body's canonical JSON, in hex */
};

enum idempotency_start {
	IDEMPOTENCY_PROCEED,  /* do the work (claimed, or no key was sent) */
	IDEMPOTENCY_ANSWERED, /* the request has been answered: replayed, 409, 422, 400, 503 */
};

/* Reads the Idempotency-Key header, opens the transaction the work must run in, and claims
 * the key in it for the caller: their organization, role and subject (an admin without an
 * organization: their subject). A key already answered is replayed when resource->read
 * lets the caller read the record now (else answered as that read: 404). With no header,
 * proceeds unclaimed, in the open transaction. */
MUST_CHECK enum idempotency_start idempotency_start(struct request *request, struct db_conn *db,
						    const struct idempotency_resource *resource,
						    struct idempotency *out);

/* Stores the answer of a claimed key and the id of the record it describes, inside the
 * work's transaction, so that it commits with the work. Does nothing for an unclaimed
 * request. */
MUST_CHECK enum db_status idempotency_finish(struct db_conn *db, const struct idempotency *claim,
					     unsigned status, const char *location,
					     const json_t *body, const char *resource_id);

/* Rolls back the failed work's transaction and with it the claim, so that the client may
 * try again with the key at once. */
void idempotency_release(struct db_conn *db);
