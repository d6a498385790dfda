/* GET /v1/exports/session-notes (API.md "Reports"): the organization's session notes as
 * NDJSON, one note a line, oldest first, streamed (api/export_stream.c). Participants
 * appear under a pseudonym, an HMAC of their id: the same person gets the same pseudonym
 * in every export, and no one without the key can tell who it is. No names, places or
 * narrative leave. */
#include "reports.h"

#include "db.h"
#include "export_stream.h"
#include "row_json.h"

/* Stands in for the participant's pseudonym, which line_render writes with the export's
 * key: the id itself never enters a line. */
static json_t *pseudonym_set_by_line_render(const PGresult *res, int row, int column)
{
	(void)res, (void)row, (void)column;
	return json_null();
}

/* A line's columns, in the order of its JSON. */
/* clang-format off */
#define EXPORT_COLUMN_LIST(X, _)                                                                 \
	X(COL_ID, "n.id", "id", ROW_STRING)                                                      \
	_ X(COL_PARTICIPANT_ID, "n.participant_id", "participant",                               \
	    ROW_CUSTOM(pseudonym_set_by_line_render))                                            \
	_ X(COL_SPECIALIST_ID, "n.specialist_id", "specialist_id", ROW_STRING)                   \
	_ X(COL_OCCURRED_AT, "peerd_timestamp(n.occurred_at)", "occurred_at", ROW_STRING)        \
	_ X(COL_DURATION_MINUTES, "n.duration_minutes", "duration_minutes", ROW_INTEGER)         \
	_ X(COL_MODALITY, "n.modality", "modality", ROW_STRING)                                  \
	_ X(COL_GROUP_SESSION_ID, "n.group_session_id", "group_session_id", ROW_STRING)          \
	_ X(COL_GOAL_DOMAINS,                                                                    \
	    "(SELECT coalesce(json_agg(DISTINCT g.domain ORDER BY g.domain), '[]') FROM goals g" \
	    " WHERE g.id = ANY (n.goal_ids))", "goal_domains", ROW_JSON)                         \
	_ X(COL_STATUS, "n.status", "status", ROW_STRING)                                        \
	_ X(COL_SIGNED_AT, "peerd_timestamp(n.signed_at)", "signed_at", ROW_STRING)              \
	_ X(COL_BILLING, "n.billing", "billing", ROW_JSON)                                       \
	_ X(COL_COSIGNED, "n.cosigned_by IS NOT NULL", "cosigned", ROW_BOOLEAN)                  \
	_ X(COL_POSITION, "peerd_position(n.occurred_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { EXPORT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define EXPORT_COLUMNS EXPORT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member EXPORT_JSON[] = {EXPORT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $1 organization, $2/$3 first and last day (the organization's), $4/$5 the last row
 * sent. Goals are given by their domains only: their statements are the person's words. */
static const struct db_statement EXPORT_CHUNK = {
	"export_session_notes_chunk",
	"WITH bounds AS (SELECT ($2::date)::timestamp AT TIME ZONE time_zone AS starts,"
	" ($3::date + 1)::timestamp AT TIME ZONE time_zone AS ends FROM organizations"
	" WHERE id = $1)"
	" SELECT " EXPORT_COLUMNS " FROM session_notes n, bounds b WHERE n.organization_id = $1"
	" AND n.occurred_at >= b.starts AND n.occurred_at < b.ends"
	" AND ($4::bigint IS NULL OR (n.occurred_at, n.id) > (peerd_from_position($4::bigint),"
	" $5::uuid))"
	" ORDER BY n.occurred_at, n.id LIMIT " EXPORT_CHUNK_ROWS};

/* One note as an export line, its participant under the export's pseudonym. Setting a
 * member that is there keeps its place. */
static json_t *line_render(const struct export_stream *stream, const PGresult *res, int row)
{
	char participant[40];
	export_pseudonym(stream, db_text(res, row, COL_PARTICIPANT_ID), participant);
	json_t *line =
		row_json_render(EXPORT_JSON, sizeof EXPORT_JSON / sizeof *EXPORT_JSON, res, row);
	if (line && json_object_set_new(line, "participant", json_string(participant)) != 0) {
		json_decref(line);
		line = NULL;
	}
	return line;
}

static const struct export_kind SESSION_NOTES = {
	.chunk = &EXPORT_CHUNK,
	.key_column = COL_POSITION,
	.id_column = COL_ID,
	.line = line_render,
	.resource_type = "session_note",
	.pseudonymous = true,
};

void exports_session_notes(struct request *request)
{
	export_start(request, &SESSION_NOTES);
}
