/* Consents (API.md "Consents"): made by the provider's supervisors, admins and the
 * specialist assigned to the participant (as for goals: peerd_participant_visible), read
 * by them, and never changed: PATCH has no route (405), and the one change is
 * POST /v1/consents/{id}/revoke, once. The database holds the same rules (sql/027: checks,
 * the recipients' shape, and a trigger that allows only one revocation). */
#include "consents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "precondition.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "uuid.h"
#include "validate.h"

const char *const CONSENT_KINDS[] = {"part2", "release_of_information", "text_messages", NULL};
const char *const CONSENT_STATUSES[] = {"active", "expired", "revoked", NULL};
static const char *const INFORMATION[] = {"referral_status",   "attendance", "goals",
					  "session_summaries", "all",	     NULL};
static const char *const SIGNERS[] = {"participant", "guardian", "personal_representative", NULL};

/* Each recipient is exactly one of the two (checked after: consent_errors). */
static const struct field_rule RECIPIENT_FIELDS[] = {
	{.name = "organization_id", .type = FIELD_UUID},
	{.name = "name", .type = FIELD_STRING, .min = 1, .max = 200, .check = check_plain_text},
	{0},
};

static const struct field_rule CONSENT_FIELDS[] = {
	{.name = "kind", .type = FIELD_ENUM, .required = true, .choices = CONSENT_KINDS},
	{.name = "recipients",
	 .type = FIELD_OBJECT_ARRAY,
	 .required = true,
	 .min = 1,
	 .max = 50,
	 .fields = RECIPIENT_FIELDS},
	{.name = "purpose", .type = FIELD_STRING, .required = true, .min = 1, .max = 500},
	{.name = "information",
	 .type = FIELD_ENUM_ARRAY,
	 .required = true,
	 .min = 1,
	 .max = 5,
	 .choices = INFORMATION},
	{.name = "signed_on", .type = FIELD_DATE, .required = true},
	{.name = "signed_by", .type = FIELD_ENUM, .required = true, .choices = SIGNERS},
	{.name = "expires_on", .type = FIELD_DATE, .nullable = true},
	{.name = "expiry_event", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 200},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "revoked_on", .type = FIELD_READ_ONLY},
	{.name = "revocation_reason", .type = FIELD_READ_ONLY},
	{.name = "revoked_by", .type = FIELD_READ_ONLY},
	{.name = "revoked_at", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct field_rule REVOKE_FIELDS[] = {
	{.name = "reason", .type = FIELD_STRING, .required = true, .min = 1, .max = 500},
	{.name = "revoked_on", .type = FIELD_DATE, .nullable = true},
	{0},
};

/* A consent's columns, in the order of its JSON, from consents c. */
/* clang-format off */
#define CONSENT_COLUMN_LIST(X, _)                                                                \
	X(CONSENT_ID, "c.id", "id", ROW_STRING)                                                  \
	_ X(CONSENT_PARTICIPANT_ID, "c.participant_id", "participant_id", ROW_STRING)            \
	_ X(CONSENT_ORGANIZATION_ID, "c.organization_id", "organization_id", ROW_STRING)         \
	_ X(CONSENT_KIND, "c.kind", "kind", ROW_STRING)                                          \
	_ X(CONSENT_RECIPIENTS, "c.recipients", "recipients", ROW_JSON)                          \
	_ X(CONSENT_PURPOSE, "c.purpose", "purpose", ROW_STRING)                                 \
	_ X(CONSENT_INFORMATION, "array_to_json(c.information)", "information", ROW_JSON)        \
	_ X(CONSENT_SIGNED_ON, "to_char(c.signed_on, 'YYYY-MM-DD')", "signed_on", ROW_STRING)    \
	_ X(CONSENT_SIGNED_BY, "c.signed_by", "signed_by", ROW_STRING)                           \
	_ X(CONSENT_EXPIRES_ON, "to_char(c.expires_on, 'YYYY-MM-DD')", "expires_on", ROW_STRING) \
	_ X(CONSENT_EXPIRY_EVENT, "c.expiry_event", "expiry_event", ROW_STRING)                  \
	_ X(CONSENT_STATUS, "peerd_consent_status(c.revoked_on, c.expires_on, c.organization_id)", \
	    "status", ROW_STRING)                                                                \
	_ X(CONSENT_REVOKED_ON, "to_char(c.revoked_on, 'YYYY-MM-DD')", "revoked_on", ROW_STRING) \
	_ X(CONSENT_REVOCATION_REASON, "c.revocation_reason", "revocation_reason", ROW_STRING)   \
	_ X(CONSENT_REVOKED_BY, "c.revoked_by", "revoked_by", ROW_STRING)                        \
	_ X(CONSENT_REVOKED_AT, "peerd_timestamp(c.revoked_at)", "revoked_at", ROW_STRING)       \
	_ X(CONSENT_CREATED_BY, "c.created_by", "created_by", ROW_STRING)                        \
	_ X(CONSENT_VERSION, "c.version", "version", ROW_INTEGER)                                \
	_ X(CONSENT_CREATED_AT, "peerd_timestamp(c.created_at)", "created_at", ROW_STRING)       \
	_ X(CONSENT_UPDATED_AT, "peerd_timestamp(c.updated_at)", "updated_at", ROW_STRING)       \
	_ X(CONSENT_POSITION, "peerd_position(c.created_at)", NULL, ROW_HIDDEN)                  \
	/* the organization's today, which a revocation's day may not pass */                    \
	_ X(CONSENT_TODAY, "to_char(peerd_organization_today(c.organization_id), 'YYYY-MM-DD')", \
	    NULL, ROW_HIDDEN)
/* clang-format on */

enum { CONSENT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define CONSENT_COLUMNS CONSENT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member CONSENT_JSON[] = {CONSENT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement CONSENT_SELECT = {
	"consent_select", "SELECT " CONSENT_COLUMNS " FROM consents c WHERE c.id = $1"
			  " AND peerd_participant_visible(c.participant_id, $2::uuid, $3::text)"};

static const struct db_statement CONSENT_SELECT_FOR_UPDATE = {
	"consent_select_for_update",
	"SELECT " CONSENT_COLUMNS " FROM consents c WHERE c.id = $1"
	" AND peerd_participant_visible(c.participant_id, $2::uuid, $3::text) FOR UPDATE OF c"};

#define CONSENT_LIST_FROM_WHERE                                                               \
	" FROM consents c WHERE c.participant_id = $1"                                        \
	" AND ($2::consent_kind IS NULL OR c.kind = $2::consent_kind)"                        \
	" AND ($3::text IS NULL"                                                              \
	" OR peerd_consent_status(c.revoked_on, c.expires_on, c.organization_id) = $3::text)" \
	" AND peerd_participant_visible($1, $7::uuid, $8::text)"
PAGE_STATEMENTS(CONSENT_LIST, "consent_list", CONSENT_COLUMNS, "c", CONSENT_LIST_FROM_WHERE, "$4",
		"$5", "$6", "$9");

/* What a new consent of participant $1 is checked against: its organization's today, and
 * the positions of the recipients ($2) whose organization_id names no organization. */
static const struct db_statement CONSENT_CONTEXT = {
	"consent_context",
	"SELECT to_char(peerd_organization_today(p.organization_id), 'YYYY-MM-DD'),"
	" (SELECT coalesce(json_agg(r.position - 1 ORDER BY r.position), '[]')"
	" FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS r(item, position)"
	" WHERE r.item ? 'organization_id' AND NOT EXISTS (SELECT FROM organizations o"
	" WHERE o.id::text = r.item ->> 'organization_id'))"
	" FROM participants p WHERE p.id = $1"};

static const struct db_statement CONSENT_INSERT = {
	"consent_insert",
	"INSERT INTO consents AS c (organization_id, participant_id, kind, recipients, purpose,"
	" information, signed_on, signed_by, expires_on, expiry_event, created_by)"
	" SELECT p.organization_id, p.id, $2::consent_kind, $3::jsonb, $4,"
	" peerd_text_array($5::json)::consent_information[], $6::date, $7::consent_signer,"
	" $8::date, $9, $10 FROM participants p WHERE p.id = $1 RETURNING " CONSENT_COLUMNS};

/* $2 the day (NULL: the organization's today), $3 the reason, $4 who revokes. */
static const struct db_statement CONSENT_REVOKE = {
	"consent_revoke",
	"UPDATE consents AS c SET revoked_on = coalesce($2::date,"
	" peerd_organization_today(c.organization_id)), revocation_reason = $3, revoked_by = $4,"
	" revoked_at = now(), version = c.version + 1, updated_at = now()"
	" WHERE c.id = $1 RETURNING " CONSENT_COLUMNS};

static const struct constraint_answer CONSENT_CONSTRAINTS[] = {
	{"consents_revoked_once", 409, NULL, "the consent is already revoked"},
	{"consents_revoke_only", 409, NULL, "a consent is never changed, only revoked"},
	{0},
};

static json_t *consent_render(const PGresult *res, int row)
{
	return row_json_render(CONSENT_JSON, sizeof CONSENT_JSON / sizeof *CONSENT_JSON, res, row);
}

/* Consent id as the caller may see it, with the read recorded; NULL after answering. */
static PGresult *consent_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = participant_record_find(request, db, &CONSENT_SELECT, id, "consent");
	if (res)
		audit_record(request, AUDIT_READ, "consent", id,
			     db_text(res, 0, CONSENT_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource CONSENT_REPLAY = {"consent", consent_read};

/* The recipients as stored: in the client's order, each organization_id in the one
 * spelling the gate compares (lower case). A new string the caller frees, or NULL. */
static char *recipients_text(const json_t *doc)
{
	json_t *recipients = json_array();
	size_t index;
	const json_t *item;
	json_array_foreach (json_object_get(doc, "recipients"), index, item) {
		const char *organization = member_text(item, "organization_id");
		char normal[UUID_TEXT_SIZE];
		if (organization && uuid_is_valid(organization)) {
			uuid_normalize(organization, normal);
			json_array_append_new(recipients,
					      json_pack("{s:s}", "organization_id", normal));
		} else {
			json_array_append(recipients, (json_t *)item);
		}
	}
	char *text = recipients ? json_dumps(recipients, JSON_COMPACT) : NULL;
	json_decref(recipients);
	return text;
}

/* The rules between a new consent's fields, into errors. */
static void consent_field_errors(const json_t *doc, struct field_errors *errors)
{
	size_t index;
	const json_t *item;
	json_array_foreach (json_object_get(doc, "recipients"), index, item) {
		char field[48];
		snprintf(field, sizeof field, "recipients[%zu]", index);
		if (json_is_object(item) && (json_object_get(item, "organization_id") != NULL) ==
						    (json_object_get(item, "name") != NULL))
			field_error(errors, field,
				    "must have exactly one of organization_id and name");
	}
	const char *kind = member_text(doc, "kind");
	const char *signed_on = member_text(doc, "signed_on");
	const char *expires_on = member_text(doc, "expires_on");
	if (signed_on && expires_on && strcmp(expires_on, signed_on) <= 0)
		field_error(errors, "expires_on", "must be after signed_on");
	if (kind && strcmp(kind, "part2") == 0 && !expires_on && !member_text(doc, "expiry_event"))
		field_error(errors, "expires_on",
			    "or expiry_event is required for a part2 consent (42 CFR 2.31)");
}

/* The rules a new consent of participant_id is checked against in the database, into
 * errors: signed_on not after its organization's today, each recipient organization one
 * that exists. False after answering 503. */
static bool consent_context_errors(struct request *request, struct db_conn *db,
				   const char *participant_id, const char *recipients,
				   struct field_errors *errors)
{
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &CONSENT_CONTEXT, DB_ARGS(participant_id, recipients), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	const char *today = PQntuples(res) ? db_text(res, 0, 0) : NULL;
	const char *signed_on = member_text(request->body, "signed_on");
	if (today && signed_on && date_is_valid(signed_on) && strcmp(signed_on, today) > 0)
		field_error(errors, "signed_on", "cannot be after today (%s)", today);
	json_t *missing = PQntuples(res) ? json_loads(db_text(res, 0, 1), 0, NULL) : NULL;
	size_t index;
	const json_t *position;
	json_array_foreach (missing, index, position) {
		char field[64];
		snprintf(field, sizeof field, "recipients[%lld].organization_id",
			 (long long)json_integer_value(position));
		field_error(errors, field, "must name an existing organization");
	}
	json_decref(missing);
	PQclear(res);
	return true;
}

/* Checks the body against every rule, answering 422 once with all it breaks; false after
 * answering. */
static bool consent_valid(struct request *request, struct db_conn *db, const char *participant_id,
			  const char *recipients)
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(request->body, CONSENT_FIELDS, "", &errors);
	consent_field_errors(request->body, &errors);
	bool answered = !consent_context_errors(request, db, participant_id, recipients, &errors);
	if (!answered && field_errors_any(&errors)) {
		problem_send_invalid(request, &errors);
		answered = true;
	}
	field_errors_free(&errors);
	return !answered;
}

/* Writes the consent in the open transaction and commits it with the answer for claim.
 * False after answering. */
static bool consent_store(struct request *request, struct db_conn *db, const char *participant_id,
			  const char *recipients, const struct idempotency *claim)
{
	const json_t *doc = request->body;
	char *information = json_dumps(json_object_get(doc, "information"), JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		information ? db_exec(db, &CONSENT_INSERT,
				      DB_ARGS(participant_id, member_text(doc, "kind"), recipients,
					      member_text(doc, "purpose"), information,
					      member_text(doc, "signed_on"),
					      member_text(doc, "signed_by"),
					      member_text(doc, "expires_on"),
					      member_text(doc, "expiry_event"),
					      request->caller.subject),
				      &res)
			    : DB_ERROR;
	free(information);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, CONSENT_CONSTRAINTS);
		return false;
	}
	const char *id = db_text(res, 0, CONSENT_ID);
	audit_record(request, AUDIT_CREATE, "consent", id,
		     db_text(res, 0, CONSENT_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/consents/%s", id);
	struct idempotency_answer answer = {201, location, 0, consent_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

static bool consent_create(struct request *request, struct db_conn *db, const char *participant_id,
			   const struct idempotency *claim)
{
	if (!participant_visible(request, db, participant_id))
		return false;
	char *recipients = recipients_text(request->body);
	bool made = recipients && consent_valid(request, db, participant_id, recipients) &&
		    consent_store(request, db, participant_id, recipients, claim);
	if (!recipients)
		problem_send(request, 500, "out of memory");
	free(recipients);
	return made;
}

void consents_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &CONSENT_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!consent_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

static const struct participant_record_page CONSENT_PAGE = {"consent", ROW_JSON_TABLE(CONSENT_JSON),
							    CONSENT_ID, CONSENT_ORGANIZATION_ID};

void consents_list(struct request *request)
{
	struct page_request page;
	const char *kind, *status_filter;
	const char *participant_id = request_id_param(request, "id");
	if (!participant_id || !query_page(request, &page) || !query_read(request, "kind", &kind) ||
	    !query_read(request, "status", &status_filter))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(CONSENT_LIST, page),
					DB_ARGS(participant_id, kind, status_filter,
						PAGE_SQL_ARGS(page), scope, subject, page.since),
					&res);
	participant_records_page(request, db, participant_id, status, res, &page, &CONSENT_PAGE,
				 CONSENT_POSITION);
}

void consents_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? consent_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, consent_render(res, 0), db_integer(res, 0, CONSENT_VERSION));
	PQclear(res);
}

/* The day a revocation names, into errors: not after the organization's today, not
 * before the consent was signed. */
static void revoke_day_errors(const PGresult *consent, const char *day, struct field_errors *errors)
{
	if (!day || !date_is_valid(day))
		return; /* absent: today; malformed: FIELD_DATE has said so */
	const char *today = db_text(consent, 0, CONSENT_TODAY);
	const char *signed_on = db_text(consent, 0, CONSENT_SIGNED_ON);
	if (strcmp(day, today) > 0)
		field_error(errors, "revoked_on", "cannot be after today (%s)", today);
	if (strcmp(day, signed_on) < 0)
		field_error(errors, "revoked_on", "cannot be before signed_on (%s)", signed_on);
}

/* May the locked consent be revoked as the body asks? 412 when If-Match names another
 * version (honoured, not required); a body that breaks a rule is 422 whatever the
 * consent's state, then a consent already revoked is 409. False after answering. */
static bool revoke_allowed(struct request *request, const PGresult *consent)
{
	if (!precondition_holds(request, "consent", db_integer(consent, 0, CONSENT_VERSION),
				IF_MATCH_OPTIONAL))
		return false;
	bool revoked = !PQgetisnull(consent, 0, CONSENT_REVOKED_ON);
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(request->body, REVOKE_FIELDS, "", &errors);
	if (!revoked)
		revoke_day_errors(consent, member_text(request->body, "revoked_on"), &errors);
	bool allowed = false;
	if (field_errors_any(&errors))
		problem_send_invalid(request, &errors);
	else if (revoked)
		problem_send(request, 409, "the consent was already revoked on %s",
			     db_text(consent, 0, CONSENT_REVOKED_ON));
	else
		allowed = true;
	field_errors_free(&errors);
	return allowed;
}

/* Revokes the locked consent id in the open transaction and commits it with the answer
 * for claim. False after answering. */
static bool revoke_store(struct request *request, struct db_conn *db, const char *id,
			 const struct idempotency *claim)
{
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &CONSENT_REVOKE,
			DB_ARGS(id, member_text(request->body, "revoked_on"),
				member_text(request->body, "reason"), request->caller.subject),
			&res);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, CONSENT_CONSTRAINTS);
		return false;
	}
	audit_record(request, AUDIT_UPDATE, "consent", id,
		     db_text(res, 0, CONSENT_ORGANIZATION_ID));
	struct idempotency_answer answer = {200, NULL, db_integer(res, 0, CONSENT_VERSION),
					    consent_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void consent_revoke(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &CONSENT_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	/* The consent first: another organization's is not found, whatever the body. */
	PGresult *consent =
		participant_record_find(request, db, &CONSENT_SELECT_FOR_UPDATE, id, "consent");
	bool revoked = consent && revoke_allowed(request, consent) &&
		       revoke_store(request, db, id, &claim);
	PQclear(consent);
	if (!revoked)
		idempotency_release(db);
}
