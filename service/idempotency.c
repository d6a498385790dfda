#include "idempotency.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "etag.h"
#include "json_text.h"
#include "problem.h"
#include "request.h"
#include "respond.h"

/* A claim committed without its answer, as peerd did before it claimed keys in the work's
 * transaction, is taken over after this. */
#define ABANDONED_CLAIM "60 seconds"

/* The first number of the transaction-level advisory lock on a key being handled; the
 * second is a hash of scope and key (two keys whose hashes collide are only handled one
 * at a time: the second gets 409 while the first runs). */
#define KEY_LOCK_CLASS "1768188793"

/* Takes the lock on the key, then the key, in the open transaction; purges a few keys past
 * their 48 hours on the way (skipping rows another request is purging), so the table stays
 * small without a separate job. Returns a row when claimed. */
static const struct db_statement KEY_CLAIM = {
	"idempotency_claim",
	"WITH purged AS (DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY("
	" SELECT ctid FROM idempotency_keys WHERE claimed_at < now() - interval '48 hours'"
	" LIMIT 20 FOR UPDATE SKIP LOCKED)))"
	" INSERT INTO idempotency_keys (scope, key, request_hash, request_target)"
	" SELECT $1::text, $2::text, $3::text, $4::text"
	" WHERE pg_try_advisory_xact_lock(" KEY_LOCK_CLASS ","
	" hashtext($1::text || ' ' || $2::text))"
	" ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
	" request_target = EXCLUDED.request_target, claimed_at = now()"
	" WHERE idempotency_keys.response_status IS NULL"
	" AND idempotency_keys.claimed_at < now() - interval '" ABANDONED_CLAIM "'"
	" RETURNING true"};

static const struct db_statement KEY_SELECT = {
	"idempotency_select",
	"SELECT request_hash, request_target, response_status, response_location, response_etag,"
	" response_body, resource_id FROM idempotency_keys WHERE scope = $1 AND key = $2"};

enum key_column {
	KEY_REQUEST_HASH,
	KEY_REQUEST_TARGET,
	KEY_RESPONSE_STATUS,
	KEY_RESPONSE_LOCATION,
	KEY_RESPONSE_ETAG,
	KEY_RESPONSE_BODY,
	KEY_RESOURCE_ID,
};

static const struct db_statement KEY_FINISH = {
	"idempotency_finish",
	"UPDATE idempotency_keys SET response_status = $4::int, response_location = $5,"
	" response_etag = $6, response_body = $7, resource_type = $8, resource_id = $9::uuid"
	" WHERE scope = $1 AND key = $2 AND request_hash = $3"};

/* Printable ASCII without spaces at either end, 1..IDEMPOTENCY_KEY_MAX long. */
static bool key_is_valid(const char *key)
{
	size_t length = strlen(key);
	if (length == 0 || length > IDEMPOTENCY_KEY_MAX || key[0] == ' ' || key[length - 1] == ' ')
		return false;
	for (const char *c = key; *c; c++) {
		if (*c < 0x20 || *c > 0x7e)
			return false;
	}
	return true;
}

/* The SHA-256 of the body as canonical JSON (keys sorted), so that the same document
 * written in another order or spacing is the same request; of nothing for a route that
 * takes no body (/sign). */
static bool hash_body(const json_t *body, char out[65])
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
			  : strdup("");
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	bool hashed =
		text && EVP_Digest(text, strlen(text), digest, &size, EVP_sha256(), NULL) == 1;
	free(text);
	for (unsigned int i = 0; hashed && i < size; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return hashed;
}

static const char STILL_HANDLED[] =
	"the first request with this Idempotency-Key is still being handled; try again shortly";

/* Answers a request whose key the caller already used: 422, 409, or the first answer
 * again when the caller may still read the record it describes (else as that read would
 * answer, 404). */
static void answer_taken(struct request *request, struct db_conn *db,
			 const struct idempotency *claim, const PGresult *row)
{
	if (strcmp(db_text(row, 0, KEY_REQUEST_TARGET), claim->target) != 0) {
		problem_send_field(request, "Idempotency-Key",
				   "was used before for another request (%s); use a new key for a "
				   "new request",
				   db_text(row, 0, KEY_REQUEST_TARGET));
		return;
	}
	if (strcmp(db_text(row, 0, KEY_REQUEST_HASH), claim->request_hash) != 0) {
		problem_send_field(request, "Idempotency-Key",
				   "was used before with another body; use a new key for a new "
				   "request");
		return;
	}
	const char *status = db_text(row, 0, KEY_RESPONSE_STATUS);
	if (!status) {
		problem_send(request, 409, "%s", STILL_HANDLED);
		return;
	}
	/* The answer discloses the record as it was then: only to a caller who may read it
	 * now, and recorded as that read. */
	PGresult *record = claim->resource->read(request, db, db_text(row, 0, KEY_RESOURCE_ID));
	if (!record)
		return;
	PQclear(record);
	const char *location = db_text(row, 0, KEY_RESPONSE_LOCATION);
	const char *etag = db_text(row, 0, KEY_RESPONSE_ETAG);
	const char *body = db_text(row, 0, KEY_RESPONSE_BODY);
	if (location)
		respond_header(request, "Location", location);
	if (etag)
		respond_header(request, "ETag", etag);
	respond_header(request, "Idempotent-Replayed", "true");
	respond_bytes(request, (unsigned)strtoul(status, NULL, 10), "application/json",
		      body ? body : "", body ? strlen(body) : 0);
}

/* The caller's key scope into out: the caller themselves, so that no one else's request
 * with the same key is taken for theirs. The organization comes second, where
 * row-level security reads it (sql/010). */
static void scope_of(const struct request *request, char out[IDEMPOTENCY_SCOPE_MAX])
{
	const struct principal *caller = &request->caller;
	if (caller->has_organization)
		snprintf(out, IDEMPOTENCY_SCOPE_MAX, "organization:%s:%s:%s",
			 caller->organization_id, role_name(caller->role), caller->subject);
	else
		snprintf(out, IDEMPOTENCY_SCOPE_MAX, "subject:%s", caller->subject);
}

/* The request a key is sent with, into out: its method and its path as the route reads it,
 * each {name} segment as sent in lower case (the ids' case is not part of the request).
 * Returns false when it does not fit, which no route of ours comes near. */
static bool target_of(struct request *request, char out[IDEMPOTENCY_TARGET_MAX])
{
	size_t used = (size_t)snprintf(out, IDEMPOTENCY_TARGET_MAX, "%s ", request->route->method);
	for (const char *c = request->route->path; *c && used < IDEMPOTENCY_TARGET_MAX; c++) {
		const char *end = *c == '{' ? strchr(c, '}') : NULL;
		if (!end) {
			out[used++] = *c;
			continue;
		}
		char name[ROUTE_PARAM_NAME_MAX + 1];
		snprintf(name, sizeof name, "%.*s", (int)(end - c - 1), c + 1);
		const char *value = request_param(request, name);
		for (; *value && used < IDEMPOTENCY_TARGET_MAX; value++)
			out[used++] = (char)tolower((unsigned char)*value);
		c = end;
	}
	if (used >= IDEMPOTENCY_TARGET_MAX)
		return false;
	out[used] = '\0';
	return true;
}

enum idempotency_start idempotency_start(struct request *request, struct db_conn *db,
					 const struct idempotency_resource *resource,
					 struct idempotency *out)
{
	memset(out, 0, sizeof *out);
	out->resource = resource;
	const char *key = request_header(request, "Idempotency-Key");
	if (key && !key_is_valid(key)) {
		problem_send(request, 400,
			     "Idempotency-Key must be 1 to %d printable ASCII characters",
			     IDEMPOTENCY_KEY_MAX);
		return IDEMPOTENCY_ANSWERED;
	}
	enum db_status began = db_begin(db);
	if (began != DB_OK) {
		problem_send_database(request, began);
		return IDEMPOTENCY_ANSWERED;
	}
	if (!key)
		return IDEMPOTENCY_PROCEED;
	scope_of(request, out->scope);
	snprintf(out->key, sizeof out->key, "%s", key);
	if (!target_of(request, out->target) || !hash_body(request->body, out->request_hash)) {
		problem_send(request, 500, "out of memory");
		return IDEMPOTENCY_ANSWERED;
	}
	/* Twice at most: the request holding the key may end between our claim and our read. */
	for (int attempt = 0; attempt < 2; attempt++) {
		PGresult *res = NULL;
		enum db_status status = db_exec(
			db, &KEY_CLAIM,
			DB_ARGS(out->scope, out->key, out->request_hash, out->target), &res);
		bool claimed = status == DB_OK && PQntuples(res) == 1;
		PQclear(res);
		if (claimed) {
			out->claimed = true;
			return IDEMPOTENCY_PROCEED;
		}
		if (status == DB_OK)
			status = db_exec(db, &KEY_SELECT, DB_ARGS(out->scope, out->key), &res);
		if (status != DB_OK) {
			problem_send_database(request, status);
			return IDEMPOTENCY_ANSWERED;
		}
		if (PQntuples(res) == 1) {
			answer_taken(request, db, out, res);
			PQclear(res);
			return IDEMPOTENCY_ANSWERED;
		}
		PQclear(res);
	}
	problem_send(request, 409, "%s", STILL_HANDLED);
	return IDEMPOTENCY_ANSWERED;
}

/* The values of KEY_FINISH: the claim, the answer, its status and ETag as text. */
struct stored_answer {
	char status[8], etag[32];
	const char *values[9];
};

/* The step storing answer, as the JSON text text, for the claimed key claim. */
static struct db_step answer_step(const struct idempotency *claim,
				  const struct idempotency_answer *answer, const char *text,
				  struct stored_answer *stored)
{
	snprintf(stored->status, sizeof stored->status, "%u", answer->status);
	if (answer->version > 0)
		etag_format(answer->version, stored->etag, sizeof stored->etag);
	const char *const values[] = {claim->scope,
				      claim->key,
				      claim->request_hash,
				      stored->status,
				      answer->location,
				      answer->version > 0 ? stored->etag : NULL,
				      text,
				      claim->resource->type,
				      answer->resource_id};
	memcpy(stored->values, values, sizeof values);
	return (struct db_step){&KEY_FINISH, 9, stored->values, NULL};
}

bool idempotency_commit(struct request *request, struct db_conn *db,
			const struct idempotency *claim, const struct idempotency_answer *answer)
{
	size_t length = 0;
	char *text = answer->body ? json_text(answer->body, 15, &length) : NULL;
	json_decref(answer->body);
	/* The answer for a claimed key is stored in the round trip of the audit events and
	 * the COMMIT. */
	struct stored_answer stored;
	struct db_step store = {0};
	if (text && claim->claimed)
		store = answer_step(claim, answer, text, &stored);
	enum db_status status = text ? audit_commit_after(request, db, answer->status,
							  claim->claimed ? &store : NULL)
				     : DB_ERROR;
	if (status != DB_OK) {
		free(text);
		idempotency_release(db);
		problem_send_database(request, status);
		return false;
	}
	if (answer->location)
		respond_header(request, "Location", answer->location);
	if (answer->version > 0)
		respond_etag(request, answer->version);
	respond_bytes(request, answer->status, "application/json", text, length);
	free(text);
	return true;
}

bool idempotency_repeats_change(struct request *request, const char *made_by, long long version)
{
	const char *if_match = request_header(request, "If-Match");
	return made_by && strcmp(made_by, request->caller.subject) == 0 && if_match &&
	       version > 1 && etag_if_match_allows(if_match, version - 1);
}

void idempotency_answer_current(struct request *request, json_t *body, long long version)
{
	respond_header(request, "Idempotent-Replayed", "true");
	respond_resource(request, body, version);
}

void idempotency_release(struct db_conn *db)
{
	db_rollback(db);
}
