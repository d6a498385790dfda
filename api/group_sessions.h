/* Group sessions (API.md "Group sessions"): one meeting led by one to three specialists
 * for several participants, its roster, and at signing (api/group_session_signing.c) one
 * billed note per attendee who came. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "audit.h"
#include "row_json.h"

struct request;
struct db_conn;
struct idempotency;
struct field_errors;

void group_sessions_list(struct request *request);
void group_sessions_create(struct request *request);
void group_sessions_get(struct request *request);
void group_sessions_patch(struct request *request);
void group_sessions_put_attendance(struct request *request);
void group_session_cancel(struct request *request);
void group_session_sign(struct request *request);

/* A session's statuses (NULL-terminated): draft, signed, cancelled. */
extern const char *const GROUP_SESSION_STATUSES[];

/* A session's columns, in the order of its JSON, from group_sessions g. */
/* clang-format off */
#define GROUP_SESSION_COLUMN_LIST(X, _)                                                       \
	X(GS_ID, "g.id", "id", ROW_STRING)                                                    \
	_ X(GS_ORGANIZATION_ID, "g.organization_id", "organization_id", ROW_STRING)           \
	_ X(GS_FACILITATOR_IDS, "(SELECT coalesce(json_agg(f.specialist_id ORDER BY"          \
	    " f.position), '[]') FROM group_session_facilitators f"                           \
	    " WHERE f.group_session_id = g.id)", "facilitator_ids", ROW_JSON)                 \
	_ X(GS_OCCURRED_AT, "peerd_timestamp(g.occurred_at)", "occurred_at", ROW_STRING)      \
	_ X(GS_DURATION_MINUTES, "g.duration_minutes", "duration_minutes", ROW_INTEGER)       \
	_ X(GS_MODALITY, "g.modality", "modality", ROW_STRING)                                \
	_ X(GS_LOCATION, "g.location", "location", ROW_STRING)                                \
	_ X(GS_TOPIC, "g.topic", "topic", ROW_STRING)                                         \
	_ X(GS_DOMAIN, "g.domain", "domain", ROW_STRING)                                      \
	_ X(GS_STATUS, "g.status", "status", ROW_STRING)                                      \
	_ X(GS_ATTENDANCE, "(SELECT coalesce(json_agg(json_build_object('participant_id',"    \
	    " a.participant_id, 'status', a.status, 'minutes', a.minutes, 'note', a.note,"    \
	    " 'goal_ids', array_to_json(a.goal_ids)) ORDER BY a.position), '[]')"             \
	    " FROM group_session_attendance a WHERE a.group_session_id = g.id)",              \
	    "attendance", ROW_JSON)                                                           \
	_ X(GS_SIGNED_AT, "peerd_timestamp(g.signed_at)", "signed_at", ROW_STRING)            \
	_ X(GS_SIGNED_BY, "g.signed_by", "signed_by", ROW_STRING)                             \
	_ X(GS_NOTE_IDS, "(SELECT coalesce(json_agg(n.id ORDER BY n.participant_id), '[]')"   \
	    " FROM session_notes n WHERE n.group_session_id = g.id)", "note_ids", ROW_JSON)   \
	_ X(GS_CANCEL_REASON, "g.cancel_reason", "cancel_reason", ROW_STRING)                 \
	_ X(GS_CREATED_BY, "g.created_by", "created_by", ROW_STRING)                          \
	_ X(GS_VERSION, "g.version", "version", ROW_INTEGER)                                  \
	_ X(GS_CREATED_AT, "peerd_timestamp(g.created_at)", "created_at", ROW_STRING)         \
	_ X(GS_UPDATED_AT, "peerd_timestamp(g.updated_at)", "updated_at", ROW_STRING)         \
	_ X(GS_POSITION, "peerd_position(g.created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum group_session_column { GROUP_SESSION_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define GROUP_SESSION_COLUMNS GROUP_SESSION_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

/* One session as the API's JSON; a new reference. */
json_t *group_session_render(const PGresult *res, int row);

/* A session for a replayed Idempotency-Key, read as GET /v1/group-sessions/{id} does. */
extern const struct idempotency_resource GROUP_SESSION_REPLAY;

/* Session id, locked in the open transaction when the caller may see it; NULL after
 * answering (404, 503). The caller PQclear()s it. */
PGresult *group_session_lock(struct request *request, struct db_conn *db, const char *id);

/* The session the path names, locked in a transaction that holds the request's
 * Idempotency-Key (the key first, so a retry gets its first answer whatever the session
 * has become since). Writes the id and the connection; NULL after answering (a replay
 * included). */
PGresult *group_session_keyed(struct request *request, struct db_conn **db, const char **id,
			      struct idempotency *claim);

/* The members of session (a locked row) a client may write, as a new document. */
json_t *group_session_document(const PGresult *session);

/* 409 unless the locked session is a draft; false after answering. */
bool group_session_is_draft(struct request *request, const PGresult *session);

/* Checks doc (a whole session: its fields and roster) against the rules and the database
 * for a session of organization_id (NULL: an admin's new session, of its lead's
 * organization), as the caller may write it, and writes the organization into
 * organization_out. A roster that breaks a rule is a 422 naming every broken field when
 * written, and status (409) with those errors when signing (signing: true, which checks
 * the roster as a supervisor's). Over capacity is 409. Returns false after answering. */
bool group_session_checked(struct request *request, struct db_conn *db, const json_t *doc,
			   const char *organization_id, bool signing, char organization_out[64]);

/* Reads session id again in the open transaction, records action on it, commits with the
 * answer for claim (NULL: no key) and answers: 201 with Location when created, else
 * status with its ETag. Returns true when it committed and answered. */
bool group_session_finish(struct request *request, struct db_conn *db, const char *id,
			  unsigned status, enum audit_action action,
			  const struct idempotency *claim);
