/* GET /v1/exports/claim-lines (API.md "Coverage, authorizations and claims"): what a
 * clearinghouse needs of each billable signed note to build an 837P professional claim,
 * as NDJSON, one note a line, by service day then note id, streamed
 * (api/export_stream.c). Unlike the session-notes export it names people: a claim is
 * paid for a named member by a named provider, so only supervisors and admins take it.
 * No narrative leaves. */
#include "reports.h"

#include "db.h"
#include "export_stream.h"
#include "row_json.h"

/* The coverage a line bills: the coverage of the authorization the note billed under,
 * else the participant's primary coverage on the note's day (lowest priority, then the
 * latest to take effect, then id), else null. */
#define CLAIM_COVERAGE                                                                          \
	"(SELECT json_build_object('payer', c.payer, 'kind', c.kind, 'member_id', c.member_id)" \
	" FROM coverages c WHERE c.id = coalesce(a.coverage_id, (SELECT p.id FROM coverages p"  \
	" WHERE p.participant_id = n.participant_id AND p.effective_on <= n.billing_day"        \
	" AND (p.ends_on IS NULL OR p.ends_on >= n.billing_day)"                                \
	" ORDER BY p.priority, p.effective_on DESC, p.id LIMIT 1)))"

/* A line's columns, in the order of its JSON. */
/* clang-format off */
#define CLAIM_LINE_COLUMN_LIST(X, _)                                                           \
	X(COL_NOTE_ID, "n.id", "note_id", ROW_STRING)                                          \
	_ X(COL_SERVICE_DATE, "to_char(n.billing_day, 'YYYY-MM-DD')", "service_date",           \
	    ROW_STRING)                                                                        \
	_ X(COL_CODE, "n.billing->>'code'", "code", ROW_STRING)                                \
	_ X(COL_MODIFIERS, "n.billing->'modifiers'", "modifiers", ROW_JSON)                    \
	_ X(COL_UNITS, "n.billing_units", "units", ROW_INTEGER)                                \
	_ X(COL_PLACE_OF_SERVICE, "n.billing->>'place_of_service'", "place_of_service",        \
	    ROW_STRING)                                                                        \
	_ X(COL_RENDERING_SPECIALIST,                                                          \
	    "json_build_object('id', s.id, 'given_name', s.given_name,"                        \
	    " 'family_name', s.family_name)", "rendering_specialist", ROW_JSON)                \
	_ X(COL_PARTICIPANT,                                                                   \
	    "json_build_object('id', r.id, 'given_name', r.given_name,"                        \
	    " 'family_name', r.family_name, 'birth_date', r.birth_date)", "participant",       \
	    ROW_JSON)                                                                          \
	_ X(COL_COVERAGE, CLAIM_COVERAGE, "coverage", ROW_JSON)                                \
	_ X(COL_AUTHORIZATION_NUMBER, "a.number", "authorization_number", ROW_STRING)
/* clang-format on */

enum { CLAIM_LINE_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define CLAIM_LINE_COLUMNS CLAIM_LINE_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member CLAIM_LINE_JSON[] = {
	CLAIM_LINE_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $1 organization, $2/$3 first and last service day (the organization's), $4/$5 the
 * service day and id of the last row sent. Served by session_notes_billable_by_day
 * (sql/034). */
static const struct db_statement CLAIM_LINES_CHUNK = {
	"export_claim_lines_chunk",
	"SELECT " CLAIM_LINE_COLUMNS " FROM session_notes n"
	" JOIN specialists s ON s.id = n.specialist_id"
	" JOIN participants r ON r.id = n.participant_id"
	" LEFT JOIN authorizations a ON a.id = n.billing_authorization_id"
	" WHERE n.organization_id = $1 AND n.status = 'signed' AND n.billing_units > 0"
	" AND (n.billing->>'billable')::boolean"
	" AND n.billing_day BETWEEN $2::date AND $3::date"
	" AND ($4::date IS NULL OR (n.billing_day, n.id) > ($4::date, $5::uuid))"
	" ORDER BY n.billing_day, n.id LIMIT " EXPORT_CHUNK_ROWS};

static json_t *line_render(const struct export_stream *stream, const PGresult *res, int row)
{
	(void)stream;
	return row_json_render(CLAIM_LINE_JSON, sizeof CLAIM_LINE_JSON / sizeof *CLAIM_LINE_JSON,
			       res, row);
}

static const struct export_kind CLAIM_LINES = {
	.chunk = &CLAIM_LINES_CHUNK,
	.key_column = COL_SERVICE_DATE,
	.id_column = COL_NOTE_ID,
	.line = line_render,
	.resource_type = "claim_line",
	.pseudonymous = false,
};

void exports_claim_lines(struct request *request)
{
	export_start(request, &CLAIM_LINES);
}
