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
static const char *const NOTE_STATUSES[] = {"draft", "signed", NULL};

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
	{.name = "cosigned_by", .type = FIELD_READ_ONLY},
	{.name = "cosigned_at", .type = FIELD_READ_ONLY},
	{.name = "addenda", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

#define SESSION_NOTE_COLUMNS                                                              \
	"n.id, n.organization_id, n.participant_id, n.specialist_id, "                    \
	"peerd_timestamp(n.occurred_at), n.duration_minutes, n.modality, n.location, "    \
	"array_to_json(n.goal_ids), n.summary, n.response, n.plan, n.status, "            \
	"peerd_timestamp(n.signed_at), n.signed_by, n.billing, n.cosigned_by, "           \
	"peerd_timestamp(n.cosigned_at), (SELECT coalesce(json_agg(json_build_object("    \
	"'text', a.text, 'at', peerd_timestamp(a.at), 'by', a.by) ORDER BY a.id), '[]')"  \
	" FROM session_note_addenda a WHERE a.note_id = n.id), n.created_by, n.version, " \
	"peerd_timestamp(n.created_at), peerd_timestamp(n.updated_at), "                  \
	"peerd_position(n.created_at), s.subject"

#define SESSION_NOTE_FROM " FROM session_notes n JOIN specialists s ON s.id = n.specialist_id"

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
static const struct db_statement NOTE_LIST = {
	"session_note_list",
	"SELECT " SESSION_NOTE_COLUMNS SESSION_NOTE_FROM
	" WHERE ($1::uuid IS NULL OR n.organization_id = $1::uuid)"
	" AND peerd_participant_visible(n.participant_id, $1::uuid, $2::text)"
	" AND ($3::uuid IS NULL OR n.participant_id = $3::uuid)"
	" AND ($4::uuid IS NULL OR n.specialist_id = $4::uuid)"
	" AND ($5::date IS NULL OR peerd_organization_day(n.organization_id, n.occurred_at) >="
	" $5::date)"
	" AND ($6::date IS NULL OR peerd_organization_day(n.organization_id, n.occurred_at) <="
	" $6::date)"
	" AND ($7::session_note_status IS NULL OR n.status = $7::session_note_status)"
	" AND ($8::boolean IS NULL OR (n.status = 'signed' AND (n.cosigned_by IS NOT NULL) ="
	" $8::boolean))"
	" AND ($9::bigint IS NULL OR (n.created_at, n.id) < (peerd_from_position($9::bigint), "
	"$10::uuid))"
	" ORDER BY n.created_at DESC, n.id DESC LIMIT $11::int"};

/* The specialist a note is written as: the caller's own profile. */
static const struct db_statement OWN_PROFILE = {
	"session_note_own_profile",
	"SELECT id FROM specialists WHERE subject = $1 AND organization_id = $2"};

/* The participant's organization, and whether specialist $2 works for it. */
static const struct db_statement NOTE_PARTIES = {
	"session_note_parties",
	"SELECT p.organization_id, EXISTS (SELECT 1 FROM specialists s WHERE s.id = $2::uuid"
	" AND s.organization_id = p.organization_id) FROM participants p WHERE p.id = $1"};

/* The 1-based positions of goal_ids that are not active goals of participant $2. */
static const struct db_statement GOALS_NOT_ACTIVE = {
	"session_note_goals_not_active",
	"SELECT x.position FROM json_array_elements_text($1::json) WITH ORDINALITY"
	" AS x(goal_id, position) WHERE NOT EXISTS (SELECT 1 FROM goals g"
	" WHERE x.goal_id ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"
	" AND g.id = x.goal_id::uuid AND g.participant_id = $2 AND g.status = 'active')"
	" ORDER BY x.position"};

static const struct db_statement NOTE_INSERT = {
	"session_note_insert",
	"INSERT INTO session_notes (organization_id, participant_id, specialist_id, occurred_at,"
	" duration_minutes, modality, location, goal_ids, summary, response, plan, created_by)"
	" VALUES ($1, $2, $3, $4::timestamptz, $5::int, $6::session_modality, $7,"
	" ARRAY(SELECT json_array_elements_text($8::json)::uuid), $9, $10, $11, $12)"
	" RETURNING id"};

/* The first note on an assigned referral engages it (API.md), with its history entry. */
static const struct db_statement REFERRALS_ENGAGE = {
	"session_note_engage_referrals",
	"WITH engaged AS (UPDATE referrals SET status = 'engaged',"
	" first_contact_at = coalesce(first_contact_at, $3::timestamptz),"
	" version = version + 1, updated_at = now() WHERE participant_id = $1"
	" AND assigned_specialist_id = $2 AND status = 'assigned' RETURNING id)"
	" INSERT INTO referral_events (referral_id, from_status, to_status, actor, actor_role)"
	" SELECT id, 'assigned', 'engaged', $4, $5 FROM engaged RETURNING referral_id"};

static const struct db_statement NOTE_UPDATE = {
	"session_note_update",
	"UPDATE session_notes SET occurred_at = $2::timestamptz, duration_minutes = $3::int,"
	" modality = $4::session_modality, location = $5,"
	" goal_ids = ARRAY(SELECT json_array_elements_text($6::json)::uuid), summary = $7,"
	" response = $8, plan = $9, version = version + 1, updated_at = now() WHERE id = $1"};

json_t *session_note_render(const PGresult *res, int row)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o,"
		" s:o, s:o, s:o, s:s, s:I, s:s, s:s}",
		"id", db_text(res, row, NOTE_ID), "organization_id",
		db_text(res, row, NOTE_ORGANIZATION_ID), "participant_id",
		db_text(res, row, NOTE_PARTICIPANT_ID), "specialist_id",
		db_text(res, row, NOTE_SPECIALIST_ID), "occurred_at",
		db_text(res, row, NOTE_OCCURRED_AT), "duration_minutes",
		(json_int_t)db_integer(res, row, NOTE_DURATION_MINUTES), "modality",
		db_text(res, row, NOTE_MODALITY), "location",
		db_json_string(res, row, NOTE_LOCATION), "goal_ids",
		db_json(res, row, NOTE_GOAL_IDS), "summary", db_json_string(res, row, NOTE_SUMMARY),
		"response", db_json_string(res, row, NOTE_RESPONSE), "plan",
		db_json_string(res, row, NOTE_PLAN), "status", db_text(res, row, NOTE_STATUS),
		"signed_at", db_json_string(res, row, NOTE_SIGNED_AT), "signed_by",
		db_json_string(res, row, NOTE_SIGNED_BY), "billing",
		db_json(res, row, NOTE_BILLING), "cosigned_by",
		db_json_string(res, row, NOTE_COSIGNED_BY), "cosigned_at",
		db_json_string(res, row, NOTE_COSIGNED_AT), "addenda",
		db_json(res, row, NOTE_ADDENDA), "created_by", db_text(res, row, NOTE_CREATED_BY),
		"version", (json_int_t)db_integer(res, row, NOTE_VERSION), "created_at",
		db_text(res, row, NOTE_CREATED_AT), "updated_at",
		db_text(res, row, NOTE_UPDATED_AT));
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

bool session_note_goals_active(struct request *request, struct db_conn *db,
			       const char *participant_id, const json_t *goal_ids)
{
	struct field_errors errors;
	field_errors_init(&errors);
	enum db_status status = session_note_goal_errors(db, participant_id, goal_ids, &errors);
	bool all_active = status == DB_OK && !field_errors_any(&errors);
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!all_active)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return all_active;
}

/* Reads note id for the caller's scope with stmt; NULL after answering 404 (or 503). */
static PGresult *visible_note(struct request *request, struct db_conn *db,
			      const struct db_statement *stmt, const char *id)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_exec(db, stmt, DB_ARGS(id, scope, subject), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such session note");
		PQclear(res);
		return NULL;
	}
	return res;
}

PGresult *session_note_lock(struct request *request, struct db_conn *db, const char *id)
{
	enum db_status status = db_begin(db);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	return visible_note(request, db, &NOTE_SELECT_FOR_UPDATE, id);
}

/* As session_note_finish, storing the answer for claim (when claimed) before the commit.
 * Returns true when the note was committed and answered. */
static bool note_finish(struct request *request, struct db_conn *db, const char *id,
			unsigned status_code, enum audit_action action,
			const struct idempotency *claim)
{
	PGresult *res = visible_note(request, db, &NOTE_SELECT, id);
	if (!res)
		return false;
	audit_record(request, action, "session_note", id, db_text(res, 0, NOTE_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/session-notes/%s", id);
	json_t *doc = session_note_render(res, 0);
	enum db_status status = doc ? DB_OK : DB_ERROR;
	if (status == DB_OK && status_code == 201)
		status = idempotency_finish(db, claim, status_code, location, doc);
	if (status == DB_OK)
		status = audit_commit(request, db, status_code);
	if (status != DB_OK) {
		json_decref(doc);
		problem_send_database(request, status);
	} else if (status_code == 201) {
		respond_created(request, location, doc);
	} else {
		respond_resource(request, doc, db_integer(res, 0, NOTE_VERSION));
	}
	PQclear(res);
	return status == DB_OK;
}

void session_note_finish(struct request *request, struct db_conn *db, const char *id,
			 unsigned status_code, enum audit_action action)
{
	static const struct idempotency unclaimed;
	(void)note_finish(request, db, id, status_code, action, &unclaimed);
}

/* The specialist a new note is written as, into out: a specialist's own profile (they
 * may not name another); for a supervisor or admin, the body's specialist_id. Answers
 * and returns false otherwise. */
static bool note_author(struct request *request, struct db_conn *db, char out[UUID_TEXT_SIZE])
{
	const struct principal *caller = &request->caller;
	const char *named = json_string_value(json_object_get(request->body, "specialist_id"));
	if (caller->role != ROLE_SPECIALIST) {
		if (!named) {
			problem_send_field(request, "specialist_id",
					   "is required: the specialist who met the participant");
			return false;
		}
		uuid_normalize(named, out);
		return true;
	}
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &OWN_PROFILE, DB_ARGS(caller->subject, caller->organization_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	bool found = PQntuples(res) == 1;
	if (found)
		snprintf(out, UUID_TEXT_SIZE, "%s", db_text(res, 0, 0));
	PQclear(res);
	if (!found) {
		problem_send(request, 403, "no specialist profile signs in as you");
		return false;
	}
	char given[UUID_TEXT_SIZE];
	if (named)
		uuid_normalize(named, given);
	if (named && strcmp(given, out) != 0) {
		problem_send(request, 403, "a specialist writes notes as themselves");
		return false;
	}
	return true;
}

/* The participant's organization into organization_id, checking that the author works
 * there (422 otherwise). */
static bool note_parties(struct request *request, struct db_conn *db, const char *participant_id,
			 const char *specialist_id, char organization_id[UUID_TEXT_SIZE])
{
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &NOTE_PARTIES, DB_ARGS(participant_id, specialist_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	bool ok = PQntuples(res) == 1 && db_boolean(res, 0, 1);
	if (ok)
		snprintf(organization_id, UUID_TEXT_SIZE, "%s", db_text(res, 0, 0));
	else
		problem_send_field(request, "specialist_id",
				   "must be a specialist of the participant's organization");
	PQclear(res);
	return ok;
}

static const char *member_text(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static void integer_text(const json_t *doc, const char *key, char *out, size_t size)
{
	snprintf(out, size, "%lld", (long long)json_integer_value(json_object_get(doc, key)));
}

/* Inserts the note and engages the referral it is the first contact of, in the open
 * transaction; returns the new id (the caller frees it) or NULL after answering. */
static char *note_insert(struct request *request, struct db_conn *db, const char *organization_id,
			 const char *participant_id, const char *specialist_id)
{
	const json_t *body = request->body;
	char duration[16];
	integer_text(body, "duration_minutes", duration, sizeof duration);
	char *goal_ids = json_dumps(json_object_get(body, "goal_ids"), JSON_COMPACT);
	PGresult *res = NULL;
	enum db_status status =
		goal_ids ? db_exec(db, &NOTE_INSERT,
				   DB_ARGS(organization_id, participant_id, specialist_id,
					   member_text(body, "occurred_at"), duration,
					   member_text(body, "modality"),
					   member_text(body, "location"), goal_ids,
					   member_text(body, "summary"),
					   member_text(body, "response"), member_text(body, "plan"),
					   request->caller.subject),
				   &res)
			 : DB_ERROR;
	free(goal_ids);
	PGresult *engaged = NULL;
	if (status == DB_OK)
		status = db_exec(db, &REFERRALS_ENGAGE,
				 DB_ARGS(participant_id, specialist_id,
					 member_text(body, "occurred_at"), request->caller.subject,
					 role_name(request->caller.role)),
				 &engaged);
	for (int row = 0; status == DB_OK && row < PQntuples(engaged); row++)
		audit_record(request, AUDIT_TRANSITION, "referral", db_text(engaged, row, 0),
			     organization_id);
	PQclear(engaged);
	char *id = status == DB_OK ? strdup(db_text(res, 0, 0)) : NULL;
	PQclear(res);
	if (!id)
		problem_send_database(request, status == DB_OK ? DB_ERROR : status);
	return id;
}

/* Field rules and the goals together, so one 422 names every broken field: the goals
 * are checked when participant_id is a UUID the caller may see. Returns false after
 * answering. */
static bool note_valid(struct request *request, struct db_conn **db,
		       char participant_id[UUID_TEXT_SIZE])
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(request->body, NOTE_FIELDS, "", &errors);
	if (request->caller.role != ROLE_SPECIALIST &&
	    !json_object_get(request->body, "specialist_id"))
		field_error(&errors, "specialist_id",
			    "is required: the specialist who met the participant");
	const char *given = member_text(request->body, "participant_id");
	bool ok = true;
	if (given && uuid_is_valid(given)) {
		uuid_normalize(given, participant_id);
		*db = request_db(request);
		ok = *db && participant_visible(request, *db, participant_id);
		const json_t *goal_ids = json_object_get(request->body, "goal_ids");
		enum db_status status = DB_OK;
		if (ok && json_is_array(goal_ids))
			status = session_note_goal_errors(*db, participant_id, goal_ids, &errors);
		if (ok && status != DB_OK) {
			problem_send_database(request, status);
			ok = false;
		}
	}
	if (ok && field_errors_any(&errors)) {
		problem_send_invalid(request, &errors);
		ok = false;
	}
	field_errors_free(&errors);
	return ok;
}

/* Checks, writes and answers a new note in the open transaction, storing the answer for
 * claim; returns false after answering otherwise. */
static bool note_create(struct request *request, struct db_conn *db,
			const struct idempotency *claim)
{
	char participant_id[UUID_TEXT_SIZE], specialist_id[UUID_TEXT_SIZE],
		organization_id[UUID_TEXT_SIZE];
	if (!note_valid(request, &db, participant_id) || !note_author(request, db, specialist_id) ||
	    !note_parties(request, db, participant_id, specialist_id, organization_id))
		return false;
	char *id = note_insert(request, db, organization_id, participant_id, specialist_id);
	bool created = id && note_finish(request, db, id, 201, AUDIT_CREATE, claim);
	free(id);
	return created;
}

void session_notes_create(struct request *request)
{
	/* The key first: a retry gets its first answer even if the goals or the referral
	 * have moved on since. */
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!note_create(request, db, &claim))
		idempotency_release(db);
}

void session_notes_list(struct request *request)
{
	static const char *const QUERY[] = {"limit",	     "cursor",	 "participant_id",
					    "specialist_id", "from",	 "to",
					    "status",	     "cosigned", NULL};
	struct page_request page;
	const char *participant_id, *specialist_id, *from, *to, *status_filter, *cosigned;
	if (!request_query_allow_only(request, QUERY) || !query_page(request, &page) ||
	    !query_uuid(request, "participant_id", &participant_id) ||
	    !query_uuid(request, "specialist_id", &specialist_id) ||
	    !query_choice(request, "status", NOTE_STATUSES, &status_filter) ||
	    !query_boolean(request, "cosigned", &cosigned) ||
	    !query_date_range(request, &from, &to))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, &NOTE_LIST,
					DB_ARGS(scope, subject, participant_id, specialist_id, from,
						to, status_filter, cosigned, PAGE_SQL_ARGS(page)),
					&res);
	audit_record_rows(request, AUDIT_READ, "session_note", res, NOTE_ID, NOTE_ORGANIZATION_ID,
			  page.limit);
	respond_page(request, status, res, &page, session_note_render, NOTE_POSITION, NOTE_ID);
}

void session_notes_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? visible_note(request, db, &NOTE_SELECT, id) : NULL;
	if (!res)
		return;
	audit_record(request, AUDIT_READ, "session_note", id,
		     db_text(res, 0, NOTE_ORGANIZATION_ID));
	respond_resource(request, session_note_render(res, 0), db_integer(res, 0, NOTE_VERSION));
	PQclear(res);
}

/* Only a draft changes (409 once signed), and a specialist changes only their own. */
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

static PGresult *write_note(struct request *request, struct db_conn *db, const char *id,
			    const json_t *doc)
{
	const char *participant_id = member_text(doc, "participant_id");
	if (!session_note_goals_active(request, db, participant_id,
				       json_object_get(doc, "goal_ids")))
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
		problem_send_database(request, status);
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
