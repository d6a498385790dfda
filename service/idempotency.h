/* Idempotency-Key on every POST that changes something (API.md names it for POST
 * /v1/referrals; a client whose write got no answer, or a 503, must be able to send it
 * again without writing twice). A key belongs to its caller (their subject, role and
 * organization) and to the request it came with (its method, path and body): the same key
 * from the same caller with the same request gets the first answer again (status, body,
 * Location, ETag) and changes nothing; the key with another body or another path is 422;
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
 * and its answer (idempotency_commit), or vanishes with them: whatever ends a request (a
 * refusal, a lost connection, the database or peerd stopped), nothing is left that holds
 * up a retry. */
#pragma once

#include "attributes.h"

#include <jansson.h>
#include <stdbool.h>

#include "auth.h"
#include "db.h"
#include "router.h"

struct request;

/* The longest scope, "organization:<uuid>:<role>:<sub>": the sizeofs' NULs count the
 * colons, and "supervisor" is as long as the longest role name. */
#define IDEMPOTENCY_SCOPE_MAX \
	(sizeof "organization:" + UUID_TEXT_SIZE + sizeof "supervisor" + PRINCIPAL_SUBJECT_MAX)
#define IDEMPOTENCY_KEY_MAX    255
/* "POST " and a route's path with its {name} segments filled in. */
#define IDEMPOTENCY_TARGET_MAX (sizeof "POST " + 64 + ROUTE_PARAMS_MAX * ROUTE_PARAM_VALUE_MAX)

/* The kind of record a keyed route answers with, and how its GET reads one: a replay of
 * the answer is that read. */
struct idempotency_resource {
	const char *type; /* as the audit trail names it: "referral", "session_note", "goal" */
	/* Reads record id as the resource's GET does, now: when the caller may see it,
	 * records the read for the audit trail and returns its row (the caller PQclear()s
	 * it); else answers as that GET would (404, 503) and returns NULL. */
	PGresult *(*read)(struct request *request, struct db_conn *db, const char *id);
};

struct idempotency {
	/* A key was sent and this request owns it. */
	bool claimed;
	/* What the route answers with, which a replay reads. */
	const struct idempotency_resource *resource;
	char scope[IDEMPOTENCY_SCOPE_MAX];
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char target[IDEMPOTENCY_TARGET_MAX]; /* "POST /v1/session-notes/<id>/sign" */
	char request_hash[65]; /* SHA-256 of the body's canonical JSON (or of nothing), in hex */
};

/* What a keyed write answers, which a replay of its key answers again. */
struct idempotency_answer {
	unsigned status;	 /* 200, 201 */
	const char *location;	 /* the Location header, or NULL */
	long long version;	 /* the ETag's version (the record's "version"), or 0: no ETag */
	json_t *body;		 /* the record, as JSON */
	const char *resource_id; /* the record the body describes, which a replay reads */
};

enum idempotency_start {
	IDEMPOTENCY_PROCEED,  /* do the work (claimed, or no key was sent) */
	IDEMPOTENCY_ANSWERED, /* the request has been answered: replayed, 409, 422, 400, 503 */
};

/* Reads the Idempotency-Key header, opens the transaction the work must run in, and claims
 * the key in it for the caller: their organization, role and subject (an admin without an
 * organization: their subject). A key already answered is replayed when resource->read
 * lets the caller read the record now (else answered as that read: 404). With no header,
 * proceeds unclaimed, in the open transaction. Call it before the work reads anything it
 * depends on, so a retry gets its first answer even when those have changed since. */
MUST_CHECK enum idempotency_start idempotency_start(struct request *request, struct db_conn *db,
						    const struct idempotency_resource *resource,
						    struct idempotency *out);

/* Ends the work in its open transaction and answers: stores answer for claim (when a key
 * was claimed), appends the request's audit events as answered with answer->status,
 * commits, and sends the answer, the very bytes stored. Takes ownership of answer->body.
 * When any step fails, rolls the transaction back (and the claim with it), answers 503 (or
 * 500) and returns false. */
bool idempotency_commit(struct request *request, struct db_conn *db,
			const struct idempotency *claim, const struct idempotency_answer *answer);

/* True when the request repeats the change that made a record what it is now, as a
 * client does when that change's answer was lost: the record names the caller as who made
 * it (made_by: a note's signed_by, a certification's verified_by; NULL for none), and the
 * request's If-Match names the version just before version, so that change is the only
 * one since the caller read the record. Such a retry is answered with the record as it is
 * (idempotency_answer_current), not refused with 409 or 412. */
bool idempotency_repeats_change(struct request *request, const char *made_by, long long version);

/* Answers a repeat of a change already made: 200 with the record as it is now (body,
 * taken) and its ETag, marked Idempotent-Replayed. The caller has read it as its GET does,
 * and changes nothing. */
void idempotency_answer_current(struct request *request, json_t *body, long long version);

/* Rolls back the failed work's transaction and with it the claim, so that the client may
 * try again with the key at once. */
void idempotency_release(struct db_conn *db);
