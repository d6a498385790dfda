/* Coverages: made, read and changed by the participant's organization's supervisors and
 * admins (the route table admits no one else); another organization's participant or
 * coverage is not found. The database holds the same rules (sql/033: the checks, the
 * member_id an insurer's claim needs, and a trigger that refuses a delete). status is
 * computed on the organization's today, never stored. */
#include "coverages.h"

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

const char *const COVERAGE_KINDS[] = {
	"medicaid", "medicaid_managed_care", "medicare", "commercial", "grant", "self_pay", NULL};

static const struct field_rule COVERAGE_FIELDS[] = {
	{.name = "payer",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "kind", .type = FIELD_ENUM, .required = true, .choices = COVERAGE_KINDS},
	{.name = "member_id", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 80},
	{.name = "effective_on", .type = FIELD_DATE, .required = true},
	{.name = "ends_on", .type = FIELD_DATE, .nullable = true},
	{.name = "eligibility_verified_on", .type = FIELD_DATE, .nullable = true},
	{.name = "priority", .type = FIELD_INTEGER, .min = 1, .max = 9},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* A coverage's status on its organization's today: future before effective_on, ended
 * after ends_on, else active. */
#define COVERAGE_STATUS_SQL                                                                    \
	"CASE WHEN c.effective_on > peerd_organization_today(c.organization_id) THEN 'future'" \
	" WHEN c.ends_on < peerd_organization_today(c.organization_id) THEN 'ended'"           \
	" ELSE 'active' END"

/* A coverage's columns, in the order of its JSON, from coverages c. */
/* clang-format off */
#define COVERAGE_COLUMN_LIST(X, _)                                                               \
	X(COVERAGE_ID, "c.id", "id", ROW_STRING)                                                 \
	_ X(COVERAGE_PARTICIPANT_ID, "c.participant_id", "participant_id", ROW_STRING)           \
	_ X(COVERAGE_ORGANIZATION_ID, "c.organization_id", "organization_id", ROW_STRING)        \
	_ X(COVERAGE_PAYER, "c.payer", "payer", ROW_STRING)                                      \
	_ X(COVERAGE_KIND, "c.kind", "kind", ROW_STRING)                                         \
	_ X(COVERAGE_MEMBER_ID, "c.member_id", "member_id", ROW_STRING)                          \
	_ X(COVERAGE_EFFECTIVE_ON, "to_char(c.effective_on, 'YYYY-MM-DD')", "effective_on",      \
	    ROW_STRING)                                                                          \
	_ X(COVERAGE_ENDS_ON, "to_char(c.ends_on, 'YYYY-MM-DD')", "ends_on", ROW_STRING)         \
	_ X(COVERAGE_VERIFIED_ON, "to_char(c.eligibility_verified_on, 'YYYY-MM-DD')",            \
	    "eligibility_verified_on", ROW_STRING)                                               \
	_ X(COVERAGE_PRIORITY, "c.priority", "priority", ROW_INTEGER)                            \
	_ X(COVERAGE_STATUS, COVERAGE_STATUS_SQL, "status", ROW_STRING)                          \
	_ X(COVERAGE_CREATED_BY, "c.created_by", "created_by", ROW_STRING)                       \
	_ X(COVERAGE_VERSION, "c.version", "version", ROW_INTEGER)                               \
	_ X(COVERAGE_CREATED_AT, "peerd_timestamp(c.created_at)", "created_at", ROW_STRING)      \
	_ X(COVERAGE_UPDATED_AT, "peerd_timestamp(c.updated_at)", "updated_at", ROW_STRING)      \
	_ X(COVERAGE_POSITION, "peerd_position(c.created_at)", NULL, ROW_HIDDEN)                 \
	/* the organization's today, which eligibility_verified_on may not pass */               \
	_ X(COVERAGE_TODAY, "to_char(peerd_organization_today(c.organization_id), 'YYYY-MM-DD')", \
	    NULL, ROW_HIDDEN)
/* clang-format on */

enum { COVERAGE_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define COVERAGE_COLUMNS COVERAGE_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member COVERAGE_JSON[] = {COVERAGE_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement COVERAGE_SELECT = {
	"coverage_select", "SELECT " COVERAGE_COLUMNS " FROM coverages c WHERE c.id = $1"
			   " AND peerd_participant_visible(c.participant_id, $2::uuid, $3::text)"};

static const struct db_statement COVERAGE_LOCK_BY_ID = {
	"coverage_lock_by_id",
	"SELECT " COVERAGE_COLUMNS " FROM coverages c WHERE c.id = $1 FOR UPDATE OF c"};

/* Newest first; $2 kind, $3 a day the coverage is in force. */
#define COVERAGE_LIST_FROM_WHERE                                         \
	" FROM coverages c WHERE c.participant_id = $1"                  \
	" AND ($2::coverage_kind IS NULL OR c.kind = $2::coverage_kind)" \
	" AND ($3::date IS NULL OR (c.effective_on <= $3::date"          \
	" AND (c.ends_on IS NULL OR c.ends_on >= $3::date)))"            \
	" AND peerd_participant_visible($1, $7::uuid, $8::text)"
PAGE_STATEMENTS(COVERAGE_LIST, "coverage_list", COVERAGE_COLUMNS, "c", COVERAGE_LIST_FROM_WHERE,
		"$4", "$5", "$6", "$9");

static const struct db_statement COVERAGE_TODAY_OF_PARTICIPANT = {
	"coverage_today_of_participant",
	"SELECT to_char(peerd_organization_today(p.organization_id), 'YYYY-MM-DD')"
	" FROM participants p WHERE p.id = $1"};

/* $2: the coverage as the client wrote it (validated), $3 who records it. */
static const struct db_statement COVERAGE_INSERT = {
	"coverage_insert",
	"INSERT INTO coverages AS c (organization_id, participant_id, payer, kind, member_id,"
	" effective_on, ends_on, eligibility_verified_on, priority, created_by)"
	" SELECT p.organization_id, p.id, d ->> 'payer', (d ->> 'kind')::coverage_kind,"
	" d ->> 'member_id', (d ->> 'effective_on')::date, (d ->> 'ends_on')::date,"
	" (d ->> 'eligibility_verified_on')::date, coalesce((d ->> 'priority')::int, 1), $3"
	" FROM participants p CROSS JOIN (SELECT $2::jsonb AS d) b WHERE p.id = $1"
	" RETURNING " COVERAGE_COLUMNS};

static const struct db_statement COVERAGE_UPDATE = {
	"coverage_update",
	"UPDATE coverages AS c SET payer = d ->> 'payer', kind = (d ->> 'kind')::coverage_kind,"
	" member_id = d ->> 'member_id', effective_on = (d ->> 'effective_on')::date,"
	" ends_on = (d ->> 'ends_on')::date,"
	" eligibility_verified_on = (d ->> 'eligibility_verified_on')::date,"
	" priority = coalesce((d ->> 'priority')::int, 1), version = c.version + 1,"
	" updated_at = now() FROM (SELECT $2::jsonb AS d) b WHERE c.id = $1"
	" RETURNING " COVERAGE_COLUMNS};

static const struct constraint_answer COVERAGE_CONSTRAINTS[] = {
	{"coverages_member_id_required", 422, "member_id",
	 "is required unless kind is grant or self_pay"},
	{"coverages_ends_after_effective", 422, "ends_on", "cannot be before effective_on"},
	{0},
};

static json_t *coverage_render(const PGresult *res, int row)
{
	return row_json_render(COVERAGE_JSON, sizeof COVERAGE_JSON / sizeof *COVERAGE_JSON, res,
			       row);
}

/* Coverage id as the caller may see it, with the read recorded; NULL after answering. */
static PGresult *coverage_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = participant_record_find(request, db, &COVERAGE_SELECT, id, "coverage");
	if (res)
		audit_record(request, AUDIT_READ, "coverage", id,
			     db_text(res, 0, COVERAGE_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource COVERAGE_REPLAY = {"coverage", coverage_read};

/* The rules between a coverage's fields (doc, already checked field by field) and its
 * organization's today, into errors. */
static void coverage_rule_errors(const json_t *doc, const char *today, struct field_errors *errors)
{
	const char *kind = member_text(doc, "kind");
	const json_t *member_id = json_object_get(doc, "member_id");
	if (kind && strcmp(kind, "grant") != 0 && strcmp(kind, "self_pay") != 0 &&
	    (!member_id || json_is_null(member_id)))
		field_error(errors, "member_id", "is required for a coverage of kind %s", kind);
	const char *effective_on = member_text(doc, "effective_on");
	const char *ends_on = member_text(doc, "ends_on");
	if (effective_on && ends_on && date_is_valid(effective_on) && date_is_valid(ends_on) &&
	    strcmp(ends_on, effective_on) < 0)
		field_error(errors, "ends_on", "cannot be before effective_on (%s)", effective_on);
	const char *verified_on = member_text(doc, "eligibility_verified_on");
	if (today && verified_on && date_is_valid(verified_on) && strcmp(verified_on, today) > 0)
		field_error(errors, "eligibility_verified_on", "cannot be after today (%s)", today);
}

/* Checks doc against every rule, answering 422 once with all it breaks; false after
 * answering. */
static bool coverage_valid(struct request *request, const json_t *doc, const char *today)
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(doc, COVERAGE_FIELDS, "", &errors);
	coverage_rule_errors(doc, today, &errors);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return valid;
}

/* Participant_id's organization's today, into today; false after answering 503. */
static bool participant_today(struct request *request, struct db_conn *db,
			      const char *participant_id, char today[16])
{
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &COVERAGE_TODAY_OF_PARTICIPANT, DB_ARGS(participant_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	snprintf(today, 16, "%s", PQntuples(res) ? db_text(res, 0, 0) : "");
	PQclear(res);
	return true;
}

/* Writes the coverage in the open transaction and commits it with the answer for claim.
 * False after answering. */
static bool coverage_store(struct request *request, struct db_conn *db, const char *participant_id,
			   const struct idempotency *claim)
{
	char *doc = json_dumps(request->body, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		doc ? db_exec(db, &COVERAGE_INSERT,
			      DB_ARGS(participant_id, doc, request->caller.subject), &res)
		    : DB_ERROR;
	free(doc);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, COVERAGE_CONSTRAINTS);
		return false;
	}
	const char *id = db_text(res, 0, COVERAGE_ID);
	audit_record(request, AUDIT_CREATE, "coverage", id,
		     db_text(res, 0, COVERAGE_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/coverages/%s", id);
	struct idempotency_answer answer = {201, location, 0, coverage_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

static bool coverage_create(struct request *request, struct db_conn *db, const char *participant_id,
			    const struct idempotency *claim)
{
	char today[16];
	return participant_visible(request, db, participant_id) &&
	       participant_today(request, db, participant_id, today) &&
	       coverage_valid(request, request->body, today) &&
	       coverage_store(request, db, participant_id, claim);
}

void coverages_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &COVERAGE_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!coverage_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

static const struct participant_record_page COVERAGE_PAGE = {
	"coverage", ROW_JSON_TABLE(COVERAGE_JSON), COVERAGE_ID, COVERAGE_ORGANIZATION_ID};

void coverages_list(struct request *request)
{
	struct page_request page;
	const char *kind, *active_on;
	const char *participant_id = request_id_param(request, "id");
	if (!participant_id || !query_page(request, &page) || !query_read(request, "kind", &kind) ||
	    !query_read(request, "active_on", &active_on))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(COVERAGE_LIST, page),
					DB_ARGS(participant_id, kind, active_on,
						PAGE_SQL_ARGS(page), scope, subject, page.since),
					&res);
	participant_records_page(request, db, participant_id, status, res, &page, &COVERAGE_PAGE,
				 COVERAGE_POSITION);
}

void coverages_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? coverage_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, coverage_render(res, 0), db_integer(res, 0, COVERAGE_VERSION));
	PQclear(res);
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	return participant_records_visible(
		request, db, db_text(current, 0, COVERAGE_PARTICIPANT_ID), "coverage");
}

static void coverage_change_errors(const PGresult *current, const json_t *before,
				   const json_t *after, struct field_errors *errors)
{
	(void)before;
	coverage_rule_errors(after, db_text(current, 0, COVERAGE_TODAY), errors);
}

/* A coverage stores priority 1 when none is given. */
static void coverage_defaults(json_t *doc)
{
	if (!json_object_get(doc, "priority"))
		json_object_set_new(doc, "priority", json_integer(1));
}

static PGresult *write_coverage(struct request *request, struct db_conn *db, const char *id,
				const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		text ? db_exec(db, &COVERAGE_UPDATE, DB_ARGS(id, text), &res) : DB_ERROR;
	free(text);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, COVERAGE_CONSTRAINTS);
	return res;
}

static const struct patch_target COVERAGE_PATCH = {
	.noun = "coverage",
	.lock = &COVERAGE_LOCK_BY_ID,
	.fields = COVERAGE_FIELDS,
	.render = coverage_render,
	.version_column = COVERAGE_VERSION,
	.admit = admit_patch,
	.rule_errors = coverage_change_errors,
	.fill_defaults = coverage_defaults,
	.audit_type = "coverage",
	.organization_column = COVERAGE_ORGANIZATION_ID,
	.write = write_coverage,
};

void coverages_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &COVERAGE_PATCH);
}
