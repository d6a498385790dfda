/* What db.c, db_pipeline.c and db_result.c share: a connection's insides. Nothing
 * outside those three files includes it; everyone else sees struct db_conn as opaque. */
#pragma once

#include "db.h"

#include <time.h>

/* Where a connection stands, as far as peerd's side knows; the server's transaction
 * status (PQtransactionStatus) tells the rest. Changed only by change_state (db.c). */
enum db_conn_state {
	/* Outside a transaction; the server session holds no scope of ours: just connected
	 * or reset, or (transaction pooling) always between transactions. */
	DB_CONN_UNSCOPED,
	/* Session pooling, outside a transaction: the session holds held_scope. */
	DB_CONN_SCOPED,
	/* db_begin was called: BEGIN goes with the next statement. Under session pooling the
	 * session holds held_scope. */
	DB_CONN_BEGIN_PENDING,
	/* BEGIN went out, with the preamble under transaction pooling: the transaction it
	 * opened carries the scope until the server says it ended. Under session pooling the
	 * session holds held_scope. */
	DB_CONN_IN_TRANSACTION,
};

/* How a pooling mode (enum db_pooling) reaches PostgreSQL: chosen once at connect. */
struct db_pooling_mode {
	/* The settings and the role go as startup options. A transaction pooler refuses
	 * them; the preamble carries them instead. */
	bool startup_options;
	/* Each statement is prepared once per session. Otherwise it is sent unnamed: a
	 * statement prepared in one server session would be missing from the next one the
	 * pooler hands out. */
	bool prepares;
	/* The scope is the session's, set outside any transaction and held until changed;
	 * otherwise each transaction sends it, and it ends with the transaction. */
	bool session_scope;
	/* The statement that sets the scope, and its values. */
	const struct db_statement *scope_statement;
	int (*scope_values)(const struct db_conn *conn, const char **values);
	/* Whether what is sent next runs under the wanted scope with no scope statement. */
	bool (*holds_scope)(const struct db_conn *conn);
	/* Where a connection stands once its transaction is over: under session pooling the
	 * session still holds its scope, under transaction pooling nothing is left. */
	enum db_conn_state after_transaction;
};

#define DB_SCOPE_MAX_VALUES 3

/* The statements prepared in the server session (session pooling). */
struct db_plans {
	const struct db_statement **prepared;
	size_t count;
	size_t capacity;
	bool stale; /* a migration changed the schema under one of them */
};

/* A connection and the statements already prepared on it. Used by one thread at a time. */
struct db_conn {
	PGconn *pg;
	const struct db_pooling_mode *mode;
	enum db_conn_state state;
	struct db_plans plans;
	char last_sqlstate[6];	  /* SQLSTATE of the last failure, or "" */
	char last_constraint[64]; /* constraint named by the last failure, or "" */
	/* Whose rows the statements may see under row-level security (sql/010): the caller's
	 * organization id (or "") and role (or ""); an admin sees every organization. What
	 * db_set_scope asked for, and (session pooling) what the session holds. */
	char scope[40];
	char scope_role[16];
	char held_scope[40];
	char held_scope_role[16];
	struct db_step guard; /* db_set_guard's statement, or stmt NULL */
	const char *guard_values[DB_GUARD_MAX_VALUES];
	struct timespec idle_since; /* CLOCK_MONOTONIC, set by the pool when it is returned */
	char role[64];		    /* transaction pooling: the role each transaction sets */
	/* Set by a caller that logs failures itself, once rather than on every attempt (a
	 * background thread retrying): failures are then logged at debug level only. */
	bool caller_logs_failures;
};

/* Under transaction pooling, the role, the settings and the scope of one transaction. */
extern const struct db_statement DB_TRANSACTION_PREAMBLE;

/* db_result.c */

/* Turns a finished result into a status: hands a success to *out (when out is not NULL,
 * else clears it), records and logs a failure and clears it. */
enum db_status db_take_result(struct db_conn *conn, const char *statement, PGresult *res,
			      PGresult **out);

/* Whether res is the server's word that a COMMIT ended its transaction. */
bool db_commit_confirmed(PGresult *res);

/* db_pipeline.c */

/* Runs one statement, prepared first when the mode prepares. */
enum db_status db_run_one(struct db_conn *conn, const struct db_statement *stmt, int count,
			  const char *const *values, PGresult **out);

/* Runs steps under one Sync and takes their results in order (see db_exec_batch). */
enum db_status db_run_pipeline(struct db_conn *conn, const struct db_step *steps, size_t count);
