#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Session settings every connection gets. The URL may override them. */
#define SESSION_OPTIONS                                                                        \
	"-c TimeZone=UTC -c statement_timeout=15000 -c lock_timeout=5000 "                      \
	"-c idle_in_transaction_session_timeout=60000"

/* Server notices ("relation already exists, skipping") belong in the log, not on stderr. */
static void log_notice(void *context, const char *message)
{
	(void)context;
	log_message(LOG_LEVEL_DEBUG, "database notice: %.*s", (int)strcspn(message, "\n"), message);
}

struct db_conn *db_connect(const char *url, char *error, size_t error_size)
{
	/* Keywords before dbname are defaults; those in the URL, expanded from dbname, win. */
	const char *const keywords[] = {"application_name", "connect_timeout", "options", "dbname",
					NULL};
	const char *const values[] = {"peerd", "3", SESSION_OPTIONS, url, NULL};
	struct db_conn *conn = calloc(1, sizeof *conn);
	if (!conn) {
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	conn->pg = PQconnectdbParams(keywords, values, 1);
	if (!conn->pg || PQstatus(conn->pg) != CONNECTION_OK) {
		const char *reason = conn->pg ? PQerrorMessage(conn->pg) : "out of memory";
		snprintf(error, error_size, "%.*s", (int)strcspn(reason, "\n"), reason);
		db_close(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn->pg, log_notice, NULL);
	return conn;
}

void db_close(struct db_conn *conn)
{
	if (!conn)
		return;
	PQfinish(conn->pg);
	free(conn->prepared);
	free(conn);
}

bool db_reset(struct db_conn *conn)
{
	PQreset(conn->pg);
	/* A new server session has none of the old prepared statements. */
	conn->prepared_count = 0;
	return PQstatus(conn->pg) == CONNECTION_OK;
}

static enum db_status classify_sqlstate(const char *state)
{
	if (!state)
		return DB_UNAVAILABLE;
	if (strcmp(state, "23505") == 0)
		return DB_UNIQUE_VIOLATION;
	if (strcmp(state, "23503") == 0)
		return DB_FOREIGN_KEY_VIOLATION;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 || strncmp(state, "22", 2) == 0)
		return DB_CHECK_VIOLATION;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return DB_SERIALIZATION_FAILURE;
	if (strcmp(state, "57014") == 0)
		return DB_TIMEOUT;
	/* 08: connection exceptions; 57P01-57P03: admin shutdown, crash, cannot connect now. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

/* Turns a finished result into a status, logging failures. Clears res unless DB_OK. */
static enum db_status take_result(struct db_conn *conn, const char *name, PGresult *res,
				  PGresult **out)
{
	ExecStatusType outcome = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (outcome == PGRES_COMMAND_OK || outcome == PGRES_TUPLES_OK) {
		conn->last_constraint[0] = '\0';
		if (out)
			*out = res;
		else
			PQclear(res);
		return DB_OK;
	}
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	enum db_status status = PQstatus(conn->pg) == CONNECTION_BAD ? DB_UNAVAILABLE
								       : classify_sqlstate(state);
	snprintf(conn->last_constraint, sizeof conn->last_constraint, "%s",
		 constraint ? constraint : "");
	const char *message = res ? PQresultErrorMessage(res) : PQerrorMessage(conn->pg);
	/* Expected refusals (duplicates, checks) are the client's, not ours: log them quietly.
	 * The message may quote a value, so it is logged at debug level only. */
	enum log_level level = status == DB_ERROR || status == DB_UNAVAILABLE ? LOG_LEVEL_ERROR
									      : LOG_LEVEL_DEBUG;
	log_write(level, "database statement failed",
		  json_pack("{s:s, s:s, s:s, s:s}", "statement", name, "sqlstate",
			    state ? state : "none", "outcome", db_status_text(status), "constraint",
			    constraint ? constraint : ""));
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_message(LOG_LEVEL_DEBUG, "database said: %.*s", (int)strcspn(message, "\n"),
			    message);
	PQclear(res);
	if (out)
		*out = NULL;
	return status;
}

static bool is_prepared(const struct db_conn *conn, const struct db_statement *stmt)
{
	for (size_t i = 0; i < conn->prepared_count; i++) {
		if (conn->prepared[i] == stmt)
			return true;
	}
	return false;
}

static enum db_status prepare(struct db_conn *conn, const struct db_statement *stmt)
{
	if (is_prepared(conn, stmt))
		return DB_OK;
	if (conn->prepared_count == conn->prepared_capacity) {
		size_t capacity = conn->prepared_capacity ? conn->prepared_capacity * 2 : 32;
		const struct db_statement **grown =
			realloc(conn->prepared, capacity * sizeof *conn->prepared);
		if (!grown)
			return DB_ERROR;
		conn->prepared = grown;
		conn->prepared_capacity = capacity;
	}
	enum db_status status = take_result(conn, stmt->name,
					    PQprepare(conn->pg, stmt->name, stmt->sql, 0, NULL), NULL);
	if (status == DB_OK)
		conn->prepared[conn->prepared_count++] = stmt;
	return status;
}

enum db_status db_exec(struct db_conn *conn, const struct db_statement *stmt, int count,
		       const char *const *values, PGresult **out)
{
	*out = NULL;
	enum db_status status = prepare(conn, stmt);
	if (status != DB_OK)
		return status;
	PGresult *res = PQexecPrepared(conn->pg, stmt->name, count, values, NULL, NULL, 0);
	return take_result(conn, stmt->name, res, out);
}

enum db_status db_read(struct db_conn *conn, const struct db_statement *stmt, int count,
		       const char *const *values, PGresult **out)
{
	enum db_status status = db_exec(conn, stmt, count, values, out);
	if (status != DB_UNAVAILABLE || PQstatus(conn->pg) != CONNECTION_BAD)
		return status;
	log_message(LOG_LEVEL_WARN, "database connection lost; reconnecting to retry a read");
	if (!db_reset(conn))
		return DB_UNAVAILABLE;
	return db_exec(conn, stmt, count, values, out);
}

enum db_status db_exec_script(struct db_conn *conn, const char *sql)
{
	return take_result(conn, "script", PQexec(conn->pg, sql), NULL);
}

enum db_status db_begin(struct db_conn *conn)
{
	return db_exec_script(conn, "BEGIN");
}

enum db_status db_commit(struct db_conn *conn)
{
	return db_exec_script(conn, "COMMIT");
}

void db_rollback(struct db_conn *conn)
{
	if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
		db_exec_script(conn, "ROLLBACK");
}

bool db_is_idle(struct db_conn *conn)
{
	return PQstatus(conn->pg) == CONNECTION_OK && PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
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
