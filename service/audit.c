#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "request.h"

static const char *const ACTION_NAMES[] = {"read",	 "create", "update",
					   "transition", "sign",   "export"};

struct audit_event {
	enum audit_action action;
	char resource_type[24];
	char resource_id[UUID_TEXT_SIZE];     /* "" for none */
	char organization_id[UUID_TEXT_SIZE]; /* "" for none */
};

struct audit_trail {
	size_t count, capacity;
	struct audit_event *events;
};

/* One call per run of events of the same action and type; ids and organizations as
 * JSON arrays, "" for none. */
#define AUDIT_APPEND_CALL                                                                 \
	"peerd_audit_append($1, $2, $3::audit_action, $4,"                                \
	" ARRAY(SELECT nullif(x.value, '')::uuid FROM json_array_elements_text($5::json)" \
	" WITH ORDINALITY AS x(value, n) ORDER BY x.n),"                                  \
	" ARRAY(SELECT nullif(x.value, '')::uuid FROM json_array_elements_text($6::json)" \
	" WITH ORDINALITY AS x(value, n) ORDER BY x.n), $7, $8::int)"

static const struct db_statement AUDIT_APPEND = {"audit_append", "SELECT " AUDIT_APPEND_CALL};

/* The same for the events of reads, alone in their transaction: committed without
 * waiting for the disk, so that readers do not queue behind each other's WAL flush. The
 * price is that a crash of PostgreSQL itself (not of peerd) may lose the last fraction of
 * a second of read events, never a write's. */
static const struct db_statement AUDIT_APPEND_READS = {
	"audit_append_reads",
	"SELECT set_config('synchronous_commit', 'off', true), " AUDIT_APPEND_CALL};

void audit_record(struct request *request, enum audit_action action, const char *resource_type,
		  const char *resource_id, const char *organization_id)
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
	snprintf(event->resource_type, sizeof event->resource_type, "%s", resource_type);
	snprintf(event->resource_id, sizeof event->resource_id, "%s",
		 resource_id ? resource_id : "");
	snprintf(event->organization_id, sizeof event->organization_id, "%s",
		 organization_id ? organization_id : "");
	return;
lost:
	/* Out of memory: a write then fails at audit_write; a read is not answered. */
	request->audit_lost = true;
}

/* Appends events[first, last) (one action and type) in the open transaction. */
static enum db_status append_run(struct request *request, struct db_conn *db,
				 const struct db_statement *append,
				 const struct audit_event *events, size_t count, unsigned status)
{
	json_t *ids = json_array(), *organizations = json_array();
	for (size_t i = 0; ids && organizations && i < count; i++) {
		json_array_append_new(ids, json_string(events[i].resource_id));
		json_array_append_new(organizations, json_string(events[i].organization_id));
	}
	char *ids_text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	char *organizations_text = organizations ? json_dumps(organizations, JSON_COMPACT) : NULL;
	json_decref(ids);
	json_decref(organizations);
	char status_text[8];
	snprintf(status_text, sizeof status_text, "%u", status);
	const struct principal *caller = &request->caller;
	enum db_status result =
		ids_text && organizations_text
			? db_exec(db, append,
				  DB_ARGS(caller->subject, role_name(caller->role),
					  ACTION_NAMES[events[0].action], events[0].resource_type,
					  ids_text, organizations_text, request->id, status_text),
				  NULL)
			: DB_ERROR;
	free(ids_text);
	free(organizations_text);
	return result;
}

static enum db_status write_events(struct request *request, struct db_conn *db,
				   const struct db_statement *append, unsigned status)
{
	if (request->audit_lost)
		return DB_ERROR;
	struct audit_trail *trail = request->audit;
	size_t first = 0;
	while (trail && first < trail->count) {
		size_t last = first + 1;
		while (last < trail->count &&
		       trail->events[last].action == trail->events[first].action &&
		       strcmp(trail->events[last].resource_type,
			      trail->events[first].resource_type) == 0)
			last++;
		enum db_status result = append_run(request, db, append, &trail->events[first],
						   last - first, status);
		if (result != DB_OK)
			return result;
		first = last;
	}
	if (trail)
		trail->count = 0;
	return DB_OK;
}

enum db_status audit_write(struct request *request, struct db_conn *db, unsigned status)
{
	return write_events(request, db, &AUDIT_APPEND, status);
}

enum db_status audit_commit(struct request *request, struct db_conn *db, unsigned status)
{
	enum db_status result = audit_write(request, db, status);
	return result == DB_OK ? db_commit(db) : result;
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
	enum db_status status = write_events(request, db, &AUDIT_APPEND_READS, request->status);
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
