/* Session notes (API.md): written by the specialist (or for them by a supervisor) for a
 * participant assigned to them, tied to active goals, and changed only while a draft.
 * The first note on an assigned referral engages it, in the same transaction. Signing,
 * addenda and co-signing are in api/session_note_signing.c. */
#include "session_notes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "civil_date.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "patch.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "uuid.h"
#include "validate.h"

static const char *const MODALITIES[] = {"in_person", "phone",	    "video",	 "text",
					 "group",     "home_visit", "community", NULL};
const char *const NOTE_STATUSES[] = {"draft", "signed", NULL};

/* Clocks drift: a contact up to five minutes "in the future" is one that just ended. */
#define FUTURE_SKEW_SECONDS 300

static const char *check_uuid(const json_t *item)
{
	return uuid_is_valid(json_string_value(item)) ? NULL : "must be a UUID";
}

static const char *check_not_future(const json_t *value)
{
	long long at;
	if (!timestamp_epoch(json_string_value(value), &at))
		return NULL; /* FIELD_TIMESTAMP has said what is wrong */
	return at > (long long)time(NULL) + FUTURE_SKEW_SECONDS ? "cannot be in the future" : NULL;
}

const struct constraint_answer SESSION_NOTE_CONSTRAINTS[] = {
	{"session_notes_occurred_at_bounds", 422, "occurred_at",
	 "must be no earlier than the participant's first referral or registration, and not in "
	 "the future"},
	{0},
};

void session_note_since_error(const char *occurred_at, const char *since,
			      struct field_errors *errors)
{
	/* since is a whole second, so a time is before it exactly when its whole second is:
	 * the fraction timestamp_epoch drops cannot change the answer. */
	long long at, first;
	if (occurred_at && since && timestamp_epoch(occurred_at, &at) &&
	    timestamp_epoch(since, &first) && at < first)
		field_error(errors, "occurred_at",
			    "cannot be before %s, when this participant was first referred or "
			    "registered",
			    since);
}

const struct field_rule NOTE_FIELDS[] = {
	{.name = "participant_id", .type = FIELD_UUID, .required = true},
	{.name = "specialist_id", .type = FIELD_UUID},
	{.name = "occurred_at",
	 .type = FIELD_TIMESTAMP,
	 .required = true,
	 .check = check_not_future},
	{.name = "duration_minutes", .type = FIELD_INTEGER, .required = true, .min = 1, .max = 480},
	{.name = "modality", .type = FIELD_ENUM, .required = true, .choices = MODALITIES},
	{.name = "location",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "goal_ids",
	 .type = FIELD_STRING_ARRAY,
	 .required = true,
	 .min = 1,
	 .max = 20,
	 .item_min = 36,
	 .item_max = 36,
	 .item_check = check_uuid},
	{.name = "summary", .type = FIELD_STRING, .nullable = true, .max = 10000},
	{.name = "response", .type = FIELD_STRING, .nullable = true, .max = 10000},
	{.name = "plan", .type = FIELD_STRING, .nullable = true, .max = 10000},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "signed_at", .type = FIELD_READ_ONLY},
	{.name = "signed_by", .type = FIELD_READ_ONLY},
	{.name = "billing", .type = FIELD_READ_ONLY},
	{.name = "group_session_id", .type = FIELD_READ_ONLY},
	{.name = "cosigned_by", .type = FIELD_READ_ONLY},
	{.name = "cosigned_at", .type = FIELD_READ_ONLY},
	{.name = "addenda", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement NOTE_SELECT = {
	"session_note_select",
	"SELECT " SESSION_NOTE_COLUMNS SESSION_NOTE_FROM " WHERE n.id = $1"
	" AND peerd_participant_visible(n.participant_id, $2::uuid, $3::text)"};

static const struct db_statement NOTE_SELECT_FOR_UPDATE = {
	"session_note_select_for_update",
	"SELECT " SESSION_NOTE_COLUMNS SESSION_NOTE_FROM " WHERE n.id = $1"
	" AND peerd_participant_visible(n.participant_id, $2::uuid, $3::text) FOR UPDATE OF n"};

static const struct db_statement NOTE_LOCK_BY_ID = {"session_note_lock_by_id",
						    "SELECT " SESSION_NOTE_COLUMNS SESSION_NOTE_FROM
						    " WHERE n.id = $1 FOR UPDATE OF n"};

/* From and to are days in the organization's zone, both included. */
#define NOTE_LIST_FROM_WHERE                                                           \
	SESSION_NOTE_FROM                                                              \
	" WHERE ($1::uuid IS NULL OR n.organization_id = $1::uuid)"                    \
	" AND peerd_participant_visible(n.participant_id, $1::uuid, $2::text)"         \
	" AND ($3::uuid IS NULL OR n.participant_id = $3::uuid)"                       \
	" AND ($4::uuid IS NULL OR n.specialist_id = $4::uuid)"                        \
	" AND ($5::date IS NULL OR peerd_organization_day(n.organization_id, "         \
	"n.occurred_at) >="                                                            \
	" $5::date)"                                                                   \
	" AND ($6::date IS NULL OR peerd_organization_day(n.organization_id, "         \
	"n.occurred_at) <="                                                            \
	" $6::date)"                                                                   \
	" AND ($7::session_note_status IS NULL OR n.status = $7::session_note_status)" \
	" AND ($8::boolean IS NULL OR (n.status = 'signed' AND (n.cosigned_by IS NOT " \
	"NULL) ="                                                                      \
	" $8::boolean))"
PAGE_STATEMENTS(NOTE_LIST, "session_note_list", SESSION_NOTE_COLUMNS, "n", NOTE_LIST_FROM_WHERE,
		"$9", "$10", "$11", "$12");

/* The 1-based positions of goal_ids that are not active goals of participant $2. */
static const struct db_statement GOALS_NOT_ACTIVE = {"session_note_goals_not_active",
						     NOT_ACTIVE_GOAL_POSITIONS("$1", "$2")};

static const struct db_statement NOTE_UPDATE = {
	"session_note_update",
	"UPDATE session_notes SET occurred_at = $2::timestamptz, duration_minutes = $3::int,"
	" modality = $4::session_modality, location = $5,"
	" goal_ids = ARRAY(SELECT json_array_elements_text($6::json)::uuid), summary = $7,"
	" response = $8, plan = $9, version = version + 1, updated_at = now() WHERE id = $1"};

/* Note $1's participant's earliest occurred_at (sql/020) and its own, as the API writes
 * them. */
static const struct db_statement NOTE_SINCE = {
	"session_note_since", "SELECT peerd_timestamp(peerd_participant_since(participant_id)),"
			      " peerd_timestamp(occurred_at) FROM session_notes WHERE id = $1"};

static const struct row_json_member SESSION_NOTE_JSON[] = {
	SESSION_NOTE_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table SESSION_NOTE_JSON_ROWS = ROW_JSON_TABLE(SESSION_NOTE_JSON);

json_t *session_note_render(const PGresult *res, int row)
{
	return row_json_render(SESSION_NOTE_JSON,
			       sizeof SESSION_NOTE_JSON / sizeof *SESSION_NOTE_JSON, res, row);
}

bool session_note_by_caller(const struct request *request, const PGresult *note)
{
	const struct principal *caller = &request->caller;
	return caller->role == ROLE_SPECIALIST &&
	       strcmp(db_text(note, 0, NOTE_SPECIALIST_SUBJECT), caller->subject) == 0 &&
	       strcmp(db_text(note, 0, NOTE_ORGANIZATION_ID), caller->organization_id) == 0;
}

enum db_status session_note_goal_errors(struct db_conn *db, const char *participant_id,
					const json_t *goal_ids, struct field_errors *errors)
{
	char *ids = json_dumps(goal_ids, JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		ids ? db_exec(db, &GOALS_NOT_ACTIVE, DB_ARGS(ids, participant_id), &res) : DB_ERROR;
	free(ids);
	for (int row = 0; status == DB_OK && row < PQntuples(res); row++) {
		char field[32];
		snprintf(field, sizeof field, "goal_ids[%lld]", db_integer(res, row, 0) - 1);
		field_error(errors, field, "is not an active goal of this participant");
	}
	PQclear(res);
	return status;
}

/* After checks against the database that ended in status and collected errors: answers
 * 503 (or 500) for a failed status, else 422 for any error, and frees errors. Returns true
 * when it did not answer. */
static bool checked_clean(struct request *request, enum db_status status,
			  struct field_errors *errors)
{
	bool clean = status == DB_OK && !field_errors_any(errors);
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!clean)
		problem_send_invalid(request, errors);
	field_errors_free(errors);
	return clean;
}

bool session_note_goals_active(struct request *request, struct db_conn *db,
			       const char *participant_id, const json_t *goal_ids)
{
	struct field_errors errors;
	field_errors_init(&errors);
	return checked_clean(
		request, session_note_goal_errors(db, participant_id, goal_ids, &errors), &errors);
}

/* Reads session note id for the caller's scope with stmt; NULL after answering 404 (or 503). */
static PGresult *visible_note(struct request *request, struct db_conn *db,
			      const struct db_statement *stmt, const char *id)
{
	return participant_record_find(request, db, stmt, id, "session note");
}

PGresult *session_note_lock(struct request *request, struct db_conn *db, const char *id)
{
	return visible_note(request, db, &NOTE_SELECT_FOR_UPDATE, id);
}

bool session_note_answer(struct request *request, struct db_conn *db, PGresult *res,
			 unsigned status_code, enum audit_action action,
			 const struct idempotency *claim)
{
	const char *id = db_text(res, 0, NOTE_ID);
	audit_record(request, action, "session_note", id, db_text(res, 0, NOTE_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/session-notes/%s", id);
	/* A change names the note's new version, which a further change must name; a new
	 * note is answered at its Location. */
	struct idempotency_answer answer = {
		.status = status_code,
		.location = status_code == 201 ? location : NULL,
		.version = action == AUDIT_CREATE ? 0 : db_integer(res, 0, NOTE_VERSION),
		.body = session_note_render(res, 0),
		.resource_id = id,
	};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void session_note_finish(struct request *request, struct db_conn *db, const char *id,
			 unsigned status_code, enum audit_action action,
			 const struct idempotency *claim)
{
	PGresult *res = visible_note(request, db, &NOTE_SELECT, id);
	if (res)
		(void)session_note_answer(request, db, res, status_code, action, claim);
}

void session_note_answer_current(struct request *request, PGresult *res)
{
	audit_record(request, AUDIT_READ, "session_note", db_text(res, 0, NOTE_ID),
		     db_text(res, 0, NOTE_ORGANIZATION_ID));
	idempotency_answer_current(request, session_note_render(res, 0),
				   db_integer(res, 0, NOTE_VERSION));
	PQclear(res);
}

void session_notes_list(struct request *request)
{
	struct page_request page;
	const char *participant_id, *specialist_id, *from, *to, *status_filter, *cosigned;
	if (!query_page(request, &page) ||
	    !query_read(request, "participant_id", &participant_id) ||
	    !query_read(request, "specialist_id", &specialist_id) ||
	    !query_read(request, "status", &status_filter) ||
	    !query_read(request, "cosigned", &cosigned) || !query_date_range(request, &from, &to))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(NOTE_LIST, page),
					DB_ARGS(scope, subject, participant_id, specialist_id, from,
						to, status_filter, cosigned, PAGE_SYNC_ARGS(page)),
					&res);
	audit_record_rows(request, AUDIT_READ, "session_note", res, NOTE_ID, NOTE_ORGANIZATION_ID,
			  page.limit);
	respond_page(request, status, res, &page, &SESSION_NOTE_JSON_ROWS, NOTE_POSITION, NOTE_ID);
}

/* Reads note id as the caller may see it, and records the read for the audit trail; NULL
 * after answering 404 (or 503). */
static PGresult *note_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = visible_note(request, db, &NOTE_SELECT, id);
	if (res)
		audit_record(request, AUDIT_READ, "session_note", id,
			     db_text(res, 0, NOTE_ORGANIZATION_ID));
	return res;
}

const struct idempotency_resource SESSION_NOTE_REPLAY = {"session_note", note_read};

void session_notes_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? note_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, session_note_render(res, 0), db_integer(res, 0, NOTE_VERSION));
	PQclear(res);
}

/* Only a draft changes (409 once signed), and a specialist changes only their own. */
static void integer_text(const json_t *doc, const char *key, char *out, size_t size)
{
	snprintf(out, size, "%lld", (long long)json_integer_value(json_object_get(doc, key)));
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	if (!participant_records_visible(request, db, db_text(current, 0, NOTE_PARTICIPANT_ID),
					 "session note"))
		return false;
	if (request->caller.role == ROLE_SPECIALIST && !session_note_by_caller(request, current)) {
		problem_send(request, 403, "a specialist changes only their own notes");
		return false;
	}
	if (strcmp(db_text(current, 0, NOTE_STATUS), "signed") == 0) {
		problem_send(request, 409,
			     "a signed note is locked; add an addendum to correct it");
		return false;
	}
	return true;
}

/* member names the same UUID before and after, whatever the case it is written in;
 * else answers 422. */
static bool same_uuid(struct request *request, const json_t *before, const json_t *after,
		      const char *member)
{
	const char *old = json_string_value(json_object_get(before, member));
	const char *new = json_string_value(json_object_get(after, member));
	if (old && new &&strcasecmp(old, new) == 0)
		return true;
	return patch_keeps(request, before, after, member);
}

static bool parties_unchanged(struct request *request, const PGresult *current,
			      const json_t *before, const json_t *after)
{
	(void)current;
	return same_uuid(request, before, after, "participant_id") &&
	       same_uuid(request, before, after, "specialist_id");
}

/* Adds an error naming occurred_at when doc moves note id's occurred_at before its
 * participant's first record. An unmoved one is not checked again: a draft written before
 * the rule (sql/020) can still be edited as it stands. */
static enum db_status since_errors(struct db_conn *db, const char *id, const json_t *doc,
				   struct field_errors *errors)
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &NOTE_SINCE, DB_ARGS(id), &res);
	const char *occurred_at = member_text(doc, "occurred_at");
	long long at, stored;
	const char *was = status == DB_OK && PQntuples(res) == 1 ? db_text(res, 0, 1) : NULL;
	if (occurred_at && was && timestamp_epoch(occurred_at, &at) &&
	    timestamp_epoch(was, &stored) && at != stored)
		session_note_since_error(occurred_at, db_text(res, 0, 0), errors);
	PQclear(res);
	return status;
}

/* The goals and occurred_at of doc against the database, one 422 naming every field at
 * fault; false after answering. */
static bool still_valid(struct request *request, struct db_conn *db, const char *id,
			const json_t *doc)
{
	struct field_errors errors;
	field_errors_init(&errors);
	enum db_status status = session_note_goal_errors(db, member_text(doc, "participant_id"),
							 json_object_get(doc, "goal_ids"), &errors);
	if (status == DB_OK)
		status = since_errors(db, id, doc, &errors);
	return checked_clean(request, status, &errors);
}

static PGresult *write_note(struct request *request, struct db_conn *db, const char *id,
			    const json_t *doc)
{
	if (!still_valid(request, db, id, doc))
		return NULL;
	char duration[16];
	integer_text(doc, "duration_minutes", duration, sizeof duration);
	char *goal_ids = json_dumps(json_object_get(doc, "goal_ids"), JSON_COMPACT);
	enum db_status status =
		goal_ids ? db_exec(db, &NOTE_UPDATE,
				   DB_ARGS(id, member_text(doc, "occurred_at"), duration,
					   member_text(doc, "modality"),
					   member_text(doc, "location"), goal_ids,
					   member_text(doc, "summary"),
					   member_text(doc, "response"), member_text(doc, "plan")),
				   NULL)
			 : DB_ERROR;
	free(goal_ids);
	PGresult *res = NULL;
	if (status == DB_OK)
		status = db_exec(db, &NOTE_LOCK_BY_ID, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, SESSION_NOTE_CONSTRAINTS);
	return res;
}

static const struct patch_target NOTE_PATCH = {
	.noun = "session note",
	.lock = &NOTE_LOCK_BY_ID,
	.fields = NOTE_FIELDS,
	.render = session_note_render,
	.version_column = NOTE_VERSION,
	.admit = admit_patch,
	.check = parties_unchanged,
	.audit_type = "session_note",
	.organization_column = NOTE_ORGANIZATION_ID,
	.write = write_note,
};

void session_notes_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &NOTE_PATCH);
}
