/* Group sessions (API.md "Group sessions"): written, with their roster, by a supervisor,
 * an admin or a specialist among their facilitators, while a draft; a specialist sees
 * only the sessions they facilitate. One statement reads everything a session is checked
 * against (api/group_session_checks.c's rules in C, the database's here); the session,
 * its facilitators and its roster are written whole. */
#include "group_sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "goals.h"
#include "group_attendance.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "patch.h"
#include "precondition.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "uuid.h"
#include "validate.h"

const char *const GROUP_SESSION_STATUSES[] = {"draft", "signed", "cancelled", NULL};
static const char *const MODALITIES[] = {"in_person", "video", "phone", "community", NULL};
static const char *const ATTENDANCE_STATUSES[] = {"present", "left_early", "absent", "excused",
						  NULL};

/* Clocks drift: a session up to five minutes "in the future" is one that just ended. */
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

static const struct field_rule ATTENDANCE_FIELDS[] = {
	{.name = "participant_id", .type = FIELD_UUID, .required = true},
	{.name = "status", .type = FIELD_ENUM, .required = true, .choices = ATTENDANCE_STATUSES},
	{.name = "minutes", .type = FIELD_INTEGER, .nullable = true, .min = 1, .max = 480},
	{.name = "note", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 4000},
	{.name = "goal_ids",
	 .type = FIELD_STRING_ARRAY,
	 .max = 20,
	 .item_min = 36,
	 .item_max = 36,
	 .item_check = check_uuid},
	{0},
};

/* The largest roster: three facilitators of groups of 100 (max_group_size's bound), and
 * as many again absent. */
#define ROSTER_MAX 600

static const struct field_rule ROSTER_FIELDS[] = {
	{.name = "attendance",
	 .type = FIELD_OBJECT_ARRAY,
	 .required = true,
	 .max = ROSTER_MAX,
	 .fields = ATTENDANCE_FIELDS},
	{0},
};

static const struct field_rule GROUP_SESSION_FIELDS[] = {
	{.name = "facilitator_ids",
	 .type = FIELD_STRING_ARRAY,
	 .required = true,
	 .min = 1,
	 .max = 3,
	 .item_min = 36,
	 .item_max = 36,
	 .item_check = check_uuid},
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
	{.name = "topic",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "domain", .type = FIELD_ENUM, .required = true, .choices = WELLNESS_DOMAINS},
	{.name = "attendance",
	 .type = FIELD_OBJECT_ARRAY,
	 .max = ROSTER_MAX,
	 .fields = ATTENDANCE_FIELDS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "signed_at", .type = FIELD_READ_ONLY},
	{.name = "signed_by", .type = FIELD_READ_ONLY},
	{.name = "note_ids", .type = FIELD_READ_ONLY},
	{.name = "cancel_reason", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct field_rule CANCEL_FIELDS[] = {
	{.name = "reason", .type = FIELD_STRING, .required = true, .min = 1, .max = 500},
	{0},
};

static const struct constraint_answer GROUP_SESSION_CONSTRAINTS[] = {
	{"group_session_attendance_pkey", 422, "attendance", "names a participant more than once"},
	{"group_session_attendance_within_duration", 422, "duration_minutes",
	 "is shorter than an attendee's minutes"},
	{0},
};

#define UUID_PATTERN "'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"

/* Everything a session is checked against, in one round trip: $1 its organization (NULL:
 * an admin's new session, of its lead's organization), $2 facilitator_ids and $3
 * attendance (JSON arrays), $4 a specialist caller's subject (else NULL), $5 occurred_at
 * (NULL when malformed). Answers the organization, its max_group_size, the 1-based
 * positions of facilitator ids that are not specialists of it, whether the specialist
 * caller is among the facilitators, and the roster's errors as [{field, message}]. A
 * roster entry must be a participant of the organization whose referral is assigned or
 * engaged (for a specialist: with one of the facilitators), referred or registered by
 * occurred_at, and its goals active goals of theirs. */
static const struct db_statement SESSION_CONTEXT = {
	"group_session_context",
	"WITH f AS (SELECT x.id, x.position FROM json_array_elements_text($2::json)"
	" WITH ORDINALITY AS x(id, position)),"
	" org AS (SELECT coalesce($1::uuid, (SELECT s.organization_id FROM f JOIN specialists s"
	" ON f.id ~* " UUID_PATTERN " AND s.id = f.id::uuid WHERE f.position = 1)) AS id),"
	" fs AS (SELECT f.position, s.id AS specialist_id, s.subject FROM f LEFT JOIN specialists s"
	" ON f.id ~* " UUID_PATTERN
	" AND s.id = f.id::uuid AND s.organization_id = (SELECT id FROM org)),"
	" a AS (SELECT x.item, x.position, CASE WHEN json_typeof(x.item) = 'object'"
	" AND (x.item ->> 'participant_id') ~* " UUID_PATTERN
	" THEN (x.item ->> 'participant_id')::uuid END AS participant"
	" FROM json_array_elements($3::json) WITH ORDINALITY AS x(item, position)),"
	" problems AS ("
	" SELECT a.position, 'participant_id' AS member, CASE WHEN $4::text IS NULL"
	" THEN 'must be a participant of the organization whose referral is assigned or engaged'"
	" ELSE 'must be a participant assigned to one of the session''s facilitators' END AS "
	"message"
	" FROM a WHERE a.participant IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referrals r"
	" JOIN participants p ON p.id = r.participant_id WHERE r.participant_id = a.participant"
	" AND p.organization_id = (SELECT id FROM org)"
	" AND r.provider_organization_id = p.organization_id"
	" AND r.status IN ('assigned', 'engaged')"
	" AND ($4::text IS NULL OR r.assigned_specialist_id IN (SELECT fs.specialist_id FROM fs)))"
	" UNION ALL SELECT a.position, 'participant_id',"
	" 'was first referred or registered after the session occurred' FROM a"
	" WHERE a.participant IS NOT NULL AND $5::timestamptz IS NOT NULL"
	" AND peerd_participant_since(a.participant) > $5::timestamptz"
	" UNION ALL SELECT a.position, 'goal_ids',"
	" 'goal_ids[' || (g.position - 1) || '] is not an active goal of this participant'"
	" FROM a CROSS JOIN LATERAL json_array_elements_text(CASE WHEN"
	" json_typeof(a.item -> 'goal_ids') = 'array' THEN a.item -> 'goal_ids' ELSE '[]' END)"
	" WITH ORDINALITY AS g(goal_id, position) WHERE a.participant IS NOT NULL"
	" AND NOT EXISTS (SELECT 1 FROM goals x WHERE g.goal_id ~* " UUID_PATTERN
	" AND x.id = g.goal_id::uuid AND x.participant_id = a.participant"
	" AND x.status = 'active'))"
	" SELECT (SELECT id FROM org),"
	" (SELECT o.max_group_size FROM organizations o WHERE o.id = (SELECT id FROM org)),"
	" array_to_json(ARRAY(SELECT fs.position FROM fs WHERE fs.specialist_id IS NULL"
	" ORDER BY fs.position)),"
	" $4::text IS NULL OR EXISTS (SELECT 1 FROM fs WHERE fs.subject = $4::text),"
	" (SELECT coalesce(json_agg(json_build_object('field', 'attendance[' || (p.position - 1)"
	" || '].' || p.member, 'message', p.message) ORDER BY p.position, p.member), '[]')"
	" FROM problems p)"};

enum context_column {
	CONTEXT_ORGANIZATION,
	CONTEXT_MAX_GROUP_SIZE,
	CONTEXT_FACILITATORS_ELSEWHERE,
	CONTEXT_CALLER_FACILITATES,
	CONTEXT_ROSTER_ERRORS,
};

#define GROUP_SESSION_FROM " FROM group_sessions g"

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement SESSION_SELECT = {
	"group_session_select",
	"SELECT " GROUP_SESSION_COLUMNS GROUP_SESSION_FROM " WHERE g.id = $1"
	" AND peerd_group_session_visible(g.id, $2::uuid, $3::text)"};

static const struct db_statement SESSION_SELECT_FOR_UPDATE = {
	"group_session_select_for_update",
	"SELECT " GROUP_SESSION_COLUMNS GROUP_SESSION_FROM " WHERE g.id = $1"
	" AND peerd_group_session_visible(g.id, $2::uuid, $3::text) FOR UPDATE OF g"};

static const struct db_statement SESSION_LOCK_BY_ID = {
	"group_session_lock_by_id",
	"SELECT " GROUP_SESSION_COLUMNS GROUP_SESSION_FROM " WHERE g.id = $1 FOR UPDATE OF g"};

static const struct db_statement SESSION_VISIBLE = {
	"group_session_visible", "SELECT peerd_group_session_visible($1, $2::uuid, $3::text)"};

/* From and to are days in the organization's zone, both included. */
#define SESSION_LIST_FROM_WHERE                                                        \
	GROUP_SESSION_FROM                                                             \
	" WHERE ($1::uuid IS NULL OR g.organization_id = $1::uuid)"                    \
	" AND peerd_group_session_visible(g.id, $1::uuid, $2::text)"                   \
	" AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM group_session_facilitators f" \
	" WHERE f.group_session_id = g.id AND f.specialist_id = $3::uuid))"            \
	" AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM group_session_attendance a"   \
	" WHERE a.group_session_id = g.id AND a.participant_id = $4::uuid))"           \
	" AND ($5::date IS NULL OR peerd_organization_day(g.organization_id, "         \
	"g.occurred_at) >="                                                            \
	" $5::date)"                                                                   \
	" AND ($6::date IS NULL OR peerd_organization_day(g.organization_id, "         \
	"g.occurred_at) <="                                                            \
	" $6::date)"                                                                   \
	" AND ($7::group_session_status IS NULL OR g.status = $7::group_session_status)"

/* $8 to $11 the page, in PAGE_SYNC_ARGS order. */
PAGE_STATEMENTS(SESSION_LIST, "group_session_list", GROUP_SESSION_COLUMNS, "g",
		SESSION_LIST_FROM_WHERE, "$8", "$9", "$10", "$11");

static const struct db_statement SESSION_INSERT = {
	"group_session_insert",
	"INSERT INTO group_sessions (organization_id, occurred_at, duration_minutes, modality,"
	" location, topic, domain, created_by) VALUES ($1, $2::timestamptz, $3::int,"
	" $4::group_session_modality, $5, $6, $7::wellness_domain, $8) RETURNING id"};

static const struct db_statement SESSION_UPDATE = {
	"group_session_update",
	"UPDATE group_sessions SET occurred_at = $2::timestamptz, duration_minutes = $3::int,"
	" modality = $4::group_session_modality, location = $5, topic = $6,"
	" domain = $7::wellness_domain, version = version + 1, updated_at = now()"
	" WHERE id = $1 RETURNING id"};

static const struct db_statement FACILITATORS_CLEAR = {
	"group_session_facilitators_clear",
	"DELETE FROM group_session_facilitators WHERE group_session_id = $1"};

static const struct db_statement FACILITATORS_INSERT = {
	"group_session_facilitators_insert",
	"INSERT INTO group_session_facilitators (group_session_id, organization_id, specialist_id,"
	" position) SELECT $1, $2, x.id::uuid, x.position"
	" FROM json_array_elements_text($3::json) WITH ORDINALITY AS x(id, position)"};

static const struct db_statement ATTENDANCE_CLEAR = {
	"group_session_attendance_clear",
	"DELETE FROM group_session_attendance WHERE group_session_id = $1"};

static const struct db_statement ATTENDANCE_INSERT = {
	"group_session_attendance_insert",
	"INSERT INTO group_session_attendance (group_session_id, organization_id, participant_id,"
	" position, status, minutes, note, goal_ids) SELECT $1, $2,"
	" (x.item ->> 'participant_id')::uuid, x.position,"
	" (x.item ->> 'status')::attendance_status, (x.item ->> 'minutes')::int,"
	" x.item ->> 'note', ARRAY(SELECT json_array_elements_text(coalesce(x.item -> 'goal_ids',"
	" '[]'))::uuid) FROM json_array_elements($3::json) WITH ORDINALITY AS x(item, position)"};

static const struct db_statement SESSION_CANCEL = {
	"group_session_cancel",
	"UPDATE group_sessions SET status = 'cancelled', cancel_reason = $2,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

static const struct row_json_member GROUP_SESSION_JSON[] = {
	GROUP_SESSION_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table GROUP_SESSION_JSON_ROWS = ROW_JSON_TABLE(GROUP_SESSION_JSON);

json_t *group_session_render(const PGresult *res, int row)
{
	return row_json_render(GROUP_SESSION_JSON,
			       sizeof GROUP_SESSION_JSON / sizeof *GROUP_SESSION_JSON, res, row);
}

/* Reads group session id for the caller's scope with stmt; NULL after answering 404 (or 503). */
static PGresult *visible_session(struct request *request, struct db_conn *db,
				 const struct db_statement *stmt, const char *id)
{
	return participant_record_find(request, db, stmt, id, "group session");
}

PGresult *group_session_lock(struct request *request, struct db_conn *db, const char *id)
{
	return visible_session(request, db, &SESSION_SELECT_FOR_UPDATE, id);
}

bool group_session_is_draft(struct request *request, const PGresult *session)
{
	const char *status = db_text(session, 0, GS_STATUS);
	if (strcmp(status, "draft") == 0)
		return true;
	problem_send(request, 409, "the group session is %s; only a draft changes", status);
	return false;
}

/* The JSON text of doc's member key when it is an array, else "[]"; NULL when out of
 * memory. The caller frees it. */
static char *array_text(const json_t *doc, const char *key)
{
	const json_t *value = json_object_get(doc, key);
	return json_is_array(value) ? json_dumps(value, JSON_COMPACT) : strdup("[]");
}

/* Records that member of attendance[index] breaks a rule. */
static void attendance_error(struct field_errors *errors, size_t index, const char *member,
			     const char *message)
{
	char field[48];
	snprintf(field, sizeof field, "attendance[%zu].%s", index, member);
	field_error(errors, field, "%s", message);
}

/* The facts rules/group_attendance.c judges of one roster entry; false when the entry is
 * no object or its status unknown (validate_object names those). */
static bool entry_facts(const json_t *item, struct attendance_entry *entry)
{
	const json_t *minutes = json_object_get(item, "minutes");
	const json_t *goals = json_object_get(item, "goal_ids");
	memset(entry, 0, sizeof *entry);
	if (!json_is_object(item) ||
	    !attendance_status_parse(member_text(item, "status"), &entry->status))
		return false;
	entry->has_minutes = minutes && !json_is_null(minutes);
	entry->minutes = json_is_integer(minutes) ? (long long)json_integer_value(minutes) : 0;
	entry->has_note = json_is_string(json_object_get(item, "note"));
	entry->goal_count = json_is_array(goals) ? json_array_size(goals) : 0;
	return true;
}

/* Errors for entry at index of a session of duration minutes. */
static void entry_errors(const struct attendance_entry *entry, size_t index, long long duration,
			 struct field_errors *errors)
{
	unsigned problems = attendance_problems(entry, duration);
	char too_long[64];
	snprintf(too_long, sizeof too_long, "cannot be more than duration_minutes (%lld)",
		 duration);
	if (problems & ATTENDANCE_MINUTES_MISSING)
		attendance_error(errors, index, "minutes",
				 "is required when the attendee left early");
	if (problems & ATTENDANCE_MINUTES_REFUSED)
		attendance_error(errors, index, "minutes",
				 "is given only with left_early: present means the whole session");
	if (problems & ATTENDANCE_MINUTES_TOO_LONG)
		attendance_error(errors, index, "minutes", too_long);
	if (problems & ATTENDANCE_NOTE_MISSING)
		attendance_error(errors, index, "note",
				 "is required for an attendee present or left early");
	if (problems & ATTENDANCE_GOALS_MISSING)
		attendance_error(errors, index, "goal_ids",
				 "needs at least one active goal for an attendee present or left "
				 "early");
}

/* True when attendance[index] names a participant an earlier entry named. */
static bool named_before(const json_t *attendance, size_t index)
{
	const char *participant = member_text(json_array_get(attendance, index), "participant_id");
	for (size_t before = 0; participant && before < index; before++) {
		const char *earlier =
			member_text(json_array_get(attendance, before), "participant_id");
		if (earlier && strcasecmp(earlier, participant) == 0)
			return true;
	}
	return false;
}

/* The roster's rules that need no database, and a participant named twice; counts
 * whoever came into came. */
static void roster_errors(const json_t *doc, struct field_errors *errors, size_t *came)
{
	const json_t *attendance = json_object_get(doc, "attendance");
	const json_t *duration = json_object_get(doc, "duration_minutes");
	long long minutes =
		json_is_integer(duration) ? (long long)json_integer_value(duration) : 480;
	size_t index;
	const json_t *item;
	*came = 0;
	json_array_foreach (attendance, index, item) {
		struct attendance_entry entry;
		if (!entry_facts(item, &entry))
			continue;
		entry_errors(&entry, index, minutes, errors);
		*came += attendance_came(entry.status);
		if (named_before(attendance, index))
			attendance_error(errors, index, "participant_id",
					 "is already on the roster");
	}
}

/* The context row for doc (SESSION_CONTEXT), or NULL after answering 503. */
static PGresult *read_context(struct request *request, struct db_conn *db, const json_t *doc,
			      const char *organization_id, bool signing)
{
	char *facilitators = array_text(doc, "facilitator_ids");
	char *attendance = array_text(doc, "attendance");
	const char *occurred_at = member_text(doc, "occurred_at");
	const char *subject = !signing && request->caller.role == ROLE_SPECIALIST
				      ? request->caller.subject
				      : NULL;
	PGresult *res = NULL;
	enum db_status status =
		facilitators && attendance
			? db_exec(db, &SESSION_CONTEXT,
				  DB_ARGS(organization_id, facilitators, attendance, subject,
					  occurred_at && timestamp_is_valid(occurred_at)
						  ? occurred_at
						  : NULL),
				  &res)
			: DB_ERROR;
	free(facilitators);
	free(attendance);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

/* Adds the database's findings in context to errors. */
static void context_errors(const PGresult *context, struct field_errors *errors)
{
	json_t *elsewhere = db_json(context, 0, CONTEXT_FACILITATORS_ELSEWHERE);
	size_t index;
	json_t *item;
	json_array_foreach (elsewhere, index, item) {
		char field[48]; /* the name, and a long long in decimal */
		snprintf(field, sizeof field, "facilitator_ids[%lld]",
			 (long long)json_integer_value(item) - 1);
		field_error(errors, field, "must be a specialist of the session's organization");
	}
	json_decref(elsewhere);
	json_t *roster = db_json(context, 0, CONTEXT_ROSTER_ERRORS);
	json_array_foreach (roster, index, item)
		field_error(errors, member_text(item, "field"), "%s", member_text(item, "message"));
	json_decref(roster);
}

/* Answers the errors found: 422 for a session being written, 409 naming them when a
 * signing finds the roster no longer holds. */
static void send_errors(struct request *request, const struct field_errors *errors, bool signing)
{
	if (signing)
		problem_send_conflict(request, errors,
				      "the roster no longer holds; correct it before signing");
	else
		problem_send_invalid(request, errors);
}

/* Over capacity: 409 with the capacity in the detail; false after answering. */
static bool within_capacity(struct request *request, const json_t *doc, size_t came,
			    long long max_group_size)
{
	size_t facilitators = json_array_size(json_object_get(doc, "facilitator_ids"));
	long long capacity = group_capacity(max_group_size, facilitators);
	if ((long long)came <= capacity)
		return true;
	problem_send(request, 409,
		     "%zu attendees present or left early is over the capacity of %lld "
		     "(max_group_size %lld per facilitator, %zu facilitator%s)",
		     came, capacity, max_group_size, facilitators, facilitators == 1 ? "" : "s");
	return false;
}

bool group_session_checked(struct request *request, struct db_conn *db, const json_t *doc,
			   const char *organization_id, bool signing, char organization_out[64])
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(doc, GROUP_SESSION_FIELDS, "", &errors);
	size_t came;
	roster_errors(doc, &errors, &came);
	PGresult *context = read_context(request, db, doc, organization_id, signing);
	bool answered = !context;
	if (context)
		context_errors(context, &errors);
	if (!answered && field_errors_any(&errors)) {
		send_errors(request, &errors, signing);
		answered = true;
	}
	if (!answered && !db_boolean(context, 0, CONTEXT_CALLER_FACILITATES)) {
		problem_send(request, 403,
			     "a specialist writes only sessions they facilitate: name yourself in "
			     "facilitator_ids");
		answered = true;
	}
	if (!answered)
		answered = !within_capacity(request, doc, came,
					    db_integer(context, 0, CONTEXT_MAX_GROUP_SIZE));
	if (!answered)
		snprintf(organization_out, 64, "%s", db_text(context, 0, CONTEXT_ORGANIZATION));
	field_errors_free(&errors);
	PQclear(context);
	return !answered;
}

/* Writes doc as session id (NULL: a new one, whose id is written into id_out) of
 * organization_id, with its facilitators and roster, in the open transaction. Returns
 * false after answering. */
static bool session_store(struct request *request, struct db_conn *db, const char *id,
			  const char *organization_id, const json_t *doc,
			  char id_out[UUID_TEXT_SIZE])
{
	char duration[24]; /* a long long in decimal */
	snprintf(duration, sizeof duration, "%lld",
		 (long long)json_integer_value(json_object_get(doc, "duration_minutes")));
	const char *occurred_at = member_text(doc, "occurred_at");
	const char *modality = member_text(doc, "modality");
	const char *location = member_text(doc, "location");
	const char *topic = member_text(doc, "topic");
	const char *domain = member_text(doc, "domain");
	PGresult *res = NULL;
	enum db_status status =
		id ? db_exec(db, &SESSION_UPDATE,
			     DB_ARGS(id, occurred_at, duration, modality, location, topic, domain),
			     &res)
		   : db_exec(db, &SESSION_INSERT,
			     DB_ARGS(organization_id, occurred_at, duration, modality, location,
				     topic, domain, request->caller.subject),
			     &res);
	if (status == DB_OK)
		snprintf(id_out, UUID_TEXT_SIZE, "%s", db_text(res, 0, 0));
	PQclear(res);
	char *facilitators = array_text(doc, "facilitator_ids");
	char *attendance = array_text(doc, "attendance");
	if (!facilitators || !attendance)
		status = DB_ERROR;
	if (status == DB_OK)
		status = db_exec(db, &FACILITATORS_CLEAR, DB_ARGS(id_out), NULL);
	if (status == DB_OK)
		status = db_exec(db, &FACILITATORS_INSERT,
				 DB_ARGS(id_out, organization_id, facilitators), NULL);
	if (status == DB_OK)
		status = db_exec(db, &ATTENDANCE_CLEAR, DB_ARGS(id_out), NULL);
	if (status == DB_OK)
		status = db_exec(db, &ATTENDANCE_INSERT,
				 DB_ARGS(id_out, organization_id, attendance), NULL);
	free(facilitators);
	free(attendance);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, GROUP_SESSION_CONSTRAINTS);
	return status == DB_OK;
}

bool group_session_finish(struct request *request, struct db_conn *db, const char *id,
			  unsigned status_code, enum audit_action action,
			  const struct idempotency *claim)
{
	PGresult *res = visible_session(request, db, &SESSION_SELECT, id);
	if (!res)
		return false;
	audit_record(request, action, "group_session", id, db_text(res, 0, GS_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/group-sessions/%s", id);
	struct idempotency_answer answer = {
		.status = status_code,
		.location = status_code == 201 ? location : NULL,
		.version = status_code == 201 ? 0 : db_integer(res, 0, GS_VERSION),
		.body = group_session_render(res, 0),
		.resource_id = id,
	};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

/* Reads session id as the caller may see it, and records the read; NULL after answering
 * 404 (or 503). */
static PGresult *session_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = visible_session(request, db, &SESSION_SELECT, id);
	if (res)
		audit_record(request, AUDIT_READ, "group_session", id,
			     db_text(res, 0, GS_ORGANIZATION_ID));
	return res;
}

const struct idempotency_resource GROUP_SESSION_REPLAY = {"group_session", session_read};

void group_sessions_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? session_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, group_session_render(res, 0), db_integer(res, 0, GS_VERSION));
	PQclear(res);
}

void group_sessions_list(struct request *request)
{
	struct page_request page;
	const char *facilitator_id, *participant_id, *from, *to, *status_filter;
	if (!query_page(request, &page) ||
	    !query_read(request, "facilitator_id", &facilitator_id) ||
	    !query_read(request, "participant_id", &participant_id) ||
	    !query_read(request, "status", &status_filter) ||
	    !query_date_range(request, &from, &to))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(SESSION_LIST, page),
					DB_ARGS(scope, subject, facilitator_id, participant_id,
						from, to, status_filter, PAGE_SYNC_ARGS(page)),
					&res);
	audit_record_rows(request, AUDIT_READ, "group_session", res, GS_ID, GS_ORGANIZATION_ID,
			  page.limit);
	respond_page(request, status, res, &page, &GROUP_SESSION_JSON_ROWS, GS_POSITION, GS_ID);
}

/* Checks, writes and answers the body's new session in the open transaction. */
static bool session_create(struct request *request, struct db_conn *db,
			   const struct idempotency *claim)
{
	const char *scope =
		request->caller.role == ROLE_ADMIN ? NULL : request->caller.organization_id;
	char organization_id[64], id[UUID_TEXT_SIZE];
	return group_session_checked(request, db, request->body, scope, false, organization_id) &&
	       session_store(request, db, NULL, organization_id, request->body, id) &&
	       group_session_finish(request, db, id, 201, AUDIT_CREATE, claim);
}

void group_sessions_create(struct request *request)
{
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &GROUP_SESSION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!session_create(request, db, &claim))
		idempotency_release(db);
}

/* Only a draft changes, and only one the caller may see. */
static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &SESSION_VISIBLE,
					DB_ARGS(db_text(current, 0, GS_ID), scope, subject), &res);
	bool visible = status == DB_OK && db_boolean(res, 0, 0);
	PQclear(res);
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!visible)
		problem_send(request, 404, "there is no such group session");
	return visible && group_session_is_draft(request, current);
}

/* Checks and writes doc over the locked session id; its row as locked, or NULL after
 * answering. */
static PGresult *session_rewrite(struct request *request, struct db_conn *db, const char *id,
				 const char *organization_id, const json_t *doc)
{
	char organization[64], written[UUID_TEXT_SIZE];
	if (!group_session_checked(request, db, doc, organization_id, false, organization) ||
	    !session_store(request, db, id, organization, doc, written))
		return NULL;
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &SESSION_LOCK_BY_ID, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

static const char *session_organization(struct db_conn *db, const char *id, PGresult **res)
{
	return db_exec(db, &SESSION_LOCK_BY_ID, DB_ARGS(id), res) == DB_OK && PQntuples(*res)
		       ? db_text(*res, 0, GS_ORGANIZATION_ID)
		       : NULL;
}

static PGresult *write_session(struct request *request, struct db_conn *db, const char *id,
			       const json_t *doc)
{
	PGresult *current = NULL;
	const char *organization_id = session_organization(db, id, &current);
	PGresult *res =
		organization_id ? session_rewrite(request, db, id, organization_id, doc) : NULL;
	if (!organization_id)
		problem_send(request, 503, "the database did not answer");
	PQclear(current);
	return res;
}

static const struct patch_target SESSION_PATCH = {
	.noun = "group session",
	.lock = &SESSION_LOCK_BY_ID,
	.fields = GROUP_SESSION_FIELDS,
	.render = group_session_render,
	.version_column = GS_VERSION,
	.admit = admit_patch,
	.audit_type = "group_session",
	.organization_column = GS_ORGANIZATION_ID,
	.write = write_session,
};

void group_sessions_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &SESSION_PATCH);
}

json_t *group_session_document(const PGresult *session)
{
	return patch_writable_document(group_session_render(session, 0), GROUP_SESSION_FIELDS);
}

PGresult *group_session_keyed(struct request *request, struct db_conn **db, const char **id,
			      struct idempotency *claim)
{
	*id = request_id_param(request, "id");
	*db = *id ? request_db(request) : NULL;
	if (!*db ||
	    idempotency_start(request, *db, &GROUP_SESSION_REPLAY, claim) != IDEMPOTENCY_PROCEED)
		return NULL;
	PGresult *session = group_session_lock(request, *db, *id);
	if (!session)
		idempotency_release(*db);
	return session;
}

/* The locked session as a writable document with the body's (valid) roster in place of
 * its own; NULL after answering 500 (out of memory). */
static json_t *with_roster(struct request *request, const PGresult *session)
{
	json_t *doc = group_session_document(session);
	if (!doc ||
	    json_object_set(doc, "attendance", json_object_get(request->body, "attendance")) != 0) {
		json_decref(doc);
		problem_send(request, 500, "out of memory");
		return NULL;
	}
	return doc;
}

/* May the caller replace the locked session's roster with the body? Returns the new
 * document, or NULL after answering. The roster is the caller's whole statement of who
 * came: If-Match is honoured when sent, not required. */
static json_t *roster_allowed(struct request *request, const PGresult *session)
{
	if (!request_valid(request, request->body, ROSTER_FIELDS) ||
	    !precondition_holds(request, "group session", db_integer(session, 0, GS_VERSION),
				IF_MATCH_OPTIONAL) ||
	    !group_session_is_draft(request, session))
		return NULL;
	return with_roster(request, session);
}

void group_sessions_put_attendance(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *session = group_session_keyed(request, &db, &id, &claim);
	if (!session)
		return;
	json_t *doc = roster_allowed(request, session);
	PGresult *written =
		doc ? session_rewrite(request, db, id, db_text(session, 0, GS_ORGANIZATION_ID), doc)
		    : NULL;
	json_decref(doc);
	PQclear(session);
	bool answered = written && group_session_finish(request, db, id, 200, AUDIT_UPDATE, &claim);
	PQclear(written);
	if (!answered)
		idempotency_release(db);
}

/* May the caller cancel the locked session with the body? False after answering. */
static bool cancel_allowed(struct request *request, const PGresult *session)
{
	return precondition_holds(request, "group session", db_integer(session, 0, GS_VERSION),
				  IF_MATCH_OPTIONAL) &&
	       request_valid(request, request->body, CANCEL_FIELDS) &&
	       group_session_is_draft(request, session);
}

void group_session_cancel(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *session = group_session_keyed(request, &db, &id, &claim);
	if (!session)
		return;
	bool cancelled = cancel_allowed(request, session);
	PQclear(session);
	if (cancelled) {
		enum db_status status =
			db_exec(db, &SESSION_CANCEL,
				DB_ARGS(id, member_text(request->body, "reason")), NULL);
		cancelled = status == DB_OK;
		if (!cancelled)
			problem_send_database(request, status);
	}
	if (!cancelled || !group_session_finish(request, db, id, 200, AUDIT_TRANSITION, &claim))
		idempotency_release(db);
}
