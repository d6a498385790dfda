/* Reading what the server answered: a result turned into a status (logged and recorded
 * on the connection when it failed), and the values of the rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "log.h"

static enum db_status classify_sqlstate(const char *state)
{
	if (!state)
		return DB_UNAVAILABLE;
	if (strcmp(state, "23505") == 0)
		return DB_UNIQUE_VIOLATION;
	if (strcmp(state, "23503") == 0)
		return DB_FOREIGN_KEY_VIOLATION;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
	    strncmp(state, "22", 2) == 0)
		return DB_CHECK_VIOLATION;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return DB_SERIALIZATION_FAILURE;
	if (strcmp(state, "28000") == 0)
		return DB_CALLER_REFUSED;
	if (strcmp(state, "28Q01") == 0)
		return DB_CALLER_UNKNOWN;
	if (strcmp(state, "55M01") == 0)
		return DB_MERGED_AWAY;
	/* Undefined table, column, function, object; invalid schema name: peerd's statements
	 * name only what its migrations make, so the schema is missing or behind. */
	if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0 ||
	    strcmp(state, "42883") == 0 || strcmp(state, "42704") == 0 ||
	    strcmp(state, "3F000") == 0)
		return DB_NO_SCHEMA;
	/* statement_timeout, lock_timeout */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return DB_TIMEOUT;
	/* 08: connection exceptions; 53: out of resources (connections, memory, disk);
	 * 57P01-57P03: shutdown, crash, cannot connect now. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

/* A prepared plan that no longer fits the schema: a migration ran while the connection
 * was open ("cached plan must not change result type"). */
static bool plan_is_stale(const char *state)
{
	return strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0;
}

/* Under transaction pooling the role is set by each transaction's preamble, which sets
 * nothing else that can fail: refused (no such role 22023, not a member 42501), the role
 * is missing or not granted, as it is before `peerd migrate` first ran. */
static bool role_refused(const char *statement, const char *state)
{
	return strcmp(statement, DB_TRANSACTION_PREAMBLE.name) == 0 &&
	       (strcmp(state, "22023") == 0 || strcmp(state, "42501") == 0);
}

static enum log_level failure_level(const struct db_conn *conn, enum db_status status)
{
	if (conn->caller_logs_failures)
		return LOG_LEVEL_DEBUG;
	/* Expected refusals (duplicates, checks) are the client's, not ours: logged quietly.
	 * A missing schema is the operator's to fix, not a defect. */
	switch (status) {
	case DB_ERROR:
	case DB_UNAVAILABLE:
		return LOG_LEVEL_ERROR;
	case DB_NO_SCHEMA:
		return LOG_LEVEL_WARN;
	default:
		return LOG_LEVEL_DEBUG;
	}
}

static void log_failure(const struct db_conn *conn, const char *statement, const char *state,
			enum db_status status, const char *message)
{
	/* The message may quote a value, so it is logged at debug level only. */
	enum log_level level = failure_level(conn, status);
	const char *constraint = conn->last_constraint;
	log_write(level, "database statement failed",
		  json_pack("{s:s, s:s, s:s, s:s}", "statement", statement, "sqlstate", state,
			    "outcome", db_status_text(status), "constraint", constraint));
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_message(LOG_LEVEL_DEBUG, "database said: %.*s", (int)strcspn(message, "\n"),
			    message);
}

enum db_status db_take_result(struct db_conn *conn, const char *statement, PGresult *res,
			      PGresult **out)
{
	ExecStatusType outcome = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (outcome == PGRES_COMMAND_OK || outcome == PGRES_TUPLES_OK) {
		conn->last_sqlstate[0] = conn->last_constraint[0] = '\0';
		if (out)
			*out = res;
		else
			PQclear(res);
		return DB_OK;
	}
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	enum db_status status =
		PQstatus(conn->pg) == CONNECTION_BAD ? DB_UNAVAILABLE : classify_sqlstate(state);
	snprintf(conn->last_sqlstate, sizeof conn->last_sqlstate, "%s", state ? state : "");
	snprintf(conn->last_constraint, sizeof conn->last_constraint, "%s",
		 constraint ? constraint : "");
	if (status != DB_UNAVAILABLE && role_refused(statement, conn->last_sqlstate))
		status = DB_NO_SCHEMA;
	if (status == DB_ERROR && conn->mode->prepares && plan_is_stale(conn->last_sqlstate)) {
		/* Not a defect: the plans are rebuilt and the client asked to try again. */
		conn->plans.stale = true;
		status = DB_SERIALIZATION_FAILURE;
	}
	log_failure(conn, statement, state ? state : "none", status,
		    res ? PQresultErrorMessage(res) : PQerrorMessage(conn->pg));
	PQclear(res);
	if (out)
		*out = NULL;
	return status;
}

/* Whether res is the server's word that a COMMIT ended its transaction: the server sends
 * it once the commit is durable, before the ReadyForQuery that ends the round trip. A
 * COMMIT of a transaction that had failed is answered ROLLBACK instead. */
bool db_commit_confirmed(PGresult *res)
{
	return res && PQresultStatus(res) == PGRES_COMMAND_OK &&
	       strcmp(PQcmdStatus(res), "COMMIT") == 0;
}

const char *db_status_text(enum db_status status)
{
	switch (status) {
	case DB_OK:
		return "ok";
	case DB_UNAVAILABLE:
		return "unavailable";
	case DB_UNIQUE_VIOLATION:
		return "unique_violation";
	case DB_FOREIGN_KEY_VIOLATION:
		return "foreign_key_violation";
	case DB_CHECK_VIOLATION:
		return "check_violation";
	case DB_SERIALIZATION_FAILURE:
		return "serialization_failure";
	case DB_TIMEOUT:
		return "timeout";
	case DB_CALLER_REFUSED:
		return "caller_refused";
	case DB_CALLER_UNKNOWN:
		return "caller_unknown";
	case DB_MERGED_AWAY:
		return "merged_away";
	case DB_NO_SCHEMA:
		return "no_schema";
	case DB_ERROR:
		return "error";
	}
	return "error";
}

const char *db_text(const PGresult *res, int row, int column)
{
	return PQgetisnull(res, row, column) ? NULL : PQgetvalue(res, row, column);
}

long long db_integer(const PGresult *res, int row, int column)
{
	const char *text = db_text(res, row, column);
	return text ? strtoll(text, NULL, 10) : 0;
}

bool db_boolean(const PGresult *res, int row, int column)
{
	const char *text = db_text(res, row, column);
	return text && text[0] == 't';
}

json_t *db_json(const PGresult *res, int row, int column)
{
	const char *text = db_text(res, row, column);
	json_t *value = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	return value ? value : json_null();
}

json_t *db_json_string(const PGresult *res, int row, int column)
{
	const char *text = db_text(res, row, column);
	return text ? json_string(text) : json_null();
}

const char *db_last_sqlstate(const struct db_conn *conn)
{
	return conn->last_sqlstate;
}

const char *db_last_constraint(const struct db_conn *conn)
{
	return conn->last_constraint;
}

void db_leave_failure_logs_to_caller(struct db_conn *conn)
{
	conn->caller_logs_failures = true;
}
