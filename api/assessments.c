/* Assessments (API.md "Episodes and assessments"): a BARC-10 of ten answers 1..6 and its
 * score (the database's generated sum), administered on a day not after the
 * organization's today, filling the earliest unfilled slot of its timepoint whose window
 * holds that day (rules/assessment_schedule.c). Assessments of one episode choose their
 * slots in turn on the episode's row lock; the database's one-live-per-slot index is the
 * backstop. Closed episodes still take them (the discharge above all). */
#include "assessments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "civil_date.h"
#include "db.h"
#include "episodes.h"
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

const char *const ASSESSMENT_INSTRUMENTS[] = {"barc10", NULL};
const char *const ASSESSMENT_TIMEPOINTS[] = {"baseline", "follow_up", "discharge", NULL};

/* BARC-10: ten items, each answered 1 (strongly disagree) to 6 (strongly agree). */
#define BARC10_ITEMS	  10
#define BARC10_ANSWER_MIN 1
#define BARC10_ANSWER_MAX 6

/* An assessment as a client writes it, but for answers (barc10_errors). */
static const struct field_rule ASSESSMENT_FIELDS[] = {
	{.name = "instrument", .type = FIELD_ENUM, .choices = ASSESSMENT_INSTRUMENTS},
	{.name = "timepoint",
	 .type = FIELD_ENUM,
	 .required = true,
	 .choices = ASSESSMENT_TIMEPOINTS},
	{.name = "administered_on", .type = FIELD_DATE, .required = true},
	{0},
};

static const struct field_rule VOID_FIELDS[] = {
	{.name = "reason", .type = FIELD_STRING, .required = true, .min = 1, .max = 500},
	{0},
};

static const struct constraint_answer ASSESSMENT_CONSTRAINTS[] = {
	{"assessments_one_per_slot", 409, NULL,
	 "another assessment filled that slot at the same moment; send it again"},
	{"assessments_voided_once", 409, NULL, "the assessment is already voided"},
	{0},
};

/* An assessment's columns, in the order of its JSON, from assessments a. */
/* clang-format off */
#define ASSESSMENT_COLUMN_LIST(X, _)                                                            \
	X(ASSESSMENT_ID, "a.id", "id", ROW_STRING)                                              \
	_ X(ASSESSMENT_ORGANIZATION_ID, "a.organization_id", "organization_id", ROW_STRING)     \
	_ X(ASSESSMENT_PARTICIPANT_ID, "a.participant_id", "participant_id", ROW_STRING)        \
	_ X(ASSESSMENT_EPISODE_ID, "a.episode_id", "episode_id", ROW_STRING)                    \
	_ X(ASSESSMENT_INSTRUMENT, "a.instrument", "instrument", ROW_STRING)                    \
	_ X(ASSESSMENT_TIMEPOINT, "a.timepoint", "timepoint", ROW_STRING)                       \
	_ X(ASSESSMENT_SLOT, "a.slot", "slot", ROW_INTEGER)                                     \
	_ X(ASSESSMENT_ADMINISTERED_ON, "to_char(a.administered_on, 'YYYY-MM-DD')",             \
	    "administered_on", ROW_STRING)                                                      \
	_ X(ASSESSMENT_ANSWERS, "array_to_json(a.answers)", "answers", ROW_JSON)                \
	_ X(ASSESSMENT_SCORE, "a.score", "score", ROW_INTEGER)                                  \
	_ X(ASSESSMENT_VOIDED_AT, "peerd_timestamp(a.voided_at)", "voided_at", ROW_STRING)      \
	_ X(ASSESSMENT_VOID_REASON, "a.void_reason", "void_reason", ROW_STRING)                 \
	_ X(ASSESSMENT_VOIDED_BY, "a.voided_by", "voided_by", ROW_STRING)                       \
	_ X(ASSESSMENT_CREATED_BY, "a.created_by", "created_by", ROW_STRING)                    \
	_ X(ASSESSMENT_VERSION, "a.version", "version", ROW_INTEGER)                            \
	_ X(ASSESSMENT_CREATED_AT, "peerd_timestamp(a.created_at)", "created_at", ROW_STRING)   \
	_ X(ASSESSMENT_UPDATED_AT, "peerd_timestamp(a.updated_at)", "updated_at", ROW_STRING)   \
	_ X(ASSESSMENT_POSITION, "peerd_position(a.created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { ASSESSMENT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define ASSESSMENT_COLUMNS ASSESSMENT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member ASSESSMENT_JSON[] = {
	ASSESSMENT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table ASSESSMENT_JSON_ROWS = ROW_JSON_TABLE(ASSESSMENT_JSON);

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement ASSESSMENT_SELECT = {
	"assessment_select",
	"SELECT " ASSESSMENT_COLUMNS " FROM assessments a WHERE a.id = $1"
	" AND peerd_participant_visible(a.participant_id, $2::uuid, $3::text)"};

static const struct db_statement ASSESSMENT_SELECT_FOR_UPDATE = {
	"assessment_select_for_update",
	"SELECT " ASSESSMENT_COLUMNS " FROM assessments a WHERE a.id = $1"
	" AND peerd_participant_visible(a.participant_id, $2::uuid, $3::text) FOR UPDATE OF a"};

/* An episode's assessments (the caller may see the episode), by day, then newest. */
#define ASSESSMENT_LIST_FROM_WHERE " FROM assessments a WHERE a.episode_id = $1"
PAGE_STATEMENTS(ASSESSMENT_LIST, "assessment_list", ASSESSMENT_COLUMNS, "a",
		ASSESSMENT_LIST_FROM_WHERE, "$2", "$3", "$4", "$5");

static const struct db_statement ASSESSMENT_INSERT = {
	"assessment_insert",
	"INSERT INTO assessments (organization_id, participant_id, episode_id, instrument,"
	" timepoint, slot, administered_on, answers, created_by)"
	" SELECT e.organization_id, e.participant_id, e.id, $2::assessment_instrument,"
	" $3::assessment_timepoint, $4::int, $5::date,"
	" ARRAY(SELECT x::smallint FROM json_array_elements_text($6::json) AS x), $7"
	" FROM episodes e WHERE e.id = $1 RETURNING id"};

static const struct db_statement ASSESSMENT_VOID = {
	"assessment_void",
	"UPDATE assessments SET voided_at = now(), void_reason = $2, voided_by = $3,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

static json_t *assessment_render(const PGresult *res, int row)
{
	return row_json_render(ASSESSMENT_JSON, sizeof ASSESSMENT_JSON / sizeof *ASSESSMENT_JSON,
			       res, row);
}

static PGresult *assessment_find(struct request *request, struct db_conn *db, const char *id,
				 bool lock)
{
	return participant_record_find(request, db,
				       lock ? &ASSESSMENT_SELECT_FOR_UPDATE : &ASSESSMENT_SELECT,
				       id, "assessment");
}

/* Reads assessment id as the caller may see it, and records the read; NULL after
 * answering. */
static PGresult *assessment_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = assessment_find(request, db, id, false);
	if (res)
		audit_record(request, AUDIT_READ, "assessment", id,
			     db_text(res, 0, ASSESSMENT_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource ASSESSMENT_REPLAY = {"assessment", assessment_read};

/* Reads assessment id again in the open transaction, records action on it, commits with
 * the answer for claim (201 with Location when created, else 200 with its ETag) and
 * answers. False after answering otherwise. */
static bool assessment_finish(struct request *request, struct db_conn *db, const char *id,
			      unsigned status, enum audit_action action,
			      const struct idempotency *claim)
{
	PGresult *res = assessment_find(request, db, id, false);
	if (!res)
		return false;
	audit_record(request, action, "assessment", id,
		     db_text(res, 0, ASSESSMENT_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/assessments/%s", id);
	struct idempotency_answer answer = {
		.status = status,
		.location = status == 201 ? location : NULL,
		.version = status == 201 ? 0 : db_integer(res, 0, ASSESSMENT_VERSION),
		.body = assessment_render(res, 0),
		.resource_id = id,
	};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void assessments_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? assessment_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, assessment_render(res, 0),
			 db_integer(res, 0, ASSESSMENT_VERSION));
	PQclear(res);
}

void assessments_list(struct request *request)
{
	struct page_request page;
	const char *episode_id = request_id_param(request, "id");
	if (!episode_id || !query_page(request, &page))
		return;
	struct db_conn *db = request_db(request);
	PGresult *episode = db ? episode_find(request, db, episode_id, false) : NULL;
	if (!episode)
		return;
	PQclear(episode);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(ASSESSMENT_LIST, page),
					DB_ARGS(episode_id, PAGE_SYNC_ARGS(page)), &res);
	audit_record_rows(request, AUDIT_READ, "assessment", res, ASSESSMENT_ID,
			  ASSESSMENT_ORGANIZATION_ID, page.limit);
	respond_page(request, status, res, &page, &ASSESSMENT_JSON_ROWS, ASSESSMENT_POSITION,
		     ASSESSMENT_ID);
}

/* Adds to errors what is wrong with a BARC-10's answers: "answers" unless an array of
 * ten, else each answers[i] that is not a whole number 1..6. */
static void barc10_errors(const json_t *answers, struct field_errors *errors)
{
	if (!json_is_array(answers) || json_array_size(answers) != BARC10_ITEMS) {
		field_error(errors, "answers",
			    "must be the BARC-10's %d answers, each a whole number from %d to %d",
			    BARC10_ITEMS, BARC10_ANSWER_MIN, BARC10_ANSWER_MAX);
		return;
	}
	size_t index;
	const json_t *answer;
	json_array_foreach (answers, index, answer) {
		json_int_t value = json_is_integer(answer) ? json_integer_value(answer) : 0;
		if (value >= BARC10_ANSWER_MIN && value <= BARC10_ANSWER_MAX)
			continue;
		char field[32];
		snprintf(field, sizeof field, "answers[%zu]", index);
		field_error(errors, field, "must be a whole number from %d to %d",
			    BARC10_ANSWER_MIN, BARC10_ANSWER_MAX);
	}
}

/* Adds to errors everything wrong with the body: its fields, its answers, and its day
 * after the episode's today. */
static void assessment_errors(const json_t *body, const PGresult *episode,
			      struct field_errors *errors)
{
	json_t *fields = json_copy((json_t *)body);
	if (fields)
		json_object_del(fields, "answers");
	validate_object(fields ? fields : body, ASSESSMENT_FIELDS, "", errors);
	json_decref(fields);
	barc10_errors(json_object_get(body, "answers"), errors);
	const char *day = member_text(body, "administered_on");
	const char *today = db_text(episode, 0, EPISODE_TODAY);
	if (day && date_is_valid(day) && strcmp(day, today) > 0)
		field_error(errors, "administered_on", "cannot be after today (%s)", today);
}

/* The slot the valid body fills in the locked episode; false after answering 422. */
static bool assessment_slot(struct request *request, const PGresult *episode, int *slot)
{
	const char *timepoint_name = member_text(request->body, "timepoint");
	const char *day_text = member_text(request->body, "administered_on");
	enum assessment_timepoint timepoint;
	struct civil_date day;
	if (assessment_timepoint_parse(timepoint_name, &timepoint) &&
	    civil_date_parse(day_text, &day) && episode_slot_choose(episode, timepoint, day, slot))
		return true;
	problem_send_field(request, "administered_on",
			   "no unfilled %s slot of this episode's schedule has a window holding %s",
			   timepoint_name, day_text);
	return false;
}

/* Writes the valid body as an assessment of the locked episode in the open transaction;
 * its id into id. False after answering. */
static bool assessment_store(struct request *request, struct db_conn *db, const char *episode_id,
			     int slot, char id[UUID_TEXT_SIZE])
{
	const json_t *body = request->body;
	const char *instrument = member_text(body, "instrument");
	char slot_text[16];
	snprintf(slot_text, sizeof slot_text, "%d", slot);
	char *answers = json_dumps(json_object_get(body, "answers"), JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		answers ? db_exec(db, &ASSESSMENT_INSERT,
				  DB_ARGS(episode_id, instrument ? instrument : "barc10",
					  member_text(body, "timepoint"), slot_text,
					  member_text(body, "administered_on"), answers,
					  request->caller.subject),
				  &res)
			: DB_ERROR;
	free(answers);
	if (status == DB_OK)
		snprintf(id, UUID_TEXT_SIZE, "%s", db_text(res, 0, 0));
	else
		problem_send_constraint(request, status, db, ASSESSMENT_CONSTRAINTS);
	PQclear(res);
	return status == DB_OK;
}

/* The episode, locked, then read again under the lock: an assessment that held the lock
 * has committed by now, and its slot is taken. NULL after answering. */
static PGresult *episode_lock_for_assessment(struct request *request, struct db_conn *db,
					     const char *episode_id)
{
	PGresult *locked = episode_find(request, db, episode_id, true);
	PQclear(locked);
	return locked ? episode_find(request, db, episode_id, false) : NULL;
}

static bool assessment_create(struct request *request, struct db_conn *db, const char *episode_id,
			      const struct idempotency *claim)
{
	PGresult *episode = episode_lock_for_assessment(request, db, episode_id);
	if (!episode)
		return false;
	struct field_errors errors;
	field_errors_init(&errors);
	assessment_errors(request->body, episode, &errors);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	int slot = 0;
	char id[UUID_TEXT_SIZE];
	bool created = valid && assessment_slot(request, episode, &slot) &&
		       assessment_store(request, db, episode_id, slot, id) &&
		       assessment_finish(request, db, id, 201, AUDIT_CREATE, claim);
	PQclear(episode);
	return created;
}

void assessments_create(struct request *request)
{
	const char *episode_id = request_id_param(request, "id");
	struct db_conn *db = episode_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &ASSESSMENT_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!assessment_create(request, db, episode_id, &claim))
		idempotency_release(db);
}

/* May the locked assessment be voided as the body asks? 412 when If-Match names another
 * version (honoured, not required); a bad body 422; already voided 409. */
static bool void_allowed(struct request *request, const PGresult *assessment)
{
	if (!precondition_holds(request, "assessment",
				db_integer(assessment, 0, ASSESSMENT_VERSION), IF_MATCH_OPTIONAL) ||
	    !request_valid(request, request->body, VOID_FIELDS))
		return false;
	if (PQgetisnull(assessment, 0, ASSESSMENT_VOIDED_AT))
		return true;
	problem_send(request, 409, "the assessment was already voided at %s",
		     db_text(assessment, 0, ASSESSMENT_VOIDED_AT));
	return false;
}

void assessment_void(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &ASSESSMENT_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	PGresult *assessment = assessment_find(request, db, id, true);
	enum db_status status = DB_ERROR;
	if (assessment && void_allowed(request, assessment)) {
		status = db_exec(
			db, &ASSESSMENT_VOID,
			DB_ARGS(id, member_text(request->body, "reason"), request->caller.subject),
			NULL);
		if (status != DB_OK)
			problem_send_constraint(request, status, db, ASSESSMENT_CONSTRAINTS);
	}
	PQclear(assessment);
	if (status != DB_OK || !assessment_finish(request, db, id, 200, AUDIT_UPDATE, &claim))
		idempotency_release(db);
}
