/* Goals (API.md): goals in the participant's own words across the eight wellness
 * domains, their status, and progress ratings. Only the organization's supervisors (and
 * admins) and the specialist assigned to the participant see or change them. */
#include "goals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "civil_date.h"
#include "db.h"
#include "goal_status.h"
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

const char *const WELLNESS_DOMAINS[] = {"emotional",	"financial",	 "social",
					"spiritual",	"occupational",	 "physical",
					"intellectual", "environmental", NULL};

static const struct field_rule STEP_FIELDS[] = {
	{.name = "text", .type = FIELD_STRING, .required = true, .min = 1, .max = 500},
	{.name = "done", .type = FIELD_BOOLEAN},
	{0},
};

const struct field_rule GOAL_FIELDS[] = {
	{.name = "domain", .type = FIELD_ENUM, .required = true, .choices = WELLNESS_DOMAINS},
	{.name = "statement", .type = FIELD_STRING, .required = true, .min = 1, .max = 2000},
	{.name = "strengths",
	 .type = FIELD_STRING_ARRAY,
	 .max = 20,
	 .item_min = 1,
	 .item_max = 500,
	 .item_check = check_plain_text},
	{.name = "steps", .type = FIELD_OBJECT_ARRAY, .max = 50, .fields = STEP_FIELDS},
	{.name = "target_date", .type = FIELD_DATE, .nullable = true},
	{.name = "status", .type = FIELD_ENUM, .choices = GOAL_STATUSES},
	{.name = "achieved_on", .type = FIELD_DATE, .nullable = true},
	{.name = "status_reason", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 2000},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

const struct field_rule PROGRESS_FIELDS[] = {
	{.name = "recorded_on", .type = FIELD_DATE, .required = true},
	{.name = "rating", .type = FIELD_INTEGER, .required = true, .min = 0, .max = 10},
	{.name = "note", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 2000},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "goal_id", .type = FIELD_READ_ONLY},
	{.name = "recorded_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* A goal's columns, in the order of its JSON. */
/* clang-format off */
#define GOAL_COLUMN_LIST(X, _)                                                                    \
	X(COL_ID, "g.id", "id", ROW_STRING)                                                       \
	_ X(COL_PARTICIPANT_ID, "g.participant_id", "participant_id", ROW_STRING)                 \
	_ X(COL_DOMAIN, "g.domain", "domain", ROW_STRING)                                         \
	_ X(COL_STATEMENT, "g.statement", "statement", ROW_STRING)                                \
	_ X(COL_STRENGTHS, "array_to_json(g.strengths)", "strengths", ROW_JSON)                   \
	_ X(COL_STEPS, "g.steps", "steps", ROW_JSON)                                              \
	_ X(COL_TARGET_DATE, "to_char(g.target_date, 'YYYY-MM-DD')", "target_date", ROW_STRING)   \
	_ X(COL_STATUS, "g.status", "status", ROW_STRING)                                         \
	_ X(COL_ACHIEVED_ON, "to_char(g.achieved_on, 'YYYY-MM-DD')", "achieved_on", ROW_STRING)   \
	_ X(COL_STATUS_REASON, "g.status_reason", "status_reason", ROW_STRING)                    \
	_ X(COL_CREATED_BY, "g.created_by", "created_by", ROW_STRING)                             \
	_ X(COL_VERSION, "g.version", "version", ROW_INTEGER)                                     \
	_ X(COL_CREATED_AT, "peerd_timestamp(g.created_at)", "created_at", ROW_STRING)            \
	_ X(COL_UPDATED_AT, "peerd_timestamp(g.updated_at)", "updated_at", ROW_STRING)            \
	_ X(COL_POSITION, "peerd_position(g.created_at)", NULL, ROW_HIDDEN)                       \
	/* the participant's organization's today, and the organization: the goal's own */     \
	/* column, the participant's by goals_participant_organization_fkey (not a look-up */   \
	/* of the participant for each row, through its row-level security) */                 \
	_ X(COL_TODAY, "to_char(peerd_organization_today(g.organization_id), 'YYYY-MM-DD')", NULL, \
	    ROW_HIDDEN)                                                                             \
	_ X(COL_ORGANIZATION_ID, "g.organization_id", NULL, ROW_HIDDEN)
/* clang-format on */

enum { GOAL_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define GOAL_COLUMNS GOAL_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member GOAL_JSON[] = {GOAL_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement GOAL_SELECT = {
	"goal_select", "SELECT " GOAL_COLUMNS " FROM goals g WHERE g.id = $1"
		       " AND peerd_participant_visible(g.participant_id, $2::uuid, $3::text)"};

static const struct db_statement GOAL_SELECT_FOR_UPDATE = {
	"goal_select_for_update",
	"SELECT " GOAL_COLUMNS " FROM goals g WHERE g.id = $1 FOR UPDATE"};

static const struct db_statement PARTICIPANT_TODAY = {
	"goal_participant_today",
	"SELECT to_char(peerd_organization_today(organization_id), 'YYYY-MM-DD')"
	" FROM participants WHERE id = $1"};

#define GOAL_LIST_FROM_WHERE                                                   \
	" FROM goals g WHERE g.participant_id = $1"                            \
	" AND ($2::wellness_domain IS NULL OR g.domain = $2::wellness_domain)" \
	" AND ($3::goal_status IS NULL OR g.status = $3::goal_status)"         \
	" AND peerd_participant_visible($1, $7::uuid, $8::text)"
PAGE_STATEMENTS(GOAL_LIST, "goal_list", GOAL_COLUMNS, "g", GOAL_LIST_FROM_WHERE, "$4", "$5", "$6",
		"$9");

static const struct db_statement GOAL_INSERT = {
	"goal_insert",
	"INSERT INTO goals AS g (participant_id, domain, statement, strengths, steps, target_date,"
	" status, achieved_on, status_reason, created_by) VALUES ($1, $2::wellness_domain, $3,"
	" peerd_text_array($4::json), $5::jsonb, $6::date, $7::goal_status, $8::date, $9, $10)"
	" RETURNING " GOAL_COLUMNS};

static const struct db_statement GOAL_UPDATE = {
	"goal_update",
	"UPDATE goals AS g SET domain = $2::wellness_domain, statement = $3,"
	" strengths = peerd_text_array($4::json), steps = $5::jsonb, target_date = $6::date,"
	" status = $7::goal_status, achieved_on = $8::date, status_reason = $9,"
	" version = g.version + 1, updated_at = now() WHERE g.id = $1 RETURNING " GOAL_COLUMNS};

/* One row as the API's JSON; returns a new reference. */
static json_t *goal_render(const PGresult *res, int row)
{
	return row_json_render(GOAL_JSON, sizeof GOAL_JSON / sizeof *GOAL_JSON, res, row);
}

/* A day a goal was achieved or progress recorded cannot be after today where the
 * participant is served (their organization's zone: Guam is ahead of UTC, Oregon
 * behind). Answers 422 naming field and returns false. */
static bool not_after_today(struct request *request, const json_t *doc, const char *field,
			    const char *today_text)
{
	struct civil_date day, today;
	if (!civil_date_parse(json_string_value(json_object_get(doc, field)), &day) ||
	    !civil_date_parse(today_text, &today) || civil_date_compare(day, today) <= 0)
		return true;
	problem_send_field(request, field, "cannot be after today (%s)", today_text);
	return false;
}

/* The participant's organization's today, as YYYY-MM-DD into out; false after
 * answering. */
static bool participant_today(struct request *request, struct db_conn *db,
			      const char *participant_id, char out[16])
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_TODAY, DB_ARGS(participant_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	snprintf(out, 16, "%s", PQntuples(res) ? db_text(res, 0, 0) : "");
	PQclear(res);
	return true;
}

/* The rules between a goal's fields: achieved_on with achieved (and only then), a reason
 * to pause or discontinue. Answers 422 listing each and returns false. */
static bool goal_consistent(struct request *request, const json_t *doc)
{
	const char *status = json_string_value(json_object_get(doc, "status"));
	bool achieved = status && strcmp(status, "achieved") == 0;
	bool stopped =
		status && (strcmp(status, "paused") == 0 || strcmp(status, "discontinued") == 0);
	bool has_achieved_on = json_is_string(json_object_get(doc, "achieved_on"));
	struct field_errors errors;
	field_errors_init(&errors);
	if (achieved && !has_achieved_on)
		field_error(&errors, "achieved_on", "is required when status is achieved");
	if (!achieved && has_achieved_on)
		field_error(&errors, "achieved_on", "is set only when status is achieved");
	if (stopped && !json_is_string(json_object_get(doc, "status_reason")))
		field_error(&errors, "status_reason", "is required to pause or discontinue a goal");
	bool consistent = !field_errors_any(&errors);
	if (!consistent)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return consistent;
}

/* The steps with done filled in (false when left out), as JSON text the caller frees. */
static char *steps_text(const json_t *doc)
{
	json_t *steps = json_array();
	size_t index;
	json_t *step;
	json_array_foreach (json_object_get(doc, "steps"), index, step) {
		json_array_append_new(
			steps, json_pack("{s:O, s:b}", "text", json_object_get(step, "text"),
					 "done", json_is_true(json_object_get(step, "done"))));
	}
	char *text = json_dumps(steps, JSON_COMPACT);
	json_decref(steps);
	return text;
}

static char *strengths_text(const json_t *doc)
{
	const json_t *strengths = json_object_get(doc, "strengths");
	return strengths ? json_dumps(strengths, JSON_COMPACT) : strdup("[]");
}

/* Runs GOAL_INSERT (participant_id set) or GOAL_UPDATE (goal_id set) with doc's values;
 * returns the row or NULL after answering. */
static PGresult *goal_write(struct request *request, struct db_conn *db, const char *participant_id,
			    const char *goal_id, const json_t *doc)
{
	char *strengths = strengths_text(doc);
	char *steps = steps_text(doc);
	const char *status = member_text(doc, "status");
	PGresult *res = NULL;
	enum db_status result = DB_ERROR;
	if (strengths && steps && participant_id)
		result =
			db_exec(db, &GOAL_INSERT,
				DB_ARGS(participant_id, member_text(doc, "domain"),
					member_text(doc, "statement"), strengths, steps,
					member_text(doc, "target_date"), status ? status : "active",
					member_text(doc, "achieved_on"),
					member_text(doc, "status_reason"), request->caller.subject),
				&res);
	else if (strengths && steps)
		result = db_exec(
			db, &GOAL_UPDATE,
			DB_ARGS(goal_id, member_text(doc, "domain"), member_text(doc, "statement"),
				strengths, steps, member_text(doc, "target_date"), status,
				member_text(doc, "achieved_on"), member_text(doc, "status_reason")),
			&res);
	free(steps);
	free(strengths);
	if (result != DB_OK)
		problem_send_database(request, result);
	return res;
}

/* Goal id as the caller may see it, or NULL after answering 404 (or 503). */
static PGresult *visible_goal(struct request *request, struct db_conn *db, const char *id)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, &GOAL_SELECT, DB_ARGS(id, scope, subject), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such goal");
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Goal id as the caller may see it, with the read recorded for the audit trail; NULL
 * after answering 404 (or 503). */
static PGresult *goal_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = visible_goal(request, db, id);
	if (res)
		audit_record(request, AUDIT_READ, "goal", id, db_text(res, 0, COL_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource GOAL_REPLAY = {"goal", goal_read};

/* Checks and writes the new goal of participant participant_id in the open transaction,
 * then commits it with the answer for claim. Returns false after answering otherwise. */
static bool goal_create(struct request *request, struct db_conn *db, const char *participant_id,
			const struct idempotency *claim)
{
	char today[16];
	if (!participant_visible(request, db, participant_id) ||
	    !request_valid(request, request->body, GOAL_FIELDS) ||
	    !goal_consistent(request, request->body) ||
	    !participant_today(request, db, participant_id, today) ||
	    !not_after_today(request, request->body, "achieved_on", today))
		return false;
	PGresult *res = goal_write(request, db, participant_id, NULL, request->body);
	if (!res)
		return false;
	const char *id = db_text(res, 0, COL_ID);
	audit_record(request, AUDIT_CREATE, "goal", id, db_text(res, 0, COL_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/goals/%s", id);
	struct idempotency_answer answer = {201, location, 0, goal_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void goals_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &GOAL_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!goal_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

static const struct participant_record_page GOAL_PAGE = {"goal", ROW_JSON_TABLE(GOAL_JSON), COL_ID,
							 COL_ORGANIZATION_ID};

void goals_list(struct request *request)
{
	struct page_request page;
	const char *domain, *status_filter;
	const char *participant_id = request_id_param(request, "id");
	if (!participant_id || !query_page(request, &page) ||
	    !query_read(request, "domain", &domain) ||
	    !query_read(request, "status", &status_filter))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	/* The list shows only a participant the caller may see (a one-time filter in the
	 * plan). */
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(GOAL_LIST, page),
					DB_ARGS(participant_id, domain, status_filter,
						PAGE_SQL_ARGS(page), scope, subject, page.since),
					&res);
	participant_records_page(request, db, participant_id, status, res, &page, &GOAL_PAGE,
				 COL_POSITION);
}

void goals_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? goal_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, goal_render(res, 0), db_integer(res, 0, COL_VERSION));
	PQclear(res);
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	return participant_records_visible(request, db, db_text(current, 0, COL_PARTICIPANT_ID),
					   "goal");
}

/* The status move is one the goal graph allows (409 otherwise), and the fields agree. A
 * goal leaving achieved drops its achieved_on unless the client set it. */
static bool patch_consistent(struct request *request, const PGresult *current, const json_t *before,
			     const json_t *after)
{
	(void)current;
	const char *from = json_string_value(json_object_get(before, "status"));
	const char *to = json_string_value(json_object_get(after, "status"));
	char why[128];
	if (!to) {
		problem_send_field(request, "status", "may not be removed");
		return false;
	}
	if (from && to && !goal_move_allowed(from, to, why, sizeof why)) {
		problem_send(request, 409, "%s", why);
		return false;
	}
	json_t *doc = json_deep_copy(after);
	if (doc && strcmp(to, "achieved") != 0 && !json_object_get(request->body, "achieved_on"))
		json_object_del(doc, "achieved_on");
	bool consistent =
		doc && goal_consistent(request, doc) &&
		not_after_today(request, doc, "achieved_on", db_text(current, 0, COL_TODAY));
	json_decref(doc);
	return consistent;
}

static PGresult *write_goal(struct request *request, struct db_conn *db, const char *id,
			    const json_t *doc)
{
	json_t *stored = json_deep_copy(doc);
	const char *status = json_string_value(json_object_get(doc, "status"));
	if (stored && (!status || strcmp(status, "achieved") != 0))
		json_object_del(stored, "achieved_on");
	PGresult *res = stored ? goal_write(request, db, NULL, id, stored) : NULL;
	json_decref(stored);
	return res;
}

/* A step's done is false unless set. */
static void fill_step_defaults(json_t *doc)
{
	size_t index;
	json_t *step;
	json_array_foreach (json_object_get(doc, "steps"), index, step) {
		if (json_is_object(step) && !json_object_get(step, "done"))
			json_object_set_new(step, "done", json_false());
	}
}

static const struct patch_target GOAL_PATCH = {
	.noun = "goal",
	.lock = &GOAL_SELECT_FOR_UPDATE,
	.fields = GOAL_FIELDS,
	.render = goal_render,
	.version_column = COL_VERSION,
	.admit = admit_patch,
	.check = patch_consistent,
	.fill_defaults = fill_step_defaults,
	.audit_type = "goal",
	.organization_column = COL_ORGANIZATION_ID,
	.write = write_goal,
};

void goals_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &GOAL_PATCH);
}

/* Progress entries: a rating of how the goal is going, on a day. */

/* A progress entry's columns, in the order of its JSON. */
/* clang-format off */
#define PROGRESS_COLUMN_LIST(X, _)                                                                 \
	X(PROGRESS_ID, "id", "id", ROW_STRING)                                                     \
	_ X(PROGRESS_GOAL_ID, "goal_id", "goal_id", ROW_STRING)                                    \
	_ X(PROGRESS_RECORDED_ON, "to_char(recorded_on, 'YYYY-MM-DD')", "recorded_on", ROW_STRING) \
	_ X(PROGRESS_RATING, "rating", "rating", ROW_INTEGER)                                      \
	_ X(PROGRESS_NOTE, "note", "note", ROW_STRING)                                             \
	_ X(PROGRESS_RECORDED_BY, "recorded_by", "recorded_by", ROW_STRING)                        \
	_ X(PROGRESS_VERSION, "version", "version", ROW_INTEGER)                                   \
	_ X(PROGRESS_CREATED_AT, "peerd_timestamp(created_at)", "created_at", ROW_STRING)          \
	_ X(PROGRESS_UPDATED_AT, "peerd_timestamp(updated_at)", "updated_at", ROW_STRING)          \
	_ X(PROGRESS_POSITION, "peerd_position(created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { PROGRESS_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define PROGRESS_COLUMNS PROGRESS_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member PROGRESS_JSON[] = {PROGRESS_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table PROGRESS_JSON_ROWS = ROW_JSON_TABLE(PROGRESS_JSON);

static const struct db_statement PROGRESS_INSERT = {
	"goal_progress_insert",
	"INSERT INTO goal_progress (goal_id, recorded_on, rating, note, recorded_by)"
	" VALUES ($1, $2::date, $3::int, $4, $5) RETURNING " PROGRESS_COLUMNS};

#define PROGRESS_LIST_FROM_WHERE " FROM goal_progress gp WHERE goal_id = $1"
PAGE_STATEMENTS(PROGRESS_LIST, "goal_progress_list", PROGRESS_COLUMNS, "gp",
		PROGRESS_LIST_FROM_WHERE, "$2", "$3", "$4", "$5");

static const struct db_statement PROGRESS_SELECT = {
	"goal_progress_select",
	"SELECT " PROGRESS_COLUMNS " FROM goal_progress WHERE id = $1 AND goal_id = $2"};

static const struct db_statement PROGRESS_GOAL = {
	"goal_progress_goal", "SELECT goal_id FROM goal_progress WHERE id = $1"};

static json_t *progress_render(const PGresult *res, int row)
{
	return row_json_render(PROGRESS_JSON, sizeof PROGRESS_JSON / sizeof *PROGRESS_JSON, res,
			       row);
}

/* The goal of a progress route, as far as its entries need it. */
struct goal_ref {
	char id[UUID_TEXT_SIZE];
	char organization_id[UUID_TEXT_SIZE];
	char today[16]; /* the participant's organization's */
};

/* Goal id as a progress entry needs it, when the caller may see it; else answers 404 (or
 * 503) and returns false. */
static bool goal_ref_find(struct request *request, struct db_conn *db, const char *id,
			  struct goal_ref *out)
{
	PGresult *goal = visible_goal(request, db, id);
	if (!goal)
		return false;
	snprintf(out->id, sizeof out->id, "%s", db_text(goal, 0, COL_ID));
	snprintf(out->organization_id, sizeof out->organization_id, "%s",
		 db_text(goal, 0, COL_ORGANIZATION_ID));
	snprintf(out->today, sizeof out->today, "%s", db_text(goal, 0, COL_TODAY));
	PQclear(goal);
	return true;
}

/* The goal of a progress route, when visible; else answers 404 (or 503). */
static bool progress_goal(struct request *request, struct db_conn **db, struct goal_ref *out)
{
	const char *id = request_id_param(request, "id");
	*db = id ? request_db(request) : NULL;
	return *db && goal_ref_find(request, *db, id, out);
}

/* Progress entry id of goal (which the caller may see), with the read recorded for the
 * audit trail; NULL after answering 404 (or 503). */
static PGresult *progress_entry_read(struct request *request, struct db_conn *db,
				     const struct goal_ref *goal, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &PROGRESS_SELECT, DB_ARGS(id, goal->id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such progress entry");
		PQclear(res);
		return NULL;
	}
	audit_record(request, AUDIT_READ, "goal_progress", id, goal->organization_id);
	return res;
}

/* Progress entry id as GET /v1/goals/{goal}/progress/{id} reads it, its goal found from
 * the entry: for a replayed Idempotency-Key. */
static PGresult *progress_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &PROGRESS_GOAL, DB_ARGS(id), &res);
	struct goal_ref goal;
	bool found = status == DB_OK && PQntuples(res) == 1;
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!found)
		problem_send(request, 404, "there is no such progress entry");
	found = found && goal_ref_find(request, db, db_text(res, 0, 0), &goal);
	PQclear(res);
	return found ? progress_entry_read(request, db, &goal, id) : NULL;
}

static const struct idempotency_resource PROGRESS_REPLAY = {"goal_progress", progress_read};

/* Checks and writes the body's progress entry of goal goal_id in the open transaction,
 * then commits it with the answer for claim. Returns false after answering otherwise. */
static bool progress_create(struct request *request, struct db_conn *db, const char *goal_id,
			    const struct idempotency *claim)
{
	struct goal_ref goal;
	if (!goal_ref_find(request, db, goal_id, &goal) ||
	    !request_valid(request, request->body, PROGRESS_FIELDS) ||
	    !not_after_today(request, request->body, "recorded_on", goal.today))
		return false;
	const json_t *body = request->body;
	char rating[16];
	snprintf(rating, sizeof rating, "%lld",
		 (long long)json_integer_value(json_object_get(body, "rating")));
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PROGRESS_INSERT,
					DB_ARGS(goal.id, member_text(body, "recorded_on"), rating,
						member_text(body, "note"), request->caller.subject),
					&res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	const char *id = db_text(res, 0, PROGRESS_ID);
	audit_record(request, AUDIT_CREATE, "goal_progress", id, goal.organization_id);
	char location[160];
	snprintf(location, sizeof location, "/v1/goals/%s/progress/%s", goal.id, id);
	struct idempotency_answer answer = {201, location, 0, progress_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void goal_progress_create(struct request *request)
{
	const char *goal_id = request_id_param(request, "id");
	struct db_conn *db = goal_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &PROGRESS_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!progress_create(request, db, goal_id, &claim))
		idempotency_release(db);
}

void goal_progress_list(struct request *request)
{
	struct page_request page;
	struct db_conn *db;
	struct goal_ref goal;
	if (!query_page(request, &page) || !progress_goal(request, &db, &goal))
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(PROGRESS_LIST, page),
					DB_ARGS(goal.id, PAGE_SYNC_ARGS(page)), &res);
	if (status == DB_OK)
		audit_record(request, AUDIT_READ, "goal", goal.id, goal.organization_id);
	respond_page(request, status, res, &page, &PROGRESS_JSON_ROWS, PROGRESS_POSITION,
		     PROGRESS_ID);
}

void goal_progress_get(struct request *request)
{
	struct db_conn *db;
	struct goal_ref goal;
	const char *id = request_id_param(request, "progress_id");
	if (!id || !progress_goal(request, &db, &goal))
		return;
	PGresult *res = progress_entry_read(request, db, &goal, id);
	if (!res)
		return;
	respond_resource(request, progress_render(res, 0), db_integer(res, 0, PROGRESS_VERSION));
	PQclear(res);
}
