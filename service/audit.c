#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "problem.h"
#include "request.h"
#include "strbuf.h"

static const char *const ACTION_NAMES[] = {"read", "create", "update",	 "transition",
					   "sign", "export", "disclose", "merge"};

struct audit_event {
	enum audit_action action;
	char resource_type[24];
	char resource_id[UUID_TEXT_SIZE];     /* "" for none */
	char organization_id[UUID_TEXT_SIZE]; /* "" for none */
	char consent_id[UUID_TEXT_SIZE];      /* "" but for AUDIT_DISCLOSE */
};

struct audit_trail {
	size_t count, capacity;
	struct audit_event *events;
};

/* A request's events in one statement, in the order recorded: $3 is a JSON array of
 * {action, resource_type, resource_id, organization_id, consent_id}, an id null for none; $4 the
 * client's request id, $6 peerd's own (sql/021). An INSERT of our own rather than
 * peerd_audit_append (sql/schema.sql): half the database's time a read (measured with
 * pgbench, 49 against 104 microseconds), and one call for every kind of event a request
 * touched. */
#define AUDIT_INSERT                                                                           \
	"INSERT INTO audit_inbox (actor, role, action, resource_type, resource_id,"            \
	" organization_id, request_id, status, server_request_id, consent_id) SELECT $1, $2,"  \
	" e.action, e.resource_type, e.resource_id, e.organization_id, $4, $5::int, $6::uuid," \
	" e.consent_id FROM "
#define AUDIT_EVENTS                                                                          \
	"ROWS FROM (json_to_recordset($3::json) AS (action audit_action, resource_type text," \
	" resource_id uuid, organization_id uuid, consent_id uuid)) WITH ORDINALITY"          \
	" AS e(action, resource_type, resource_id, organization_id, consent_id, n)"           \
	" ORDER BY e.n"

static const struct db_statement AUDIT_APPEND = {"audit_append", AUDIT_INSERT AUDIT_EVENTS};

#define AUDIT_UNFLUSHED "unflushed AS (SELECT set_config('synchronous_commit', 'off', true))"

/* The same for the events of reads, alone in their transaction: committed without
 * waiting for the disk, so that readers do not queue behind each other's WAL flush. The
 * price is that a crash of PostgreSQL itself (not of peerd) may lose the last fraction of
 * a second of read events, never a write's. */
static const struct db_statement AUDIT_APPEND_READS = {
	"audit_append_reads", "WITH " AUDIT_UNFLUSHED " " AUDIT_INSERT "unflushed, " AUDIT_EVENTS};

/* Appends one event to the request's trail. */
static void trail_add(struct request *request, enum audit_action action, const char *resource_type,
		      const char *resource_id, const char *organization_id, const char *consent_id)
{
	struct audit_trail *trail = request->audit;
	if (!trail && !(trail = request->audit = calloc(1, sizeof *trail)))
		goto lost;
	if (trail->count == trail->capacity) {
		size_t capacity = trail->capacity ? 2 * trail->capacity : 8;
		struct audit_event *grown = realloc(trail->events, capacity * sizeof *grown);
		if (!grown)
			goto lost;
		trail->events = grown;
		trail->capacity = capacity;
	}
	struct audit_event *event = &trail->events[trail->count++];
	event->action = action;
	text_copy(event->resource_type, sizeof event->resource_type, resource_type);
	text_copy(event->resource_id, sizeof event->resource_id, resource_id ? resource_id : "");
	text_copy(event->organization_id, sizeof event->organization_id,
		  organization_id ? organization_id : "");
	text_copy(event->consent_id, sizeof event->consent_id, consent_id ? consent_id : "");
	return;
lost:
	/* Out of memory: a write then fails at audit_write; a read is not answered. */
	request->audit_lost = true;
}

void audit_record(struct request *request, enum audit_action action, const char *resource_type,
		  const char *resource_id, const char *organization_id)
{
	trail_add(request, action, resource_type, resource_id, organization_id, NULL);
}

void audit_record_disclosure(struct request *request, const char *resource_type,
			     const char *resource_id, const char *organization_id,
			     const char *consent_id)
{
	trail_add(request, AUDIT_DISCLOSE, resource_type, resource_id, organization_id, consent_id);
}

/* Appends a member: prefix (its name, with the punctuation before it) and value as a JSON
 * string, or null for "" when nullable. */
static void append_member(struct strbuf *out, const char *prefix, const char *value, bool nullable)
{
	strbuf_append(out, prefix, strlen(prefix));
	if (nullable && !value[0])
		strbuf_append(out, "null", 4);
	else
		json_text_append_string(out, value, strlen(value));
}

/* The trail's events as the JSON text AUDIT_EVENTS reads; NULL when out of memory. Written
 * straight to text: a page of 50 built as jansson objects first was 14% of peerd's
 * instructions for the referral list. */
static char *events_text(const struct audit_trail *trail)
{
	struct strbuf out;
	strbuf_init(&out);
	strbuf_append(&out, "[", 1);
	for (size_t i = 0; i < trail->count; i++) {
		const struct audit_event *event = &trail->events[i];
		append_member(&out,
			      i ? ",{\"action\":" : "{\"action\":", ACTION_NAMES[event->action],
			      false);
		append_member(&out, ",\"resource_type\":", event->resource_type, false);
		append_member(&out, ",\"resource_id\":", event->resource_id, true);
		append_member(&out, ",\"organization_id\":", event->organization_id, true);
		append_member(&out, ",\"consent_id\":", event->consent_id, true);
		strbuf_append(&out, "}", 1);
	}
	strbuf_append(&out, "]", 1);
	return strbuf_take(&out);
}

/* Runs first (when not NULL), appends the recorded events with append and, when commit,
 * commits: one round trip. */
static enum db_status write_events(struct request *request, struct db_conn *db,
				   const struct db_statement *append, unsigned status,
				   const struct db_step *first, bool commit)
{
	/* Without an id of its own the request could not be told from another one: it is
	 * not recorded, so not answered. */
	if (request->audit_lost || !request->server_request_id[0])
		return DB_ERROR;
	struct audit_trail *trail = request->audit;
	bool any = trail && trail->count > 0;
	if (!any && !first)
		return commit ? db_commit(db) : DB_OK;
	char *events = any ? events_text(trail) : NULL;
	if (any && !events)
		return DB_ERROR;
	char status_text[8];
	snprintf(status_text, sizeof status_text, "%u", status);
	const struct principal *caller = &request->caller;
	const char *const values[] = {caller->subject, role_name(caller->role),
				      events,	       request->id,
				      status_text,     request->server_request_id};
	struct db_step steps[3];
	size_t count = 0;
	if (first)
		steps[count++] = *first;
	if (any)
		steps[count++] = (struct db_step){append, 6, values, NULL};
	if (commit)
		steps[count++] = (struct db_step){&DB_COMMIT, 0, NULL, NULL};
	enum db_status result = db_exec_batch(db, steps, count);
	free(events);
	if (result == DB_OK && any)
		trail->count = 0;
	return result;
}

enum db_status audit_write(struct request *request, struct db_conn *db, unsigned status)
{
	return write_events(request, db, &AUDIT_APPEND, status, NULL, false);
}

enum db_status audit_commit(struct request *request, struct db_conn *db, unsigned status)
{
	return write_events(request, db, &AUDIT_APPEND, status, NULL, true);
}

enum db_status audit_commit_after(struct request *request, struct db_conn *db, unsigned status,
				  const struct db_step *first)
{
	return write_events(request, db, &AUDIT_APPEND, status, first, true);
}

void audit_flush_reads(struct request *request)
{
	struct audit_trail *trail = request->audit;
	bool pending = request->audit_lost || (trail && trail->count > 0);
	/* 304 is a read too: the caller showed it may see the record it keeps a copy of. */
	bool answered = (request->status >= 200 && request->status < 300) || request->status == 304;
	if (!pending || !answered)
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return; /* request_db answered 503 */
	if (!db_is_idle(db))
		db_rollback(db);
	enum db_status status =
		write_events(request, db, &AUDIT_APPEND_READS, request->status, NULL, false);
	if (status != DB_OK)
		problem_send_unavailable(request,
					 "the access could not be recorded in the audit trail; "
					 "try again");
}

void audit_release(struct request *request)
{
	if (request->audit)
		free(request->audit->events);
	free(request->audit);
	request->audit = NULL;
}

void audit_record_rows(struct request *request, enum audit_action action, const char *resource_type,
		       const PGresult *res, int id_column, int organization_column, int limit)
{
	for (int row = 0; res && row < PQntuples(res) && row < limit; row++)
		audit_record(request, action, resource_type, db_text(res, row, id_column),
			     db_text(res, row, organization_column));
}

void audit_record_rows_disclosed(struct request *request, const char *resource_type,
				 const PGresult *res, int id_column, int organization_column,
				 int consent_column, int limit)
{
	for (int row = 0; res && row < PQntuples(res) && row < limit; row++) {
		const char *consent = db_text(res, row, consent_column);
		trail_add(request, consent ? AUDIT_DISCLOSE : AUDIT_READ, resource_type,
			  db_text(res, row, id_column), db_text(res, row, organization_column),
			  consent);
	}
}
