/* PostgreSQL access. Every statement is a named constant with $n placeholders, prepared
 * once per connection (sent unnamed under transaction pooling) and run with its values as
 * separate parameters: no value is ever written into SQL text. */
#pragma once

#include "attributes.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* A statement, declared `static const` next to the code that runs it. The name must be
 * unique in the program; it is the prepared statement's name. */
struct db_statement {
	const char *name;
	const char *sql;
};

enum db_status {
	DB_OK,
	DB_UNAVAILABLE,		  /* connection lost, database down or starting up */
	DB_UNIQUE_VIOLATION,	  /* 23505: a duplicate */
	DB_FOREIGN_KEY_VIOLATION, /* 23503: refers to a row that does not exist */
	DB_CHECK_VIOLATION,	  /* 23514, 23502 and data exceptions: a value the schema refuses */
	DB_SERIALIZATION_FAILURE, /* 40001, 40P01: try the transaction again */
	DB_TIMEOUT,		  /* 57014: statement_timeout */
	DB_CALLER_REFUSED,	  /* 28000: a guard refused the caller (db_set_guard) */
	DB_CALLER_UNKNOWN,	  /* 28Q01: a guard found no such caller (sql/019) */
	DB_MERGED_AWAY,		  /* 55M01: a participant merged away is not written (sql/038) */
	/* The schema peerd needs is not there, or is older than this build: no such table,
	 * column, function or type (42P01, 42703, 42883, 42704, 3F000), or (transaction
	 * pooling) the role peerd works as is missing. Run `peerd migrate`. */
	DB_NO_SCHEMA,
	DB_ERROR, /* anything else: a defect in peerd */
};

/* One statement of a batch. Its values stay the caller's until db_exec_batch returns. */
struct db_step {
	const struct db_statement *stmt;
	int count;
	const char *const *values;
	PGresult **out; /* as db_exec's out; may be NULL */
};

#define DB_GUARD_MAX_VALUES 4

/* How connections reach PostgreSQL (PEERD_DATABASE_POOLING). */
enum db_pooling {
	/* Directly, or through a pooler in session mode: the role, the session settings and
	 * the scope are set once per session, and each statement is prepared once. */
	DB_POOLING_SESSION,
	/* Through a pooler in transaction mode (PgBouncer pool_mode = transaction): each
	 * transaction may run on another server session, so every one carries the role, the
	 * settings and the scope itself (set_config(..., true), in the same round trip as
	 * its statements), and statements are sent unnamed rather than prepared. */
	DB_POOLING_TRANSACTION,
};

/* A connection, its state and the statements already prepared on it; opaque outside
 * db.c (db_internal.h). Used by one thread at a time. */
struct db_conn;

/* Values for db_exec: DB_ARGS(a, b, c) expands to the count and the array. */
#define DB_ARGS(...)                                                                               \
	(int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *const[]) \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

/* Opens a connection to url with peerd's session settings (UTC, statement timeout,
 * application_name), working as role when it is not NULL (a plain identifier: see
 * config.c), reached as pooling says. Returns NULL and writes the reason into error on
 * failure. The caller releases it with db_close. */
MUST_CHECK struct db_conn *db_connect(const char *url, const char *role, enum db_pooling pooling,
				      char *error, size_t error_size);

void db_close(struct db_conn *conn);

/* Whether db_connect's error says the role it works as (PEERD_DATABASE_ROLE) is missing or
 * not granted to the login role: the role is named in the server's message, in any
 * language, as a word of its own. Such a database lacks what `peerd migrate` makes. */
bool db_connect_failed_on_role(const char *error, const char *role);

/* Sets whose rows the following statements may see (sql/010_row_level_security.sql):
 * organization is the caller's organization id or ""; role is the caller's role name or
 * "" (an admin sees every organization). Sent to the server with the next statement only
 * when it changed. Call it outside a transaction. */
void db_set_scope(struct db_conn *conn, const char *organization, const char *role);

/* Whether the session holds this scope already, so db_set_scope would send nothing. */
bool db_has_scope(const struct db_conn *conn, const char *organization, const char *role);

/* Runs stmt with count text values (NULL is SQL NULL). On DB_OK stores the result in *out,
 * which the caller PQclear()s; on failure *out is NULL and the error has been logged.
 * out may be NULL for a statement whose rows nobody reads. */
MUST_CHECK enum db_status db_exec(struct db_conn *conn, const struct db_statement *stmt, int count,
				  const char *const *values, PGresult **out);

/* A step of stmt with the values that follow: DB_STEP(&STMT, &res, a, b). */
#define DB_STEP(stmt, out, ...) ((struct db_step){(stmt), DB_ARGS(__VA_ARGS__), (out)})

/* The most steps one batch takes. */
#define DB_BATCH_MAX 8

/* Runs the steps in order in one round trip (libpq's pipeline mode), as db_exec would run
 * each: inside the open transaction, or outside one as a single implicit transaction, all
 * or nothing. Stops at the first failure and returns its status; then every *out is NULL.
 * A later step cannot use an earlier one's result, only the same values.
 *
 * DB_UNAVAILABLE after a lost connection does not always mean nothing happened. A batch
 * ending with DB_COMMIT is DB_OK once the server confirmed that COMMIT, even if the
 * connection is lost before the round trip ends (the server shutting down, say): the work
 * is durable. Outside a transaction the implicit one commits at the round trip's end and
 * nothing confirms it before then, so a connection lost there may have committed it: a
 * write that must know goes in a transaction ending with DB_COMMIT. */
MUST_CHECK enum db_status db_exec_batch(struct db_conn *conn, const struct db_step *steps,
					size_t count);

/* A statement sent before the next statement or batch, in the same round trip, that
 * fails with SQLSTATE 28000 (DB_CALLER_REFUSED) when the caller may no longer act, or
 * 28Q01 (DB_CALLER_UNKNOWN) when there is no such caller; its
 * failure stops what follows it, and rolls it back outside a transaction. At most
 * DB_GUARD_MAX_VALUES values; the strings must stay valid until it was sent or
 * db_clear_guard (the pool clears it when the connection comes back). */
void db_set_guard(struct db_conn *conn, const struct db_statement *stmt, int count,
		  const char *const *values);
void db_clear_guard(struct db_conn *conn);

/* COMMIT, as the last step of a batch: the transaction ends in the same round trip, and
 * succeeded once the server confirmed it (see db_exec_batch). */
extern const struct db_statement DB_COMMIT;

/* As db_exec, for a read: when, outside a transaction, the connection proves broken it is
 * reset and the statement runs once more. */
MUST_CHECK enum db_status db_read(struct db_conn *conn, const struct db_statement *stmt, int count,
				  const char *const *values, PGresult **out);

/* Runs SQL without parameters or result rows: migrations and transaction control. */
enum db_status db_exec_script(struct db_conn *conn, const char *sql);

/* Opens a transaction. BEGIN itself is sent with the transaction's first statement, in
 * the same round trip; a connection found broken then is replaced and the statement sent
 * again, since nothing had run in the transaction yet. */
MUST_CHECK enum db_status db_begin(struct db_conn *conn);
/* Commits the open transaction: DB_OK once the server confirmed the COMMIT, even if the
 * connection is lost just after. DB_UNAVAILABLE when it was lost before: the transaction
 * may or may not have committed. */
MUST_CHECK enum db_status db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

/* True when the connection is usable and outside any transaction. */
bool db_is_idle(struct db_conn *conn);

/* Reconnects a broken connection; statements will be prepared again. */
MUST_CHECK bool db_reset(struct db_conn *conn);

/* Checks, without a round trip, that an idle connection was not closed by the server
 * while it sat in the pool, and reconnects if it was. Returns false when the connection
 * is unusable. */
MUST_CHECK bool db_check_alive(struct db_conn *conn);

/* The server's message about the connection's last failure (libpq's PQerrorMessage):
 * owned by conn, valid until its next statement. */
const char *db_error_message(const struct db_conn *conn);

/* SQLSTATE of the last failed statement, or "": owned by conn. */
const char *db_last_sqlstate(const struct db_conn *conn);

/* The constraint the last failed statement named, or "": owned by conn. */
const char *db_last_constraint(const struct db_conn *conn);

/* For a caller that logs failures itself, once rather than on every attempt (a
 * background thread retrying): db then logs them at debug level only. */
void db_leave_failure_logs_to_caller(struct db_conn *conn);

/* A handle that cancels the statement running on conn from another thread (PQcancel).
 * The caller releases it with PQfreeCancel; NULL when there is none. */
MUST_CHECK PGcancel *db_cancel_handle(struct db_conn *conn);

/* For the pool: notes that conn went idle now (CLOCK_MONOTONIC), and how many
 * milliseconds ago that was. */
void db_mark_idle(struct db_conn *conn);
long db_idle_ms(const struct db_conn *conn);

/* Short description of a status for logs. */
const char *db_status_text(enum db_status status);

/* Reading result values (text format). */

/* The value, or NULL for SQL NULL. Owned by res. */
const char *db_text(const PGresult *res, int row, int column);

/* The value as an integer; 0 for SQL NULL. */
long long db_integer(const PGresult *res, int row, int column);

/* A boolean column: true for 't'. */
bool db_boolean(const PGresult *res, int row, int column);

/* A json column parsed into a new reference; json null for SQL NULL or bad JSON. */
json_t *db_json(const PGresult *res, int row, int column);

/* A text column as a new JSON string, or json null for SQL NULL. */
json_t *db_json_string(const PGresult *res, int row, int column);
