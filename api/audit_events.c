/* GET /v1/audit-events (admins; supervisors for their own organization) and
 * GET /v1/audit-events/verify (admins), which walks the hash chain in the database. */
#include "audit_events.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "pagination.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"

const char *const AUDIT_RESOURCE_TYPES[] = {
	"participant",	 "referral",	  "goal",	"goal_progress", "session_note",
	"group_session", "consent",	  "plan",	"episode",	 "assessment",
	"coverage",	 "authorization", "claim_line", "subscription",	 NULL};

/* An event's columns, in the order of its JSON. request_id is the client's,
 * server_request_id peerd's own (null in events older than sql/021); consent_id the
 * consent a disclosure was made under (null on every other event). */
/* clang-format off */
#define AUDIT_EVENT_COLUMN_LIST(X, _)                                                            \
	X(COL_ID, "id", "id", ROW_INTEGER)                                                       \
	_ X(COL_AT, "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", "at", \
	    ROW_STRING)                                                                          \
	_ X(COL_ACTOR, "actor", "actor", ROW_STRING)                                             \
	_ X(COL_ROLE, "role", "role", ROW_STRING)                                                \
	_ X(COL_ORGANIZATION_ID, "organization_id", "organization_id", ROW_STRING)               \
	_ X(COL_ACTION, "action", "action", ROW_STRING)                                          \
	_ X(COL_RESOURCE_TYPE, "resource_type", "resource_type", ROW_STRING)                     \
	_ X(COL_RESOURCE_ID, "resource_id", "resource_id", ROW_STRING)                           \
	_ X(COL_REQUEST_ID, "request_id", "request_id", ROW_STRING)                              \
	_ X(COL_SERVER_REQUEST_ID, "server_request_id", "server_request_id", ROW_STRING)         \
	_ X(COL_CONSENT_ID, "consent_id", "consent_id", ROW_STRING)                              \
	_ X(COL_STATUS, "status", "status", ROW_INTEGER)                                         \
	_ X(COL_PREVIOUS_HASH, "previous_hash", "previous_hash", ROW_STRING)                     \
	_ X(COL_HASH, "hash", "hash", ROW_STRING)                                                \
	/* page cursors carry a UUID; the id alone orders the chain */                           \
	_ X(COL_CURSOR_ID, "'00000000-0000-0000-0000-000000000000'", NULL, ROW_HIDDEN)
/* clang-format on */

enum { AUDIT_EVENT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define AUDIT_EVENT_COLUMNS AUDIT_EVENT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member AUDIT_EVENT_JSON[] = {
	AUDIT_EVENT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table AUDIT_EVENT_JSON_ROWS = ROW_JSON_TABLE(AUDIT_EVENT_JSON);

static const struct db_statement AUDIT_LIST = {
	"audit_list", "SELECT " AUDIT_EVENT_COLUMNS " FROM audit_events"
		      " WHERE ($1::uuid IS NULL OR organization_id = $1::uuid)"
		      " AND ($2::text IS NULL OR resource_type = $2::text)"
		      " AND ($3::uuid IS NULL OR resource_id = $3::uuid)"
		      " AND ($4::text IS NULL OR actor = $4::text)"
		      " AND ($5::date IS NULL OR at >= ($5::date)::timestamp AT TIME ZONE 'UTC')"
		      " AND ($6::date IS NULL OR at < ($6::date + 1)::timestamp AT TIME ZONE 'UTC')"
		      " AND ($7::bigint IS NULL OR id < $7::bigint)"
		      " ORDER BY id DESC LIMIT $8::int"};

static const struct db_statement AUDIT_VERIFY = {
	"audit_verify", "SELECT events, broken_at, problem FROM peerd_audit_verify()"};

/* Events still in the inbox join the chain (peerd_audit_chain, sql/schema.sql) before
 * the trail is read, so a reader sees every event committed before its request. */
static const struct db_statement AUDIT_CHAIN_PENDING = {"audit_chain_pending",
							"SELECT peerd_audit_chain()"};

/* The database connection, with the inbox chained; NULL after answering 503. */
static struct db_conn *trail_db(struct request *request)
{
	struct db_conn *db = request_db(request);
	if (!db)
		return NULL;
	enum db_status status = db_exec(db, &AUDIT_CHAIN_PENDING, 0, NULL, NULL);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	return db;
}

void audit_events_list(struct request *request)
{
	struct page_request page;
	const char *type, *resource_id, *actor, *from, *to, *organization_id;
	if (!query_page(request, &page) || !query_read(request, "resource_type", &type) ||
	    !query_read(request, "resource_id", &resource_id) ||
	    !query_read(request, "actor", &actor) ||
	    !query_read(request, "organization_id", &organization_id) ||
	    !query_date_range(request, &from, &to))
		return;
	const struct principal *caller = &request->caller;
	/* A supervisor sees their organization's trail, whatever they ask for. */
	if (caller->role != ROLE_ADMIN)
		organization_id = caller->organization_id;
	struct db_conn *db = trail_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, &AUDIT_LIST,
			DB_ARGS(organization_id, type, resource_id, actor, from, to,
				page.has_cursor ? page.position_text : NULL, page.fetch_text),
			&res);
	respond_page(request, status, res, &page, &AUDIT_EVENT_JSON_ROWS, COL_ID, COL_CURSOR_ID);
}

void audit_events_verify(struct request *request)
{
	struct db_conn *db = trail_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &AUDIT_VERIFY, 0, NULL, &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return;
	}
	bool intact = db_text(res, 0, 1) == NULL;
	json_t *body = json_pack("{s:b, s:I, s:o, s:o}", "intact", intact, "events",
				 (json_int_t)db_integer(res, 0, 0), "first_broken_event",
				 intact ? json_null() : json_integer(db_integer(res, 0, 1)),
				 "problem", db_json_string(res, 0, 2));
	PQclear(res);
	respond_json(request, 200, body);
}
