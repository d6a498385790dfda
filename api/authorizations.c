/* Authorizations: made, read and changed by the participant's organization's supervisors
 * and admins (the route table admits no one else); another organization's participant or
 * authorization is not found. A change never strands what was billed under it: units
 * below those used, or dates that leave a billed note's day outside, are refused here
 * with the numbers, and by the database (authorizations_cover_billed) whoever writes.
 * PATCH locks the row, as signing does, so the two take turns. */
#include "authorizations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "patch.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "validate.h"

const char *const AUTHORIZATION_STATUSES[] = {"future", "active", "exhausted", "expired", NULL};
static const char *const CODES[] = {"H0038", NULL};

static const struct field_rule AUTHORIZATION_FIELDS[] = {
	{.name = "coverage_id", .type = FIELD_UUID, .required = true},
	{.name = "number",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 50,
	 .check = check_plain_text},
	{.name = "code", .type = FIELD_ENUM, .choices = CODES},
	{.name = "units_authorized",
	 .type = FIELD_INTEGER,
	 .required = true,
	 .min = 1,
	 .max = 10000},
	{.name = "starts_on", .type = FIELD_DATE, .required = true},
	{.name = "ends_on", .type = FIELD_DATE, .required = true},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "units_used", .type = FIELD_READ_ONLY},
	{.name = "units_remaining", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* An authorization's columns, in the order of its JSON, from authorizations a and u.used
 * (its units used: AUTHORIZATION_FROM). */
/* clang-format off */
#define AUTHORIZATION_COLUMN_LIST(X, _)                                                          \
	X(AUTHORIZATION_ID, "a.id", "id", ROW_STRING)                                            \
	_ X(AUTHORIZATION_PARTICIPANT_ID, "a.participant_id", "participant_id", ROW_STRING)      \
	_ X(AUTHORIZATION_ORGANIZATION_ID, "a.organization_id", "organization_id", ROW_STRING)   \
	_ X(AUTHORIZATION_COVERAGE_ID, "a.coverage_id", "coverage_id", ROW_STRING)               \
	_ X(AUTHORIZATION_NUMBER, "a.number", "number", ROW_STRING)                              \
	_ X(AUTHORIZATION_CODE, "a.code", "code", ROW_STRING)                                    \
	_ X(AUTHORIZATION_UNITS, "a.units_authorized", "units_authorized", ROW_INTEGER)          \
	_ X(AUTHORIZATION_STARTS_ON, "to_char(a.starts_on, 'YYYY-MM-DD')", "starts_on",          \
	    ROW_STRING)                                                                          \
	_ X(AUTHORIZATION_ENDS_ON, "to_char(a.ends_on, 'YYYY-MM-DD')", "ends_on", ROW_STRING)    \
	_ X(AUTHORIZATION_UNITS_USED, "u.used", "units_used", ROW_INTEGER)                       \
	_ X(AUTHORIZATION_UNITS_REMAINING, "greatest(a.units_authorized - u.used, 0)",           \
	    "units_remaining", ROW_INTEGER)                                                      \
	_ X(AUTHORIZATION_STATUS, "peerd_authorization_status(a.starts_on, a.ends_on,"           \
	    " a.units_authorized - u.used, a.organization_id)", "status", ROW_STRING)            \
	_ X(AUTHORIZATION_CREATED_BY, "a.created_by", "created_by", ROW_STRING)                  \
	_ X(AUTHORIZATION_VERSION, "a.version", "version", ROW_INTEGER)                          \
	_ X(AUTHORIZATION_CREATED_AT, "peerd_timestamp(a.created_at)", "created_at", ROW_STRING) \
	_ X(AUTHORIZATION_UPDATED_AT, "peerd_timestamp(a.updated_at)", "updated_at", ROW_STRING) \
	_ X(AUTHORIZATION_POSITION, "peerd_position(a.created_at)", NULL, ROW_HIDDEN)            \
	/* the first and last days billed under it, which its dates must keep holding */        \
	_ X(AUTHORIZATION_BILLED_FIRST, "to_char(u.first_day, 'YYYY-MM-DD')", NULL, ROW_HIDDEN)  \
	_ X(AUTHORIZATION_BILLED_LAST, "to_char(u.last_day, 'YYYY-MM-DD')", NULL, ROW_HIDDEN)
/* clang-format on */

enum { AUTHORIZATION_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define AUTHORIZATION_COLUMNS AUTHORIZATION_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

/* Units used are peerd_authorization_units_used's, the one definition signing uses. */
#define AUTHORIZATION_FROM                                        \
	" FROM authorizations a CROSS JOIN LATERAL (SELECT"       \
	" peerd_authorization_units_used(a.id) AS used,"          \
	" (SELECT min(n.billing_day) FROM session_notes n"        \
	" WHERE n.billing_authorization_id = a.id) AS first_day," \
	" (SELECT max(n.billing_day) FROM session_notes n"        \
	" WHERE n.billing_authorization_id = a.id) AS last_day) u"

static const struct row_json_member AUTHORIZATION_JSON[] = {
	AUTHORIZATION_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement AUTHORIZATION_SELECT = {
	"authorization_select",
	"SELECT " AUTHORIZATION_COLUMNS AUTHORIZATION_FROM " WHERE a.id = $1"
	" AND peerd_participant_visible(a.participant_id, $2::uuid, $3::text)"};

/* The lock signing takes too (session_notes_within_authorization). */
static const struct db_statement AUTHORIZATION_LOCK_BY_ID = {
	"authorization_lock_by_id",
	"SELECT " AUTHORIZATION_COLUMNS AUTHORIZATION_FROM " WHERE a.id = $1 FOR UPDATE OF a"};

/* Newest first; $2 status, $3 coverage, $4 a day the authorization's dates hold. */
#define AUTHORIZATION_LIST_FROM_WHERE                                                  \
	AUTHORIZATION_FROM                                                             \
	" WHERE a.participant_id = $1"                                                 \
	" AND ($2::text IS NULL OR peerd_authorization_status(a.starts_on, a.ends_on," \
	" a.units_authorized - u.used, a.organization_id) = $2::text)"                 \
	" AND ($3::uuid IS NULL OR a.coverage_id = $3::uuid)"                          \
	" AND ($4::date IS NULL OR $4::date BETWEEN a.starts_on AND a.ends_on)"        \
	" AND peerd_participant_visible($1, $8::uuid, $9::text)"

/* $5 to $7 the page (PAGE_SQL_ARGS); $10 updated_since, after the caller's scope. */
PAGE_STATEMENTS(AUTHORIZATION_LIST, "authorization_list", AUTHORIZATION_COLUMNS, "a",
		AUTHORIZATION_LIST_FROM_WHERE, "$5", "$6", "$7", "$10");

/* Whether coverage $2 is participant $1's. */
static const struct db_statement AUTHORIZATION_COVERAGE_OF = {
	"authorization_coverage_of", "SELECT EXISTS (SELECT 1 FROM coverages c WHERE c.id = "
				     "$2::uuid AND c.participant_id = $1)"};

/* $2: the authorization as the client wrote it (validated), $3 who records it. */
static const struct db_statement AUTHORIZATION_INSERT = {
	"authorization_insert",
	"INSERT INTO authorizations (organization_id, participant_id, coverage_id, number, code,"
	" units_authorized, starts_on, ends_on, created_by)"
	" SELECT p.organization_id, p.id, (d ->> 'coverage_id')::uuid, d ->> 'number',"
	" coalesce(d ->> 'code', 'H0038'), (d ->> 'units_authorized')::int,"
	" (d ->> 'starts_on')::date, (d ->> 'ends_on')::date, $3"
	" FROM participants p CROSS JOIN (SELECT $2::jsonb AS d) b WHERE p.id = $1 RETURNING id"};

static const struct db_statement AUTHORIZATION_UPDATE = {
	"authorization_update",
	"UPDATE authorizations AS a SET number = d ->> 'number',"
	" code = coalesce(d ->> 'code', 'H0038'), units_authorized = (d ->> "
	"'units_authorized')::int,"
	" starts_on = (d ->> 'starts_on')::date, ends_on = (d ->> 'ends_on')::date,"
	" version = a.version + 1, updated_at = now() FROM (SELECT $2::jsonb AS d) b"
	" WHERE a.id = $1"};

static const struct constraint_answer AUTHORIZATION_CONSTRAINTS[] = {
	{"authorizations_number_once", 409, NULL,
	 "the coverage already has an authorization of this number"},
	{"authorizations_coverage_fkey", 422, "coverage_id",
	 "must be a coverage of the same participant"},
	{"authorizations_ends_after_starts", 422, "ends_on", "cannot be before starts_on"},
	{"authorizations_cover_units_used", 422, "units_authorized",
	 "cannot be below the units already billed under the authorization"},
	{"authorizations_cover_billed_days", 422, "starts_on",
	 "and ends_on must hold every day billed under the authorization"},
	{0},
};

static json_t *authorization_render(const PGresult *res, int row)
{
	return row_json_render(AUTHORIZATION_JSON,
			       sizeof AUTHORIZATION_JSON / sizeof *AUTHORIZATION_JSON, res, row);
}

/* Authorization id as the caller may see it; NULL after answering. */
static PGresult *authorization_find(struct request *request, struct db_conn *db, const char *id)
{
	return participant_record_find(request, db, &AUTHORIZATION_SELECT, id, "authorization");
}

/* authorization_find with the read recorded. */
static PGresult *authorization_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = authorization_find(request, db, id);
	if (res)
		audit_record(request, AUDIT_READ, "authorization", id,
			     db_text(res, 0, AUTHORIZATION_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource AUTHORIZATION_REPLAY = {"authorization",
								 authorization_read};

/* The rule between the dates, into errors. */
static void authorization_date_errors(const json_t *doc, struct field_errors *errors)
{
	const char *starts_on = member_text(doc, "starts_on");
	const char *ends_on = member_text(doc, "ends_on");
	if (starts_on && ends_on && date_is_valid(starts_on) && date_is_valid(ends_on) &&
	    strcmp(ends_on, starts_on) < 0)
		field_error(errors, "ends_on", "cannot be before starts_on (%s)", starts_on);
}

/* Whether the body's coverage_id names a coverage of participant_id, into errors (a
 * malformed one FIELD_UUID has named). False after answering 503. */
static bool coverage_errors(struct request *request, struct db_conn *db, const char *participant_id,
			    struct field_errors *errors)
{
	const char *coverage_id = member_text(request->body, "coverage_id");
	if (!coverage_id || !uuid_is_valid(coverage_id))
		return true;
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &AUTHORIZATION_COVERAGE_OF, DB_ARGS(participant_id, coverage_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	if (!db_boolean(res, 0, 0))
		field_error(errors, "coverage_id", "must be a coverage of the same participant");
	PQclear(res);
	return true;
}

/* Checks the body against every rule, answering 422 once with all it breaks; false after
 * answering. */
static bool authorization_valid(struct request *request, struct db_conn *db,
				const char *participant_id)
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(request->body, AUTHORIZATION_FIELDS, "", &errors);
	authorization_date_errors(request->body, &errors);
	bool answered = !coverage_errors(request, db, participant_id, &errors);
	if (!answered && field_errors_any(&errors)) {
		problem_send_invalid(request, &errors);
		answered = true;
	}
	field_errors_free(&errors);
	return !answered;
}

/* Writes the authorization in the open transaction and commits it with the answer for
 * claim. False after answering. */
static bool authorization_store(struct request *request, struct db_conn *db,
				const char *participant_id, const struct idempotency *claim)
{
	char *doc = json_dumps(request->body, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		doc ? db_exec(db, &AUTHORIZATION_INSERT,
			      DB_ARGS(participant_id, doc, request->caller.subject), &res)
		    : DB_ERROR;
	free(doc);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, AUTHORIZATION_CONSTRAINTS);
		return false;
	}
	char id[UUID_TEXT_SIZE];
	snprintf(id, sizeof id, "%s", db_text(res, 0, 0));
	PQclear(res);
	PGresult *made = authorization_find(request, db, id);
	if (!made)
		return false;
	audit_record(request, AUDIT_CREATE, "authorization", id,
		     db_text(made, 0, AUTHORIZATION_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/authorizations/%s", id);
	struct idempotency_answer answer = {201, location, 0, authorization_render(made, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(made);
	return answered;
}

static bool authorization_create(struct request *request, struct db_conn *db,
				 const char *participant_id, const struct idempotency *claim)
{
	return participant_visible(request, db, participant_id) &&
	       authorization_valid(request, db, participant_id) &&
	       authorization_store(request, db, participant_id, claim);
}

void authorizations_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &AUTHORIZATION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!authorization_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

static const struct participant_record_page AUTHORIZATION_PAGE = {
	"authorization", ROW_JSON_TABLE(AUTHORIZATION_JSON), AUTHORIZATION_ID,
	AUTHORIZATION_ORGANIZATION_ID};

void authorizations_list(struct request *request)
{
	struct page_request page;
	const char *status_filter, *coverage_id, *active_on;
	const char *participant_id = request_id_param(request, "id");
	if (!participant_id || !query_page(request, &page) ||
	    !query_read(request, "status", &status_filter) ||
	    !query_read(request, "coverage_id", &coverage_id) ||
	    !query_read(request, "active_on", &active_on))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, PAGE_STATEMENT(AUTHORIZATION_LIST, page),
			DB_ARGS(participant_id, status_filter, coverage_id, active_on,
				PAGE_SQL_ARGS(page), scope, subject, page.since),
			&res);
	participant_records_page(request, db, participant_id, status, res, &page,
				 &AUTHORIZATION_PAGE, AUTHORIZATION_POSITION);
}

void authorizations_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? authorization_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, authorization_render(res, 0),
			 db_integer(res, 0, AUTHORIZATION_VERSION));
	PQclear(res);
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	return participant_records_visible(
		request, db, db_text(current, 0, AUTHORIZATION_PARTICIPANT_ID), "authorization");
}

/* What was billed under the locked authorization, into errors: its units and the days
 * of its notes stay covered. */
static void billed_errors(const PGresult *current, const json_t *after, struct field_errors *errors)
{
	long long used = db_integer(current, 0, AUTHORIZATION_UNITS_USED);
	const json_t *units = json_object_get(after, "units_authorized");
	if (json_is_integer(units) && json_integer_value(units) < used)
		field_error(errors, "units_authorized",
			    "cannot be below the %lld units already billed under it", used);
	const char *first = db_text(current, 0, AUTHORIZATION_BILLED_FIRST);
	const char *last = db_text(current, 0, AUTHORIZATION_BILLED_LAST);
	const char *starts_on = member_text(after, "starts_on");
	const char *ends_on = member_text(after, "ends_on");
	if (first && starts_on && date_is_valid(starts_on) && strcmp(starts_on, first) > 0)
		field_error(errors, "starts_on",
			    "cannot be after %s, the first day billed under it", first);
	if (last && ends_on && date_is_valid(ends_on) && strcmp(ends_on, last) < 0)
		field_error(errors, "ends_on", "cannot be before %s, the last day billed under it",
			    last);
}

/* The coverage stays (a new authorization names another); the dates and units keep
 * holding what was billed. */
static void authorization_change_errors(const PGresult *current, const json_t *before,
					const json_t *after, struct field_errors *errors)
{
	if (!json_equal(json_object_get(before, "coverage_id"),
			json_object_get(after, "coverage_id")))
		field_error(errors, "coverage_id", "cannot change once the resource exists");
	authorization_date_errors(after, errors);
	billed_errors(current, after, errors);
}

/* An authorization stores code H0038 when none is given. */
static void authorization_defaults(json_t *doc)
{
	if (!json_object_get(doc, "code"))
		json_object_set_new(doc, "code", json_string("H0038"));
}

static PGresult *write_authorization(struct request *request, struct db_conn *db, const char *id,
				     const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	enum db_status status =
		text ? db_exec(db, &AUTHORIZATION_UPDATE, DB_ARGS(id, text), NULL) : DB_ERROR;
	free(text);
	PGresult *res = NULL;
	if (status == DB_OK)
		status = db_exec(db, &AUTHORIZATION_LOCK_BY_ID, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, AUTHORIZATION_CONSTRAINTS);
	return res;
}

static const struct patch_target AUTHORIZATION_PATCH = {
	.noun = "authorization",
	.lock = &AUTHORIZATION_LOCK_BY_ID,
	.fields = AUTHORIZATION_FIELDS,
	.render = authorization_render,
	.version_column = AUTHORIZATION_VERSION,
	.admit = admit_patch,
	.rule_errors = authorization_change_errors,
	.fill_defaults = authorization_defaults,
	.audit_type = "authorization",
	.organization_column = AUTHORIZATION_ORGANIZATION_ID,
	.write = write_authorization,
};

void authorizations_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &AUTHORIZATION_PATCH);
}
