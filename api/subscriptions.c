/* Webhook subscriptions (API.md "Subscriptions: the loop back to partners, pushed"):
 * made, read, changed and removed by a partner or a supervisor for their own organization
 * and by an admin for any (the route table admits no one else); another organization's
 * is not found (row-level security hides it too). The URL is checked against SSRF when
 * it is set; the secret is shown once, in the 201 of the create, and only its nonce is
 * stored (service/webhook_secret.c). Events are written by the database, in the same
 * transaction as each change (sql/036_webhooks.sql); the delivery worker sends them. */
#include "subscriptions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "patch.h"
#include "precondition.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "uuid.h"
#include "validate.h"
#include "webhook_secret.h"
#include "webhook_target.h"
#include "webhook_url.h"

const char *const SUBSCRIPTION_EVENTS[] = {"referral.status_changed", "referral.assigned",
					   "note.signed", "certification.expiring", NULL};

/* The one event a partner hears about: the status of the referrals it made. */
#define PARTNER_EVENT "referral.status_changed"

static const struct field_rule SUBSCRIPTION_FIELDS[] = {
	{.name = "url", .type = FIELD_STRING, .required = true, .min = 1, .max = WEBHOOK_URL_MAX},
	{.name = "events",
	 .type = FIELD_ENUM_ARRAY,
	 .required = true,
	 .min = 1,
	 .max = 4,
	 .choices = SUBSCRIPTION_EVENTS},
	{.name = "active", .type = FIELD_BOOLEAN},
	{.name = "organization_id", .type = FIELD_UUID},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "disabled_reason", .type = FIELD_READ_ONLY},
	{.name = "secret", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* A subscription's columns, in the order of its JSON, from subscriptions s. */
/* clang-format off */
#define SUBSCRIPTION_COLUMN_LIST(X, _)                                                           \
	X(SUBSCRIPTION_ID, "s.id", "id", ROW_STRING)                                             \
	_ X(SUBSCRIPTION_ORGANIZATION_ID, "s.organization_id", "organization_id", ROW_STRING)    \
	_ X(SUBSCRIPTION_URL, "s.url", "url", ROW_STRING)                                        \
	_ X(SUBSCRIPTION_EVENTS_JSON, "array_to_json(s.events)", "events", ROW_JSON)             \
	_ X(SUBSCRIPTION_ACTIVE, "s.active", "active", ROW_BOOLEAN)                              \
	_ X(SUBSCRIPTION_DISABLED_REASON, "s.disabled_reason", "disabled_reason", ROW_STRING)    \
	_ X(SUBSCRIPTION_CREATED_BY, "s.created_by", "created_by", ROW_STRING)                   \
	_ X(SUBSCRIPTION_VERSION, "s.version", "version", ROW_INTEGER)                           \
	_ X(SUBSCRIPTION_CREATED_AT, "peerd_timestamp(s.created_at)", "created_at", ROW_STRING)  \
	_ X(SUBSCRIPTION_UPDATED_AT, "peerd_timestamp(s.updated_at)", "updated_at", ROW_STRING)  \
	_ X(SUBSCRIPTION_POSITION, "peerd_position(s.created_at)", NULL, ROW_HIDDEN)             \
	_ X(SUBSCRIPTION_ORGANIZATION_KIND,                                                      \
	    "(SELECT o.kind FROM organizations o WHERE o.id = s.organization_id)", NULL,         \
	    ROW_HIDDEN)
/* clang-format on */

enum { SUBSCRIPTION_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define SUBSCRIPTION_COLUMNS SUBSCRIPTION_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member SUBSCRIPTION_JSON[] = {
	SUBSCRIPTION_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table SUBSCRIPTION_JSON_ROWS = ROW_JSON_TABLE(SUBSCRIPTION_JSON);

/* $2: the caller's organization, NULL for an admin (row-level security holds the same). */
static const struct db_statement SUBSCRIPTION_SELECT = {
	"subscription_select", "SELECT " SUBSCRIPTION_COLUMNS " FROM subscriptions s"
			       " WHERE s.id = $1 AND ($2::uuid IS NULL OR s.organization_id = $2)"};

static const struct db_statement SUBSCRIPTION_LOCK_BY_ID = {
	"subscription_lock_by_id",
	"SELECT " SUBSCRIPTION_COLUMNS " FROM subscriptions s WHERE s.id = $1 FOR UPDATE OF s"};

/* $1 the caller's organization (NULL: an admin's every one), $2 the organization_id
 * filter; newest first, or oldest change first with updated_since (service/pagination.h). */
#define SUBSCRIPTION_LIST_FROM_WHERE                                \
	" FROM subscriptions s"                                     \
	" WHERE ($1::uuid IS NULL OR s.organization_id = $1::uuid)" \
	" AND ($2::uuid IS NULL OR s.organization_id = $2::uuid)"
PAGE_STATEMENTS(SUBSCRIPTION_LIST, "subscription_list", SUBSCRIPTION_COLUMNS, "s",
		SUBSCRIPTION_LIST_FROM_WHERE, "$3", "$4", "$5", "$6");

/* $2: the subscription as the client wrote it (validated), $3 the nonce (hex), $4 who. */
static const struct db_statement SUBSCRIPTION_INSERT = {
	"subscription_insert",
	"INSERT INTO subscriptions AS s (organization_id, url, events, active, secret_nonce,"
	" created_by)"
	" SELECT $1::uuid, d ->> 'url',"
	" ARRAY(SELECT jsonb_array_elements_text(d -> 'events'))::webhook_event_type[],"
	" coalesce((d ->> 'active')::boolean, true), decode($3, 'hex'), $4"
	" FROM (SELECT $2::jsonb AS d) b RETURNING " SUBSCRIPTION_COLUMNS};

/* Re-activating clears the reason the worker disabled it for. */
static const struct db_statement SUBSCRIPTION_UPDATE = {
	"subscription_update",
	"UPDATE subscriptions AS s SET url = d ->> 'url',"
	" events = ARRAY(SELECT jsonb_array_elements_text(d -> 'events'))::webhook_event_type[],"
	" active = coalesce((d ->> 'active')::boolean, true),"
	" disabled_reason = CASE WHEN coalesce((d ->> 'active')::boolean, true) THEN NULL"
	" ELSE s.disabled_reason END,"
	" version = s.version + 1, updated_at = now()"
	" FROM (SELECT $2::jsonb AS d) b WHERE s.id = $1 RETURNING " SUBSCRIPTION_COLUMNS};

static const struct db_statement SUBSCRIPTION_DELETE = {"subscription_delete",
							"DELETE FROM subscriptions WHERE id = $1"};

/* An attempt's columns, in the order of its JSON, from webhook_attempts a. */
/* clang-format off */
#define ATTEMPT_COLUMN_LIST(X, _)                                                                \
	X(ATTEMPT_ID, "a.id", NULL, ROW_HIDDEN)                                                  \
	_ X(ATTEMPT_EVENT_ID, "a.event_id", "event_id", ROW_STRING)                              \
	_ X(ATTEMPT_TYPE, "a.type", "type", ROW_STRING)                                          \
	_ X(ATTEMPT_AT, "peerd_timestamp(a.attempted_at)", "attempted_at", ROW_STRING)           \
	_ X(ATTEMPT_STATUS_CODE, "a.status_code", "status_code", ROW_INTEGER)                    \
	_ X(ATTEMPT_ERROR, "a.error", "error", ROW_STRING)                                       \
	_ X(ATTEMPT_POSITION, "peerd_position(a.attempted_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { ATTEMPT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

static const struct row_json_member ATTEMPT_JSON[] = {ATTEMPT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table ATTEMPT_JSON_ROWS = ROW_JSON_TABLE(ATTEMPT_JSON);

/* The delivery log, newest first. */
static const struct db_statement SUBSCRIPTION_ATTEMPTS = {
	"subscription_attempts",
	"SELECT " ATTEMPT_COLUMN_LIST(
		ROW_COLUMN_SQL, ", ") " FROM webhook_attempts a"
				      " WHERE a.subscription_id = $1"
				      " AND ($2::bigint IS NULL OR (a.attempted_at, a.id) < "
				      "(peerd_from_position($2::bigint),"
				      " $3::uuid))"
				      " ORDER BY a.attempted_at DESC, a.id DESC LIMIT $4::int"};

static const struct constraint_answer SUBSCRIPTION_CONSTRAINTS[] = {
	{"subscriptions_partner_events", 422, "events",
	 "a partner's subscription takes only referral.status_changed"},
	{"subscriptions_organization_id_fkey", 422, "organization_id", "is no organization"},
	{0},
};

static json_t *subscription_render(const PGresult *res, int row)
{
	return row_json_render(SUBSCRIPTION_JSON,
			       sizeof SUBSCRIPTION_JSON / sizeof *SUBSCRIPTION_JSON, res, row);
}

/* The organization the caller is limited to, or NULL for an admin. */
static const char *caller_scope(const struct request *request)
{
	return request->caller.role == ROLE_ADMIN ? NULL : request->caller.organization_id;
}

/* Subscription id as the caller may see it, with the read recorded; NULL after
 * answering. */
static PGresult *subscription_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, &SUBSCRIPTION_SELECT, DB_ARGS(id, caller_scope(request)), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such subscription");
		PQclear(res);
		return NULL;
	}
	audit_record(request, AUDIT_READ, "subscription", id,
		     db_text(res, 0, SUBSCRIPTION_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource SUBSCRIPTION_REPLAY = {"subscription", subscription_read};

/* True when events (a valid array) holds something other than the partner's one event. */
static bool beyond_partner_event(const json_t *events)
{
	size_t i;
	const json_t *item;
	json_array_foreach (events, i, item) {
		const char *name = json_string_value(item);
		if (name && strcmp(name, PARTNER_EVENT) != 0)
			return true;
	}
	return false;
}

static void partner_event_errors(const json_t *doc, bool partner, struct field_errors *errors)
{
	const json_t *events = json_object_get(doc, "events");
	if (partner && json_is_array(events) && beyond_partner_event(events))
		field_error(errors, "events", "a partner's subscription takes only " PARTNER_EVENT);
}

/* The organization a new subscription is for: an admin names it; anyone else makes one
 * for their own, which they may also name. Written into buffer; NULL after answering. */
static const char *organization_of_new(struct request *request, char buffer[UUID_TEXT_SIZE])
{
	const struct principal *caller = &request->caller;
	const char *named = json_string_value(json_object_get(request->body, "organization_id"));
	if (named && uuid_is_valid(named)) {
		uuid_normalize(named, buffer);
		if (auth_may_access_organization(caller, buffer))
			return buffer;
		problem_send_field(request, "organization_id", "must be your own organization");
		return NULL;
	}
	if (!named && caller->has_organization)
		return caller->organization_id;
	problem_send_field(request, "organization_id",
			   named ? "must be a UUID" : "is required: the organization it is for");
	return NULL;
}

/* Checks the body against every rule but the URL's addresses, answering 422 once with all
 * it breaks; false after answering. */
static bool subscription_valid(struct request *request)
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(request->body, SUBSCRIPTION_FIELDS, "", &errors);
	partner_event_errors(request->body, request->caller.role == ROLE_PARTNER, &errors);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return valid;
}

/* The SSRF check of url (API.md: 422 naming url); false after answering. */
static bool url_admitted(struct request *request, const char *url)
{
	char why[200];
	if (!webhook_target_refusal(url, request->app->config->webhooks_allow_http, why,
				    sizeof why))
		return true;
	problem_send_field(request, "url", "%s", why);
	return false;
}

/* Makes the subscription's secret: the nonce stored (hex into nonce_hex) and the text shown
 * once. False after answering (503 without PEERD_WEBHOOK_KEY). */
static bool secret_make(struct request *request, char nonce_hex[2 * WEBHOOK_NONCE_BYTES + 1],
			char secret[WEBHOOK_SECRET_TEXT_SIZE])
{
	const char *server_key = request->app->config->webhook_key;
	if (!server_key) {
		problem_send_unavailable(request, "subscriptions need PEERD_WEBHOOK_KEY, the key "
						  "their secrets are derived from");
		return false;
	}
	unsigned char nonce[WEBHOOK_NONCE_BYTES], key[WEBHOOK_KEY_BYTES];
	if (!webhook_nonce_make(nonce) || !webhook_key_derive(server_key, nonce, key)) {
		problem_send(request, 500, "could not make a secret");
		return false;
	}
	for (size_t i = 0; i < WEBHOOK_NONCE_BYTES; i++)
		snprintf(nonce_hex + 2 * i, 3, "%02x", nonce[i]);
	webhook_secret_text(key, secret);
	return true;
}

/* Writes the subscription in the open transaction and commits it with the answer for
 * claim: the only answer that holds the secret. False after answering. */
static bool subscription_store(struct request *request, struct db_conn *db,
			       const char *organization_id, const struct idempotency *claim)
{
	char nonce_hex[2 * WEBHOOK_NONCE_BYTES + 1], secret[WEBHOOK_SECRET_TEXT_SIZE];
	if (!secret_make(request, nonce_hex, secret))
		return false;
	char *doc = json_dumps(request->body, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		doc ? db_exec(db, &SUBSCRIPTION_INSERT,
			      DB_ARGS(organization_id, doc, nonce_hex, request->caller.subject),
			      &res)
		    : DB_ERROR;
	free(doc);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, SUBSCRIPTION_CONSTRAINTS);
		return false;
	}
	const char *id = db_text(res, 0, SUBSCRIPTION_ID);
	audit_record(request, AUDIT_CREATE, "subscription", id,
		     db_text(res, 0, SUBSCRIPTION_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/subscriptions/%s", id);
	json_t *body = subscription_render(res, 0);
	json_object_set_new(body, "secret", json_string(secret));
	struct idempotency_answer answer = {201, location, db_integer(res, 0, SUBSCRIPTION_VERSION),
					    body, id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void subscriptions_create(struct request *request)
{
	char buffer[UUID_TEXT_SIZE];
	if (!subscription_valid(request))
		return;
	const char *organization_id = organization_of_new(request, buffer);
	if (!organization_id ||
	    !url_admitted(request, json_string_value(json_object_get(request->body, "url"))))
		return;
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &SUBSCRIPTION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!subscription_store(request, db, organization_id, &claim))
		idempotency_release(db);
}

void subscriptions_list(struct request *request)
{
	struct page_request page;
	const char *organization_id;
	if (!query_page(request, &page) ||
	    !query_read(request, "organization_id", &organization_id))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(
		db, PAGE_STATEMENT(SUBSCRIPTION_LIST, page),
		DB_ARGS(caller_scope(request), organization_id, PAGE_SYNC_ARGS(page)), &res);
	if (status == DB_OK)
		audit_record_rows(request, AUDIT_READ, "subscription", res, SUBSCRIPTION_ID,
				  SUBSCRIPTION_ORGANIZATION_ID, page.limit);
	respond_page(request, status, res, &page, &SUBSCRIPTION_JSON_ROWS, SUBSCRIPTION_POSITION,
		     SUBSCRIPTION_ID);
}

void subscriptions_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? subscription_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, subscription_render(res, 0),
			 db_integer(res, 0, SUBSCRIPTION_VERSION));
	PQclear(res);
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	(void)db;
	if (auth_may_access_organization(&request->caller,
					 db_text(current, 0, SUBSCRIPTION_ORGANIZATION_ID)))
		return true;
	problem_send(request, 404, "there is no such subscription");
	return false;
}

static void subscription_change_errors(const PGresult *current, const json_t *before,
				       const json_t *after, struct field_errors *errors)
{
	(void)before;
	const char *kind = db_text(current, 0, SUBSCRIPTION_ORGANIZATION_KIND);
	partner_event_errors(after, kind && strcmp(kind, "partner") == 0, errors);
}

/* The organization stays; a new url is checked against SSRF. */
static bool subscription_change_check(struct request *request, const PGresult *current,
				      const json_t *before, const json_t *after)
{
	(void)current;
	if (!patch_keeps(request, before, after, "organization_id"))
		return false;
	const char *url = json_string_value(json_object_get(after, "url"));
	const char *old = json_string_value(json_object_get(before, "url"));
	return !url || (old && strcmp(url, old) == 0) || url_admitted(request, url);
}

static PGresult *write_subscription(struct request *request, struct db_conn *db, const char *id,
				    const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		text ? db_exec(db, &SUBSCRIPTION_UPDATE, DB_ARGS(id, text), &res) : DB_ERROR;
	free(text);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, SUBSCRIPTION_CONSTRAINTS);
	return res;
}

static const struct patch_target SUBSCRIPTION_PATCH = {
	.noun = "subscription",
	.lock = &SUBSCRIPTION_LOCK_BY_ID,
	.fields = SUBSCRIPTION_FIELDS,
	.render = subscription_render,
	.version_column = SUBSCRIPTION_VERSION,
	.admit = admit_patch,
	.rule_errors = subscription_change_errors,
	.check = subscription_change_check,
	.audit_type = "subscription",
	.organization_column = SUBSCRIPTION_ORGANIZATION_ID,
	.write = write_subscription,
};

void subscriptions_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &SUBSCRIPTION_PATCH);
}

/* Removes the subscription found by read (its deliveries and their log go with it, and
 * nothing more is sent to it), honouring If-Match. The audit trail has no delete action
 * (API.md "Audit"): the removal is recorded as an update of the subscription. */
static void subscription_remove(struct request *request, struct db_conn *db, const PGresult *found)
{
	const char *id = db_text(found, 0, SUBSCRIPTION_ID);
	if (!precondition_holds(request, "subscription", db_integer(found, 0, SUBSCRIPTION_VERSION),
				IF_MATCH_OPTIONAL))
		return;
	enum db_status status = db_exec(db, &SUBSCRIPTION_DELETE, DB_ARGS(id), NULL);
	if (status == DB_OK) {
		audit_record(request, AUDIT_UPDATE, "subscription", id,
			     db_text(found, 0, SUBSCRIPTION_ORGANIZATION_ID));
		status = audit_commit(request, db, 204);
	}
	if (status == DB_OK)
		respond_empty(request, 204);
	else
		problem_send_database(request, status);
}

void subscriptions_delete(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	if (!db)
		return;
	PGresult *found = NULL;
	enum db_status status = db_begin(db);
	if (status == DB_OK)
		status = db_exec(db, &SUBSCRIPTION_LOCK_BY_ID, DB_ARGS(id), &found);
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (PQntuples(found) == 0 ||
		 !auth_may_access_organization(&request->caller,
					       db_text(found, 0, SUBSCRIPTION_ORGANIZATION_ID)))
		problem_send(request, 404, "there is no such subscription");
	else
		subscription_remove(request, db, found);
	PQclear(found);
}

void subscriptions_deliveries(struct request *request)
{
	struct page_request page;
	const char *id = request_id_param(request, "id");
	if (!id || !query_page(request, &page))
		return;
	struct db_conn *db = request_db(request);
	PGresult *subscription = db ? subscription_read(request, db, id) : NULL;
	if (!subscription)
		return;
	PQclear(subscription);
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, &SUBSCRIPTION_ATTEMPTS, DB_ARGS(id, PAGE_SQL_ARGS(page)), &res);
	respond_page(request, status, res, &page, &ATTEMPT_JSON_ROWS, ATTEMPT_POSITION, ATTEMPT_ID);
}
