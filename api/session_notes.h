/* Session notes (API.md): a note for every contact, tied to the participant's goals,
 * signed (and then locked and billed), amended and co-signed. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "audit.h"
#include "problem.h"
#include "row_json.h"
#include "validate.h"

struct request;
struct db_conn;

void session_notes_list(struct request *request);
void session_notes_create(struct request *request);
void session_notes_get(struct request *request);
void session_notes_patch(struct request *request);

/* The fields of a session note as a client writes them. */
extern const struct field_rule NOTE_FIELDS[];

/* A note's statuses (NULL-terminated): draft, signed. */
extern const char *const NOTE_STATUSES[];

/* What the database's refusal of a note means to the client. */
extern const struct constraint_answer SESSION_NOTE_CONSTRAINTS[];

/* A participant's notes begin with their first record with the program (sql/020): adds an
 * error naming occurred_at when occurred_at (the body's member: NULL or any text) is an
 * RFC 3339 timestamp before since, the participant's peerd_participant_since as
 * peerd_timestamp writes it (NULL: nothing to compare with). */
void session_note_since_error(const char *occurred_at, const char *since,
			      struct field_errors *errors);

/* A note's columns, in the order of its JSON, from session_notes n and its specialist s;
 * the enum is also for api/session_note_signing.c. */
/* clang-format off */
#define SESSION_NOTE_COLUMN_LIST(X, _)                                                     \
	X(NOTE_ID, "n.id", "id", ROW_STRING)                                               \
	_ X(NOTE_ORGANIZATION_ID, "n.organization_id", "organization_id", ROW_STRING)      \
	_ X(NOTE_PARTICIPANT_ID, "n.participant_id", "participant_id", ROW_STRING)         \
	_ X(NOTE_SPECIALIST_ID, "n.specialist_id", "specialist_id", ROW_STRING)            \
	_ X(NOTE_OCCURRED_AT, "peerd_timestamp(n.occurred_at)", "occurred_at", ROW_STRING) \
	_ X(NOTE_DURATION_MINUTES, "n.duration_minutes", "duration_minutes", ROW_INTEGER)  \
	_ X(NOTE_MODALITY, "n.modality", "modality", ROW_STRING)                           \
	_ X(NOTE_GROUP_SESSION_ID, "n.group_session_id", "group_session_id", ROW_STRING)   \
	_ X(NOTE_LOCATION, "n.location", "location", ROW_STRING)                           \
	_ X(NOTE_GOAL_IDS, "array_to_json(n.goal_ids)", "goal_ids", ROW_JSON)              \
	_ X(NOTE_SUMMARY, "n.summary", "summary", ROW_STRING)                              \
	_ X(NOTE_RESPONSE, "n.response", "response", ROW_STRING)                           \
	_ X(NOTE_PLAN, "n.plan", "plan", ROW_STRING)                                       \
	_ X(NOTE_STATUS, "n.status", "status", ROW_STRING)                                 \
	_ X(NOTE_SIGNED_AT, "peerd_timestamp(n.signed_at)", "signed_at", ROW_STRING)       \
	_ X(NOTE_SIGNED_BY, "n.signed_by", "signed_by", ROW_STRING)                        \
	_ X(NOTE_BILLING, "n.billing", "billing", ROW_JSON)                                \
	_ X(NOTE_COSIGNED_BY, "n.cosigned_by", "cosigned_by", ROW_STRING)                  \
	_ X(NOTE_COSIGNED_AT, "peerd_timestamp(n.cosigned_at)", "cosigned_at", ROW_STRING) \
	_ X(NOTE_ADDENDA, "(SELECT coalesce(json_agg(json_build_object('text', a.text,"    \
	    " 'at', peerd_timestamp(a.at), 'by', a.by) ORDER BY a.id), '[]')"              \
	    " FROM session_note_addenda a WHERE a.note_id = n.id)", "addenda", ROW_JSON)   \
	_ X(NOTE_CREATED_BY, "n.created_by", "created_by", ROW_STRING)                     \
	_ X(NOTE_VERSION, "n.version", "version", ROW_INTEGER)                             \
	_ X(NOTE_CREATED_AT, "peerd_timestamp(n.created_at)", "created_at", ROW_STRING)    \
	_ X(NOTE_UPDATED_AT, "peerd_timestamp(n.updated_at)", "updated_at", ROW_STRING)    \
	_ X(NOTE_POSITION, "peerd_position(n.created_at)", NULL, ROW_HIDDEN)               \
	_ X(NOTE_SPECIALIST_SUBJECT, "s.subject", NULL, ROW_HIDDEN)
/* clang-format on */

enum session_note_column { SESSION_NOTE_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define SESSION_NOTE_COLUMNS SESSION_NOTE_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

#define SESSION_NOTE_FROM " FROM session_notes n JOIN specialists s ON s.id = n.specialist_id"

/* The 1-based positions of the goal ids in JSON array ids that are not active goals of
 * participant: a query, with its parameters named like NOT_ACTIVE_GOAL_POSITIONS("$1",
 * "$2"). The pattern guards the cast of an item that is not a UUID. */
#define NOT_ACTIVE_GOAL_POSITIONS(ids, participant)                                      \
	"SELECT x.position FROM json_array_elements_text(" ids "::json) WITH ORDINALITY" \
	" AS x(goal_id, position) WHERE NOT EXISTS (SELECT 1 FROM goals g"               \
	" WHERE x.goal_id ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"              \
	" AND g.id = x.goal_id::uuid AND g.participant_id = " participant "::uuid"       \
	" AND g.status = 'active') ORDER BY x.position"

/* A new draft note's values as SQL parameters (texts); the note is written for
 * participant_id by specialist_id, and a group session's notes name their session. */
struct session_note_values {
	const char *organization_id;
	const char *participant_id;
	const char *specialist_id;
	const char *occurred_at;
	const char *duration_minutes;
	const char *modality;
	const char *location;
	const char *goal_ids; /* a JSON array of goal ids */
	const char *summary;
	const char *response;
	const char *plan;
	const char *group_session_id; /* NULL for a note of its own */
};

/* Writes a draft note in the open transaction, and makes it the first contact of each
 * referral of its participant assigned to its specialist (for a group's note: to any of
 * the session's facilitators), recording each engaged referral for the audit trail.
 * Returns the note's SESSION_NOTE_COLUMNS row (the caller PQclear()s it), or NULL after
 * answering. */
PGresult *session_note_insert(struct request *request, struct db_conn *db,
			      const struct session_note_values *values);

/* One note as the API's JSON; a new reference. */
json_t *session_note_render(const PGresult *res, int row);

/* Locks note id in the open transaction (idempotency_start's); NULL after answering (404
 * when missing or not visible to the caller). The caller PQclear()s it. */
PGresult *session_note_lock(struct request *request, struct db_conn *db, const char *id);

struct idempotency;
struct idempotency_resource;

/* A session note for a replayed Idempotency-Key: a replay reads it as GET
 * /v1/session-notes/{id} does. */
extern const struct idempotency_resource SESSION_NOTE_REPLAY;

/* Records action on note res (its SESSION_NOTE_COLUMNS row) for the audit trail, commits
 * with the answer for claim, and answers with the note: 201 with Location for a new one
 * (AUDIT_CREATE), else status with the note's ETag. Clears res. Returns true when it
 * committed and answered. */
bool session_note_answer(struct request *request, struct db_conn *db, PGresult *res,
			 unsigned status, enum audit_action action,
			 const struct idempotency *claim);

/* Reads note id again inside the transaction, then session_note_answer. */
void session_note_finish(struct request *request, struct db_conn *db, const char *id,
			 unsigned status, enum audit_action action,
			 const struct idempotency *claim);

/* Answers a repeat of a change the caller already made to note res (its
 * SESSION_NOTE_COLUMNS row, read as the caller may see it): the note as it is, recorded as
 * a read (idempotency_answer_current). Clears res. */
void session_note_answer_current(struct request *request, PGresult *res);

/* True when the caller wrote the note: the specialist whose profile it is on. */
bool session_note_by_caller(const struct request *request, const PGresult *note);

struct field_errors;

/* Adds an error naming goal_ids[i] for each item that is not an active goal of the
 * participant. */
enum db_status session_note_goal_errors(struct db_conn *db, const char *participant_id,
					const json_t *goal_ids, struct field_errors *errors);

/* Every goal_ids item an active goal of the participant; else answers 422 naming each
 * bad item (or 503) and returns false. goal_ids is a JSON array of UUID strings. */
bool session_note_goals_active(struct request *request, struct db_conn *db,
			       const char *participant_id, const json_t *goal_ids);
