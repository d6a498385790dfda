/* Signing a group session (API.md "Group sessions"): all or nothing, in the transaction
 * that holds the session's lock, it checks the roster again (409 naming each entry that no
 * longer holds), writes one note per attendee present or left early as a note of their
 * own is written (session_note_insert: the referral assigned to a facilitator is engaged),
 * and signs each as a note of its own is signed (session_note_sign_locked: the same
 * billing, the same per-participant lock under the daily cap). Every attendee's lock is
 * taken first, in participant order, before any note is written: two signings sharing
 * people then wait in one order and never deadlock (a note's insert alone holds a share
 * lock on its participant that the other signing's row lock would wait on). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "group_attendance.h"
#include "group_sessions.h"
#include "idempotency.h"
#include "precondition.h"
#include "problem.h"
#include "request.h"
#include "session_note_signing.h"
#include "session_notes.h"
#include "validate.h"

static const struct db_statement SESSION_SIGN = {
	"group_session_sign",
	"UPDATE group_sessions SET status = 'signed', signed_at = now(), signed_by = $2,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

/* Compares two roster entries by participant id. */
static int by_participant(const void *a, const void *b)
{
	return strcmp(member_text(*(json_t *const *)a, "participant_id"),
		      member_text(*(json_t *const *)b, "participant_id"));
}

/* Writes and signs the note of one attendee who came. Returns false after answering. */
static bool attendee_note(struct request *request, struct db_conn *db, const PGresult *session,
			  const json_t *doc, const json_t *entry)
{
	struct attendance_entry facts = {0};
	(void)attendance_status_parse(member_text(entry, "status"), &facts.status);
	const json_t *minutes = json_object_get(entry, "minutes");
	facts.has_minutes = json_is_integer(minutes);
	facts.minutes = facts.has_minutes ? (long long)json_integer_value(minutes) : 0;
	char duration[24]; /* a long long in decimal */
	snprintf(duration, sizeof duration, "%lld",
		 attendance_minutes(&facts, (long long)json_integer_value(
						    json_object_get(doc, "duration_minutes"))));
	char *goal_ids = json_dumps(json_object_get(entry, "goal_ids"), JSON_COMPACT);
	if (!goal_ids) {
		problem_send(request, 500, "out of memory");
		return false;
	}
	const char *organization_id = db_text(session, 0, GS_ORGANIZATION_ID);
	struct session_note_values values = {
		.organization_id = organization_id,
		.participant_id = member_text(entry, "participant_id"),
		.specialist_id = json_string_value(
			json_array_get(json_object_get(doc, "facilitator_ids"), 0)),
		.occurred_at = member_text(doc, "occurred_at"),
		.duration_minutes = duration,
		.modality = "group",
		.location = member_text(doc, "location"),
		.goal_ids = goal_ids,
		.summary = member_text(entry, "note"),
		.group_session_id = db_text(session, 0, GS_ID),
	};
	PGresult *note = session_note_insert(request, db, &values);
	free(goal_ids);
	const char *note_id = note ? db_text(note, 0, NOTE_ID) : NULL;
	bool made = note && session_note_sign_locked(request, db, note_id, note);
	if (made)
		audit_record(request, AUDIT_CREATE, "session_note", note_id, organization_id);
	PQclear(note);
	return made;
}

/* The notes of every attendee who came, in participant order. False after answering. */
static bool attendee_notes(struct request *request, struct db_conn *db, const PGresult *session,
			   const json_t *doc)
{
	const json_t *attendance = json_object_get(doc, "attendance");
	size_t count = json_array_size(attendance);
	json_t **entries = calloc(count ? count : 1, sizeof *entries);
	if (!entries) {
		problem_send(request, 500, "out of memory");
		return false;
	}
	for (size_t i = 0; i < count; i++)
		entries[i] = json_array_get(attendance, i);
	qsort(entries, count, sizeof *entries, by_participant);
	size_t came = 0;
	for (size_t i = 0; i < count; i++) {
		enum attendance_status status;
		if (attendance_status_parse(member_text(entries[i], "status"), &status) &&
		    attendance_came(status))
			entries[came++] = entries[i];
	}
	bool made = true;
	for (size_t i = 0; made && i < came; i++)
		made = session_note_lock_participant(request, db,
						     member_text(entries[i], "participant_id"));
	for (size_t i = 0; made && i < came; i++)
		made = attendee_note(request, db, session, doc, entries[i]);
	free(entries);
	return made;
}

/* May the caller sign the locked session now? False after answering. A specialist sees
 * only sessions they facilitate (else 404), so any who reaches here is a facilitator. */
static bool sign_allowed(struct request *request, const PGresult *session)
{
	if (!precondition_holds(request, "group session", db_integer(session, 0, GS_VERSION),
				IF_MATCH_OPTIONAL))
		return false;
	if (strcmp(db_text(session, 0, GS_STATUS), "signed") == 0) {
		problem_send(request, 409, "the group session is already signed");
		return false;
	}
	return group_session_is_draft(request, session);
}

/* Checks the roster again, makes the notes and signs the session, in the open
 * transaction. False after answering. */
static bool sign_locked(struct request *request, struct db_conn *db, const char *id,
			const PGresult *session)
{
	json_t *doc = group_session_document(session);
	char organization_id[64];
	bool done = doc &&
		    group_session_checked(request, db, doc, db_text(session, 0, GS_ORGANIZATION_ID),
					  true, organization_id) &&
		    attendee_notes(request, db, session, doc);
	if (!doc)
		problem_send(request, 500, "out of memory");
	json_decref(doc);
	if (!done)
		return false;
	enum db_status status =
		db_exec(db, &SESSION_SIGN, DB_ARGS(id, request->caller.subject), NULL);
	if (status != DB_OK)
		problem_send_database(request, status);
	return status == DB_OK;
}

void group_session_sign(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *session = group_session_keyed(request, &db, &id, &claim);
	if (!session)
		return;
	/* Sent again by who signed it, with the If-Match of what they signed: a retry whose
	 * answer was lost gets the session as it is. */
	if (idempotency_repeats_change(request, db_text(session, 0, GS_SIGNED_BY),
				       db_integer(session, 0, GS_VERSION))) {
		idempotency_release(db);
		audit_record(request, AUDIT_READ, "group_session", id,
			     db_text(session, 0, GS_ORGANIZATION_ID));
		idempotency_answer_current(request, group_session_render(session, 0),
					   db_integer(session, 0, GS_VERSION));
		PQclear(session);
		return;
	}
	bool signed_now = sign_allowed(request, session) && sign_locked(request, db, id, session);
	PQclear(session);
	if (!signed_now || !group_session_finish(request, db, id, 200, AUDIT_SIGN, &claim))
		idempotency_release(db);
}
