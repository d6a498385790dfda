/* A new session note (POST /v1/session-notes, API.md). After BEGIN it takes three round
 * trips, whoever writes it: one statement reads everything the note is checked against,
 * one writes the note with the referral it engages, and one batch writes the audit
 * events and commits. A note used to take eight, one per check. */
#include "session_notes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "idempotency.h"
#include "participants.h"
#include "problem.h"
#include "request.h"
#include "uuid.h"
#include "validate.h"

/* What a new note is checked against: whether the caller may see participant $1 ($2, $3:
 * participant_visibility_args), the positions of goal ids $4 that are not its active
 * goals, the author (a specialist's own profile, found by $3 and $2; else the named $5),
 * the participant's organization, whether the author works for it, and the earliest
 * occurred_at the participant's notes may have (sql/020). */
static const struct db_statement NOTE_CONTEXT = {
	"session_note_context",
	"WITH author AS (SELECT CASE WHEN $3::text IS NULL THEN $5::uuid ELSE (SELECT id"
	" FROM specialists WHERE subject = $3::text AND organization_id = $2::uuid) END AS id)"
	" SELECT peerd_participant_visible($1::uuid, $2::uuid, $3::text),"
	" array_to_json(ARRAY(" NOT_ACTIVE_GOAL_POSITIONS(
		"$4", "$1") ")), author.id,"
			    " p.organization_id, EXISTS (SELECT 1 FROM specialists s WHERE s.id = "
			    "author.id"
			    " AND s.organization_id = p.organization_id),"
			    " peerd_timestamp(peerd_participant_since(p.id))"
			    " FROM author LEFT JOIN participants p ON p.id = $1::uuid"};

enum context_column {
	CONTEXT_VISIBLE,
	CONTEXT_GOALS_NOT_ACTIVE,
	CONTEXT_AUTHOR,
	CONTEXT_ORGANIZATION,
	CONTEXT_AUTHOR_WORKS_THERE,
	CONTEXT_PARTICIPANT_SINCE,
};

/* The note, and the first contact of each assigned referral of the participant with its
 * author (API.md: the referral becomes engaged, with its history entry), answered as
 * SESSION_NOTE_COLUMNS and the engaged referrals' ids. A note from before a referral was
 * submitted (a participant referred twice, the note between the two) is no contact of
 * that referral: it would put first_contact_at before submitted_at, which referrals
 * refuse (sql/020). */
static const struct db_statement NOTE_INSERT = {
	"session_note_insert",
	"WITH n AS (INSERT INTO session_notes (organization_id, participant_id, specialist_id,"
	" occurred_at, duration_minutes, modality, location, goal_ids, summary, response, plan,"
	" created_by, group_session_id) VALUES ($1, $2, $3, $4::timestamptz, $5::int, "
	"$6::session_modality, $7,"
	" ARRAY(SELECT json_array_elements_text($8::json)::uuid), $9, $10, $11, $12, $14::uuid)"
	" RETURNING *),"
	" engaged AS (UPDATE referrals SET status = 'engaged',"
	" first_contact_at = coalesce(first_contact_at, $4::timestamptz),"
	" version = version + 1, updated_at = now() WHERE participant_id = $2"
	" AND (assigned_specialist_id = $3 OR assigned_specialist_id IN (SELECT f.specialist_id"
	" FROM group_session_facilitators f WHERE f.group_session_id = $14::uuid))"
	" AND status = 'assigned'"
	" AND peerd_whole_second(submitted_at) <= $4::timestamptz RETURNING id),"
	" history AS (INSERT INTO referral_events (referral_id, from_status, to_status, actor,"
	" actor_role) SELECT id, 'assigned', 'engaged', $12, $13 FROM engaged"
	" RETURNING referral_id)"
	" SELECT " SESSION_NOTE_COLUMNS ", (SELECT json_agg(referral_id) FROM history)"
	" FROM n JOIN specialists s ON s.id = n.specialist_id"};

#define NOTE_ENGAGED_REFERRALS (NOTE_SPECIALIST_SUBJECT + 1)

/* The context row for participant_id, or NULL after answering 503. */
static PGresult *read_context(struct request *request, struct db_conn *db,
			      const char *participant_id)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	const json_t *goal_ids = json_object_get(request->body, "goal_ids");
	char *ids = json_is_array(goal_ids) ? json_dumps(goal_ids, JSON_COMPACT) : strdup("[]");
	const char *named = member_text(request->body, "specialist_id");
	PGresult *res = NULL;
	enum db_status status = ids ? db_exec(db, &NOTE_CONTEXT,
					      DB_ARGS(participant_id, scope, subject, ids,
						      named && uuid_is_valid(named) ? named : NULL),
					      &res)
				    : DB_ERROR;
	free(ids);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

/* Adds an error naming goal_ids[i] for each position the context found inactive. */
static void goal_errors(const PGresult *context, struct field_errors *errors)
{
	json_t *positions = db_json(context, 0, CONTEXT_GOALS_NOT_ACTIVE);
	size_t index;
	json_t *position;
	json_array_foreach (positions, index, position) {
		char field[32];
		snprintf(field, sizeof field, "goal_ids[%lld]",
			 (long long)json_integer_value(position) - 1);
		field_error(errors, field, "is not an active goal of this participant");
	}
	json_decref(positions);
}

/* Field rules and the goals together, so one 422 names every broken field; the goals are
 * checked when participant_id is a UUID the caller may see (else 404). Returns the
 * context row, or NULL after answering. */
static PGresult *note_valid(struct request *request, struct db_conn *db,
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
	PGresult *context = NULL;
	bool answered = false;
	if (given && uuid_is_valid(given)) {
		uuid_normalize(given, participant_id);
		context = read_context(request, db, participant_id);
		answered = !context;
		if (context && !db_boolean(context, 0, CONTEXT_VISIBLE)) {
			problem_send(request, 404, "there is no such participant");
			answered = true;
		}
		if (!answered) {
			goal_errors(context, &errors);
			session_note_since_error(member_text(request->body, "occurred_at"),
						 db_text(context, 0, CONTEXT_PARTICIPANT_SINCE),
						 &errors);
		}
	}
	if (!answered && field_errors_any(&errors)) {
		problem_send_invalid(request, &errors);
		answered = true;
	}
	field_errors_free(&errors);
	if (answered) {
		PQclear(context);
		context = NULL;
	}
	return context;
}

/* The specialist the note is written as, from the context: a specialist's own profile
 * (they may not name another); for a supervisor or admin, the one the body names. Then
 * the author must work for the participant's organization. Returns false after
 * answering. */
static bool note_author(struct request *request, const PGresult *context,
			char author[UUID_TEXT_SIZE])
{
	const char *found = db_text(context, 0, CONTEXT_AUTHOR);
	const char *named = member_text(request->body, "specialist_id");
	if (request->caller.role == ROLE_SPECIALIST) {
		if (!found) {
			problem_send(request, 403, "no specialist profile signs in as you");
			return false;
		}
		char given[UUID_TEXT_SIZE];
		if (named)
			uuid_normalize(named, given);
		if (named && strcmp(given, found) != 0) {
			problem_send(request, 403, "a specialist writes notes as themselves");
			return false;
		}
	}
	if (!found || !db_text(context, 0, CONTEXT_ORGANIZATION) ||
	    !db_boolean(context, 0, CONTEXT_AUTHOR_WORKS_THERE)) {
		problem_send_field(request, "specialist_id",
				   "must be a specialist of the participant's organization");
		return false;
	}
	snprintf(author, UUID_TEXT_SIZE, "%s", found);
	return true;
}

PGresult *session_note_insert(struct request *request, struct db_conn *db,
			      const struct session_note_values *v)
{
	const struct principal *caller = &request->caller;
	PGresult *res = NULL;
	enum db_status status =
		db_exec(db, &NOTE_INSERT,
			DB_ARGS(v->organization_id, v->participant_id, v->specialist_id,
				v->occurred_at, v->duration_minutes, v->modality, v->location,
				v->goal_ids, v->summary, v->response, v->plan, caller->subject,
				role_name(caller->role), v->group_session_id),
			&res);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, SESSION_NOTE_CONSTRAINTS);
		return NULL;
	}
	json_t *engaged = db_json(res, 0, NOTE_ENGAGED_REFERRALS);
	size_t index;
	json_t *referral;
	json_array_foreach (engaged, index, referral)
		audit_record(request, AUDIT_TRANSITION, "referral", json_string_value(referral),
			     v->organization_id);
	json_decref(engaged);
	return res;
}

/* The body's note, written by author for participant_id. Returns the note's row, or NULL
 * after answering. */
static PGresult *note_insert(struct request *request, struct db_conn *db,
			     const char *organization_id, const char *participant_id,
			     const char *author)
{
	const json_t *body = request->body;
	char duration[16];
	snprintf(duration, sizeof duration, "%lld",
		 (long long)json_integer_value(json_object_get(body, "duration_minutes")));
	char *goal_ids = json_dumps(json_object_get(body, "goal_ids"), JSON_COMPACT);
	if (!goal_ids) {
		problem_send(request, 500, "out of memory");
		return NULL;
	}
	struct session_note_values values = {
		.organization_id = organization_id,
		.participant_id = participant_id,
		.specialist_id = author,
		.occurred_at = member_text(body, "occurred_at"),
		.duration_minutes = duration,
		.modality = member_text(body, "modality"),
		.location = member_text(body, "location"),
		.goal_ids = goal_ids,
		.summary = member_text(body, "summary"),
		.response = member_text(body, "response"),
		.plan = member_text(body, "plan"),
	};
	PGresult *res = session_note_insert(request, db, &values);
	free(goal_ids);
	return res;
}

/* Checks, writes and answers a new note in the open transaction, storing the answer for
 * claim; returns false after answering otherwise. */
static bool note_create(struct request *request, struct db_conn *db,
			const struct idempotency *claim)
{
	char participant_id[UUID_TEXT_SIZE], author[UUID_TEXT_SIZE];
	char organization_id[UUID_TEXT_SIZE];
	PGresult *context = note_valid(request, db, participant_id);
	bool authored = context && note_author(request, context, author);
	if (authored)
		snprintf(organization_id, sizeof organization_id, "%s",
			 db_text(context, 0, CONTEXT_ORGANIZATION));
	PQclear(context);
	PGresult *note =
		authored ? note_insert(request, db, organization_id, participant_id, author) : NULL;
	return note && session_note_answer(request, db, note, 201, AUDIT_CREATE, claim);
}

void session_notes_create(struct request *request)
{
	/* The key first: a retry gets its first answer even if the goals or the referral
	 * have moved on since. */
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &SESSION_NOTE_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!note_create(request, db, &claim))
		idempotency_release(db);
}
