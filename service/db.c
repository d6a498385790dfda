#include "db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "db_testing.h"
#include "log.h"
#include "monotonic.h"
#include "strbuf.h"

/* Settings every session gets. A request waits at most 3 s for a row lock and 15 s for a
 * statement, then gets 503 and may retry. */
#define STATEMENT_TIMEOUT_MS	       "15000"
#define LOCK_TIMEOUT_MS		       "3000"
#define IDLE_IN_TRANSACTION_TIMEOUT_MS "60000"

/* As startup options; the URL may override them. */
#define SESSION_OPTIONS                                              \
	"-c TimeZone=UTC -c statement_timeout=" STATEMENT_TIMEOUT_MS \
	" -c lock_timeout=" LOCK_TIMEOUT_MS                          \
	" -c idle_in_transaction_session_timeout=" IDLE_IN_TRANSACTION_TIMEOUT_MS

/* Transaction pooling: the role, the same settings and the scope, for one transaction.
 * A pooler in transaction mode passes no startup options on, and hands each transaction
 * whichever server session is free, so they go with every transaction instead and end
 * with it (set_config's is_local; 'role' is what SET ROLE sets). */
const struct db_statement DB_TRANSACTION_PREAMBLE = {
	"db_transaction_preamble",
	"SELECT set_config('role', $1, true), set_config('TimeZone', 'UTC', true),"
	" set_config('statement_timeout', '" STATEMENT_TIMEOUT_MS "', true),"
	" set_config('lock_timeout', '" LOCK_TIMEOUT_MS "', true),"
	" set_config('idle_in_transaction_session_timeout', '" IDLE_IN_TRANSACTION_TIMEOUT_MS
	"', true), set_config('peerd.organization', $2, true), set_config('peerd.role', $3, true)"};

/* Session settings, not transaction-local ones: a request's reads run outside any
 * transaction, and a setting made outside one cannot be undone by a later ROLLBACK. */
static const struct db_statement SCOPE_SET = {
	"db_scope_set",
	"SELECT set_config('peerd.organization', $1, false), set_config('peerd.role', $2, false)"};

static const struct db_statement DB_BEGIN = {"db_begin", "BEGIN"};

const struct db_statement DB_COMMIT = {"db_commit", "COMMIT"};

static bool in_server_transaction(const struct db_conn *conn)
{
	PGTransactionStatusType now = PQtransactionStatus(conn->pg);
	return now == PQTRANS_INTRANS || now == PQTRANS_INERROR;
}

static int session_scope_values(const struct db_conn *conn, const char **values)
{
	values[0] = conn->scope;
	values[1] = conn->scope_role;
	return 2;
}

/* Session pooling: the session holds the scope last asked for. */
static bool session_holds_scope(const struct db_conn *conn)
{
	return conn->state != DB_CONN_UNSCOPED && strcmp(conn->held_scope, conn->scope) == 0 &&
	       strcmp(conn->held_scope_role, conn->scope_role) == 0;
}

static int transaction_preamble_values(const struct db_conn *conn, const char **values)
{
	values[0] = conn->role;
	values[1] = conn->scope;
	values[2] = conn->scope_role;
	return 3;
}

/* Transaction pooling: the open transaction carries the preamble, from the round trip that
 * began it until it ends, which the server's transaction status tells. */
static bool transaction_holds_scope(const struct db_conn *conn)
{
	return conn->state == DB_CONN_IN_TRANSACTION && in_server_transaction(conn);
}

static const struct db_pooling_mode POOLING_MODES[] = {
	[DB_POOLING_SESSION] =
		{
			.startup_options = true,
			.prepares = true,
			.session_scope = true,
			.scope_statement = &SCOPE_SET,
			.scope_values = session_scope_values,
			.holds_scope = session_holds_scope,
			.after_transaction = DB_CONN_SCOPED,
		},
	[DB_POOLING_TRANSACTION] =
		{
			.startup_options = false,
			.prepares = false,
			.session_scope = false,
			.scope_statement = &DB_TRANSACTION_PREAMBLE,
			.scope_values = transaction_preamble_values,
			.holds_scope = transaction_holds_scope,
			.after_transaction = DB_CONN_UNSCOPED,
		},
};

/* The one place a connection's state changes, as pgbouncer's change_server_state. */
static void change_state(struct db_conn *conn, enum db_conn_state next)
{
	conn->state = next;
}

/* After a round trip: a transaction the server ended (COMMIT, ROLLBACK, a lost
 * connection) leaves the connection outside one. */
static void note_transaction_end(struct db_conn *conn)
{
	if (conn->state == DB_CONN_IN_TRANSACTION && !in_server_transaction(conn))
		change_state(conn, conn->mode->after_transaction);
}

/* A BEGIN that db_begin left pending is dropped unsent: nothing ran in it. */
static void drop_pending_begin(struct db_conn *conn)
{
	if (conn->state == DB_CONN_BEGIN_PENDING)
		change_state(conn, conn->mode->after_transaction);
}

/* Session pooling: the scope statement went through, so the session holds the scope. */
static void hold_scope(struct db_conn *conn)
{
	text_copy(conn->held_scope, sizeof conn->held_scope, conn->scope);
	text_copy(conn->held_scope_role, sizeof conn->held_scope_role, conn->scope_role);
	change_state(conn, DB_CONN_SCOPED);
}

/* Server notices ("relation already exists, skipping") belong in the log, not on stderr. */
static void log_notice(void *context, const char *message)
{
	(void)context;
	log_message(LOG_LEVEL_DEBUG, "database notice: %.*s", (int)strcspn(message, "\n"), message);
}

struct db_conn *db_connect(const char *url, const char *role, enum db_pooling pooling, char *error,
			   size_t error_size)
{
	const struct db_pooling_mode *mode = &POOLING_MODES[pooling];
	/* The role is a startup option rather than a SET ROLE: no extra round trip, and
	 * RESET ROLE or DISCARD ALL return to it, never to the login role. */
	char options[sizeof SESSION_OPTIONS + 80];
	snprintf(options, sizeof options, "%s%s%s", SESSION_OPTIONS, role ? " -c role=" : "",
		 role ? role : "");
	/* Keywords before dbname are defaults; those in the URL, expanded from dbname, win. */
	const char *keywords[6] = {"application_name", "connect_timeout", "client_encoding"};
	const char *values[6] = {"peerd", "3", "UTF8"};
	size_t given = 3;
	if (mode->startup_options) {
		keywords[given] = "options";
		values[given++] = options;
	}
	keywords[given] = "dbname";
	values[given] = url;
	struct db_conn *conn = calloc(1, sizeof *conn);
	if (!conn) {
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	conn->mode = mode;
	change_state(conn, DB_CONN_UNSCOPED);
	snprintf(conn->role, sizeof conn->role, "%s", role ? role : "none");
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

static bool is_identifier_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

bool db_connect_failed_on_role(const char *error, const char *role)
{
	size_t length = role ? strlen(role) : 0;
	for (const char *at = length ? strstr(error, role) : NULL; at; at = strstr(at + 1, role)) {
		bool alone = (at == error || !is_identifier_char(at[-1])) &&
			     !is_identifier_char(at[length]);
		if (alone)
			return true;
	}
	return false;
}

void db_close(struct db_conn *conn)
{
	if (!conn)
		return;
	PQfinish(conn->pg);
	free(conn->plans.prepared);
	free(conn);
}

static void forget_plans(struct db_conn *conn)
{
	conn->plans.count = 0;
	conn->plans.stale = false;
}

bool db_reset(struct db_conn *conn)
{
	PQreset(conn->pg);
	/* A new server session has none of the old prepared statements, nor the scope. */
	forget_plans(conn);
	change_state(conn, DB_CONN_UNSCOPED);
	return PQstatus(conn->pg) == CONNECTION_OK;
}

bool db_check_alive(struct db_conn *conn)
{
	if (PQstatus(conn->pg) != CONNECTION_OK)
		return db_reset(conn);
	struct pollfd socket = {.fd = PQsocket(conn->pg), .events = POLLIN};
	if (poll(&socket, 1, 0) == 0)
		return true;
	/* Bytes on an idle connection: a notice, or the server saying goodbye (a restart,
	 * pg_terminate_backend, a cut network) before it closed the socket. */
	if (PQconsumeInput(conn->pg) && PQstatus(conn->pg) == CONNECTION_OK)
		return true;
	log_message(LOG_LEVEL_WARN, "pooled database connection was closed; reconnecting");
	return db_reset(conn);
}

static bool outside_transaction(const struct db_conn *conn)
{
	return conn->state != DB_CONN_BEGIN_PENDING &&
	       PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
}

bool db_has_scope(const struct db_conn *conn, const char *organization, const char *role)
{
	/* Under transaction pooling no idle session holds a scope: each transaction sends
	 * its own. */
	return conn->mode->holds_scope(conn) && strcmp(conn->scope, organization) == 0 &&
	       strcmp(conn->scope_role, role) == 0;
}

void db_set_scope(struct db_conn *conn, const char *organization, const char *role)
{
	text_copy(conn->scope, sizeof conn->scope, organization);
	text_copy(conn->scope_role, sizeof conn->scope_role, role);
}

/* Drops every prepared statement so each is planned again against the current schema.
 * Inside a transaction that must wait until it has ended. */
static void replan_when_idle(struct db_conn *conn)
{
	if (!conn->plans.stale || !outside_transaction(conn))
		return;
	if (db_take_result(conn, "deallocate", PQexec(conn->pg, "DEALLOCATE ALL"), NULL) == DB_OK) {
		forget_plans(conn);
	}
}

/* Under session pooling the scope may only be sent outside a transaction: a ROLLBACK
 * would undo it while we believed it held. False (and logged) for a caller that changed
 * it inside one. */
static bool scope_may_change(const struct db_conn *conn)
{
	if (outside_transaction(conn))
		return true;
	log_message(LOG_LEVEL_ERROR, "database scope changed inside a transaction");
	return false;
}

/* Sends the scope on its own when the session does not hold it yet: after db_set_scope
 * changed it, or after a reconnect. Used before BEGIN; db_exec sends it with its
 * statement. Under transaction pooling there is no session to hold it: the transaction's
 * preamble does. */
static enum db_status apply_scope(struct db_conn *conn)
{
	if (!conn->mode->session_scope || conn->mode->holds_scope(conn))
		return DB_OK;
	if (!scope_may_change(conn))
		return DB_ERROR;
	const char *values[DB_SCOPE_MAX_VALUES];
	int count = conn->mode->scope_values(conn, values);
	enum db_status status = db_run_one(conn, conn->mode->scope_statement, count, values, NULL);
	if (status == DB_OK)
		hold_scope(conn);
	return status;
}

/* The steps after what must go before them, into all: the BEGIN that db_begin left
 * pending, the scope unless what runs next holds it already, the guard. Returns how many
 * steps all holds; *scoping says whether the scope is among them.
 *
 * Under session pooling the scope never goes with a BEGIN (run_in_scope refuses a scope
 * changed inside a transaction, db_begin sends it first): BEGIN would take it into its
 * transaction, and a ROLLBACK would undo it while we believed it held. Under transaction
 * pooling it goes right after the BEGIN: sent under one Sync, a preamble and its
 * statements are one transaction (an implicit one without BEGIN), and a preamble that
 * fails stops the statements, so none ever runs without it. */
static size_t with_preamble(const struct db_conn *conn, const struct db_step *steps, size_t count,
			    const char **scope_values, struct db_step *all, bool *scoping)
{
	size_t n = 0;
	if (conn->state == DB_CONN_BEGIN_PENDING)
		all[n++] = (struct db_step){&DB_BEGIN, 0, NULL, NULL};
	*scoping = !conn->mode->holds_scope(conn);
	if (*scoping) {
		int values = conn->mode->scope_values(conn, scope_values);
		all[n++] =
			(struct db_step){conn->mode->scope_statement, values, scope_values, NULL};
	}
	if (conn->guard.stmt)
		all[n++] = conn->guard;
	if (count > 0)
		memcpy(all + n, steps, count * sizeof *steps);
	return n + count;
}

/* Sends the steps with their preamble in one round trip. A scope sent with them makes
 * them one implicit transaction: a scope that cannot be set stops the statements (they
 * never run under another organization's scope), and a statement that fails takes the
 * scope back, so it is sent again next time. A BEGIN or a guard, once answered, is
 * spent. */
static enum db_status run_with_preamble(struct db_conn *conn, const struct db_step *steps,
					size_t count)
{
	const char *scope_values[DB_SCOPE_MAX_VALUES];
	struct db_step all[DB_BATCH_MAX + 3];
	bool opening = conn->state == DB_CONN_BEGIN_PENDING;
	bool scoping = false;
	size_t total = with_preamble(conn, steps, count, scope_values, all, &scoping);
	if (opening)
		change_state(conn, DB_CONN_IN_TRANSACTION);
	/* A COMMIT goes in a pipeline even alone: there its confirmation is seen apart from
	 * the end of the round trip (db_run_pipeline). */
	bool alone = total == 1 && all[0].stmt != &DB_COMMIT;
	enum db_status status =
		alone ? db_run_one(conn, all[0].stmt, all[0].count, all[0].values, all[0].out)
		      : db_run_pipeline(conn, all, total);
	if (scoping && status == DB_OK && conn->mode->session_scope)
		hold_scope(conn);
	/* A transaction whose first round trip failed does not carry the preamble: under
	 * transaction pooling the next statement sends it again. */
	if (opening && status != DB_OK && conn->state == DB_CONN_IN_TRANSACTION)
		change_state(conn, conn->mode->after_transaction);
	note_transaction_end(conn);
	/* Spent once it answered; after any other failure it goes with the next statement. */
	if (status == DB_OK || status == DB_CALLER_REFUSED || status == DB_CALLER_UNKNOWN)
		conn->guard.stmt = NULL;
	return status;
}

/* Whether the steps end their transaction: such a batch may have committed before its
 * connection was lost, and is never sent twice. */
static bool commits(const struct db_step *steps, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (steps[i].stmt == &DB_COMMIT)
			return true;
	}
	return false;
}

/* The steps under the session's scope, with whatever must go before them. */
static enum db_status run_in_scope(struct db_conn *conn, const struct db_step *steps, size_t count)
{
	bool begun = conn->state == DB_CONN_BEGIN_PENDING;
	if (!begun)
		replan_when_idle(conn);
	if (conn->mode->session_scope && !conn->mode->holds_scope(conn) && !scope_may_change(conn))
		return DB_ERROR;
	enum db_status status = run_with_preamble(conn, steps, count);
	if (!begun || status != DB_UNAVAILABLE || PQstatus(conn->pg) != CONNECTION_BAD ||
	    commits(steps, count))
		return status;
	/* Lost at BEGIN: nothing had run in the transaction, so it starts again on a new
	 * connection, the scope first and on its own. */
	log_message(LOG_LEVEL_WARN, "database connection lost at BEGIN; reconnecting");
	if (!db_reset(conn) || (status = apply_scope(conn)) != DB_OK)
		return DB_UNAVAILABLE;
	change_state(conn, DB_CONN_BEGIN_PENDING);
	return run_with_preamble(conn, steps, count);
}

void db_set_guard(struct db_conn *conn, const struct db_statement *stmt, int count,
		  const char *const *values)
{
	if (count < 0 || count > DB_GUARD_MAX_VALUES) {
		/* Fail closed: a guard sent without its values fails, and so does what follows. */
		log_message(LOG_LEVEL_ERROR, "database guard of %d values", count);
		conn->guard = (struct db_step){stmt, 0, NULL, NULL};
		return;
	}
	for (int i = 0; i < count; i++)
		conn->guard_values[i] = values[i];
	conn->guard = (struct db_step){stmt, count, conn->guard_values, NULL};
}

void db_clear_guard(struct db_conn *conn)
{
	conn->guard.stmt = NULL;
}

enum db_status db_exec_batch(struct db_conn *conn, const struct db_step *steps, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (steps[i].out)
			*steps[i].out = NULL;
	}
	if (count == 0 || count > DB_BATCH_MAX) {
		log_message(LOG_LEVEL_ERROR, "database batch of %zu statements", count);
		return DB_ERROR;
	}
	bool alone = outside_transaction(conn);
	enum db_status status = run_in_scope(conn, steps, count);
	/* Outside a transaction the statements that failed on a stale plan changed nothing:
	 * plan and run again. Only then: a batch that succeeded is never sent twice. */
	if (alone && status == DB_SERIALIZATION_FAILURE && conn->plans.stale)
		status = run_in_scope(conn, steps, count);
	return status;
}

enum db_status db_exec(struct db_conn *conn, const struct db_statement *stmt, int count,
		       const char *const *values, PGresult **out)
{
	const struct db_step step = {stmt, count, values, out};
	return db_exec_batch(conn, &step, 1);
}

enum db_status db_read(struct db_conn *conn, const struct db_statement *stmt, int count,
		       const char *const *values, PGresult **out)
{
	bool alone = outside_transaction(conn);
	enum db_status status = db_exec(conn, stmt, count, values, out);
	/* Inside a transaction a retry on a new connection would run outside it. */
	if (status != DB_UNAVAILABLE || !alone || PQstatus(conn->pg) != CONNECTION_BAD)
		return status;
	log_message(LOG_LEVEL_WARN, "database connection lost; reconnecting to retry a read");
	if (!db_reset(conn))
		return DB_UNAVAILABLE;
	return db_exec(conn, stmt, count, values, out);
}

/* Runs sql on its own and takes its answer. */
static enum db_status exec_simple(struct db_conn *conn, const char *name, const char *sql)
{
	enum db_status status = db_take_result(conn, name, PQexec(conn->pg, sql), NULL);
	note_transaction_end(conn);
	return status;
}

/* Sends the BEGIN that db_begin left pending before a script. Under transaction pooling
 * it goes with the preamble, so the script runs in a transaction that has it; under
 * session pooling the session holds the scope, and BEGIN goes alone. */
static enum db_status begin_for_script(struct db_conn *conn)
{
	if (!conn->mode->session_scope)
		return run_with_preamble(conn, NULL, 0);
	change_state(conn, DB_CONN_IN_TRANSACTION);
	return exec_simple(conn, "begin", "BEGIN");
}

enum db_status db_exec_script(struct db_conn *conn, const char *sql)
{
	if (conn->state == DB_CONN_BEGIN_PENDING) {
		enum db_status began = begin_for_script(conn);
		if (began != DB_OK)
			return began;
	} else if (!conn->mode->session_scope && outside_transaction(conn)) {
		/* It would run in a transaction of its own, as the login role, unscoped. */
		log_message(LOG_LEVEL_ERROR, "database script outside a transaction under "
					     "transaction pooling");
		return DB_ERROR;
	}
	return exec_simple(conn, "script", sql);
}

enum db_status db_begin(struct db_conn *conn)
{
	replan_when_idle(conn);
	enum db_status status = apply_scope(conn);
	/* Nothing has run yet, so a connection found broken can be replaced safely. */
	if (status == DB_UNAVAILABLE && PQstatus(conn->pg) == CONNECTION_BAD && db_reset(conn))
		status = apply_scope(conn);
	if (status == DB_OK)
		change_state(conn, DB_CONN_BEGIN_PENDING);
	else
		drop_pending_begin(conn);
	return status;
}

/* Sends COMMIT on its own and takes its first answer: once that confirms the commit, a
 * connection lost before the round trip's end (the server shutting down, say) loses
 * nothing, so the commit succeeded. PQexec would answer with the later failure. */
static enum db_status commit_alone(struct db_conn *conn)
{
	if (PQsendQuery(conn->pg, "COMMIT") != 1)
		return db_take_result(conn, "commit", NULL, NULL);
	PGresult *answer = PQgetResult(conn->pg);
	for (PGresult *late; (late = PQgetResult(conn->pg));)
		PQclear(late);
	if (db_commit_confirmed(answer) && PQstatus(conn->pg) != CONNECTION_OK)
		log_message(LOG_LEVEL_WARN, "database connection lost after its COMMIT was "
					    "confirmed; the transaction stands");
	enum db_status status = db_take_result(conn, "commit", answer, NULL);
	note_transaction_end(conn);
	return status;
}

enum db_status db_commit(struct db_conn *conn)
{
	if (conn->state == DB_CONN_BEGIN_PENDING) {
		drop_pending_begin(conn); /* nothing ran: nothing to commit */
		return DB_OK;
	}
	return commit_alone(conn);
}

void db_rollback(struct db_conn *conn)
{
	drop_pending_begin(conn);
	if (PQstatus(conn->pg) == CONNECTION_OK && !outside_transaction(conn))
		db_exec_script(conn, "ROLLBACK");
}

bool db_is_idle(struct db_conn *conn)
{
	return PQstatus(conn->pg) == CONNECTION_OK && outside_transaction(conn);
}

const char *db_error_message(const struct db_conn *conn)
{
	return PQerrorMessage(conn->pg);
}

PGcancel *db_cancel_handle(struct db_conn *conn)
{
	return PQgetCancel(conn->pg);
}

void db_mark_idle(struct db_conn *conn)
{
	clock_gettime(CLOCK_MONOTONIC, &conn->idle_since);
}

long db_idle_ms(const struct db_conn *conn)
{
	return monotonic_ms_since(&conn->idle_since);
}

PGconn *db_testing_pgconn(struct db_conn *conn)
{
	return conn->pg;
}
