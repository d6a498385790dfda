#include "db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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

/* DB_POOLING_TRANSACTION: the role, the same settings and the scope, for one transaction.
 * A pooler in transaction mode passes no startup options on, and hands each transaction
 * whichever server session is free, so they go with every transaction instead and end
 * with it (set_config's is_local; 'role' is what SET ROLE sets). */
static const struct db_statement TRANSACTION_PREAMBLE = {
	"db_transaction_preamble",
	"SELECT set_config('role', $1, true), set_config('TimeZone', 'UTC', true),"
	" set_config('statement_timeout', '" STATEMENT_TIMEOUT_MS "', true),"
	" set_config('lock_timeout', '" LOCK_TIMEOUT_MS "', true),"
	" set_config('idle_in_transaction_session_timeout', '" IDLE_IN_TRANSACTION_TIMEOUT_MS
	"', true), set_config('peerd.organization', $2, true), set_config('peerd.role', $3, true)"};

/* Server notices ("relation already exists, skipping") belong in the log, not on stderr. */
static void log_notice(void *context, const char *message)
{
	(void)context;
	log_message(LOG_LEVEL_DEBUG, "database notice: %.*s", (int)strcspn(message, "\n"), message);
}

struct db_conn *db_connect(const char *url, const char *role, enum db_pooling pooling, char *error,
			   size_t error_size)
{
	/* The role is a startup option rather than a SET ROLE: no extra round trip, and
	 * RESET ROLE or DISCARD ALL return to it, never to the login role. */
	char options[sizeof SESSION_OPTIONS + 80];
	snprintf(options, sizeof options, "%s%s%s", SESSION_OPTIONS, role ? " -c role=" : "",
		 role ? role : "");
	/* Keywords before dbname are defaults; those in the URL, expanded from dbname, win.
	 * A transaction pooler refuses startup options: the preamble carries them. */
	const char *keywords[6] = {"application_name", "connect_timeout", "client_encoding"};
	const char *values[6] = {"peerd", "3", "UTF8"};
	size_t given = 3;
	if (pooling == DB_POOLING_SESSION) {
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
	conn->pooling = pooling;
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
	free(conn->prepared);
	free(conn);
}

bool db_reset(struct db_conn *conn)
{
	PQreset(conn->pg);
	/* A new server session has none of the old prepared statements. */
	conn->prepared_count = 0;
	conn->plans_stale = false;
	conn->scope_applied = false;
	conn->begin_pending = false;
	conn->transaction_scoped = false;
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
	return strcmp(statement, TRANSACTION_PREAMBLE.name) == 0 &&
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

/* Transaction pooling sends statements unnamed: a statement prepared in one server
 * session would be missing from the next one the pooler hands out. */
static bool prepares(const struct db_conn *conn)
{
	return conn->pooling == DB_POOLING_SESSION;
}

/* Turns a finished result into a status: hands a success to *out (when out is not NULL,
 * else clears it), records and logs a failure and clears it. */
static enum db_status take_result(struct db_conn *conn, const char *statement, PGresult *res,
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
	if (status == DB_ERROR && prepares(conn) && plan_is_stale(conn->last_sqlstate)) {
		/* Not a defect: the plans are rebuilt and the client asked to try again. */
		conn->plans_stale = true;
		status = DB_SERIALIZATION_FAILURE;
	}
	log_failure(conn, statement, state ? state : "none", status,
		    res ? PQresultErrorMessage(res) : PQerrorMessage(conn->pg));
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
	if (!prepares(conn) || is_prepared(conn, stmt))
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
	enum db_status status = take_result(
		conn, stmt->name, PQprepare(conn->pg, stmt->name, stmt->sql, 0, NULL), NULL);
	if (status == DB_OK)
		conn->prepared[conn->prepared_count++] = stmt;
	return status;
}

static bool outside_transaction(const struct db_conn *conn)
{
	return !conn->begin_pending && PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
}

/* Session settings, not transaction-local ones: a request's reads run outside any
 * transaction, and a setting made outside one cannot be undone by a later ROLLBACK. */
static const struct db_statement SCOPE_SET = {
	"db_scope_set",
	"SELECT set_config('peerd.organization', $1, false), set_config('peerd.role', $2, false)"};

bool db_has_scope(const struct db_conn *conn, const char *organization, const char *role)
{
	/* Under transaction pooling no session holds a scope: each transaction sends its own. */
	return conn->pooling == DB_POOLING_SESSION && conn->scope_applied &&
	       strcmp(conn->scope, organization) == 0 && strcmp(conn->scope_role, role) == 0;
}

void db_set_scope(struct db_conn *conn, const char *organization, const char *role)
{
	if (db_has_scope(conn, organization, role))
		return;
	snprintf(conn->scope, sizeof conn->scope, "%s", organization);
	snprintf(conn->scope_role, sizeof conn->scope_role, "%s", role);
	conn->scope_applied = false;
}

/* Drops every prepared statement so each is planned again against the current schema.
 * Inside a transaction that must wait until it has ended. */
static void replan_when_idle(struct db_conn *conn)
{
	if (!prepares(conn) || !conn->plans_stale || !outside_transaction(conn))
		return;
	if (take_result(conn, "deallocate", PQexec(conn->pg, "DEALLOCATE ALL"), NULL) == DB_OK) {
		conn->prepared_count = 0;
		conn->plans_stale = false;
	}
}

static enum db_status run_prepared(struct db_conn *conn, const struct db_statement *stmt, int count,
				   const char *const *values, PGresult **out)
{
	enum db_status status = prepare(conn, stmt);
	if (status != DB_OK)
		return status;
	PGresult *res =
		prepares(conn)
			? PQexecPrepared(conn->pg, stmt->name, count, values, NULL, NULL, 0)
			: PQexecParams(conn->pg, stmt->sql, count, NULL, values, NULL, NULL, 0);
	return take_result(conn, stmt->name, res, out);
}

/* Queues a step of a pipeline: prepared, or unnamed under transaction pooling. */
static bool send_step(struct db_conn *conn, const struct db_step *step)
{
	if (prepares(conn))
		return PQsendQueryPrepared(conn->pg, step->stmt->name, step->count, step->values,
					   NULL, NULL, 0) == 1;
	return PQsendQueryParams(conn->pg, step->stmt->sql, step->count, NULL, step->values, NULL,
				 NULL, 0) == 1;
}

/* A scope may only be sent outside a transaction: a ROLLBACK would undo it while we
 * believed it held. False (and logged) for a caller that changed it inside one. */
static bool scope_may_change(const struct db_conn *conn)
{
	if (outside_transaction(conn))
		return true;
	log_message(LOG_LEVEL_ERROR, "database scope changed inside a transaction");
	return false;
}

/* Sends the scope when the session does not hold it yet: after db_set_scope changed it,
 * or after a reconnect. Used before BEGIN; db_exec sends it with its statement. Under
 * transaction pooling there is no session to hold it: the transaction's preamble does. */
static enum db_status apply_scope(struct db_conn *conn)
{
	if (conn->scope_applied || conn->pooling == DB_POOLING_TRANSACTION)
		return DB_OK;
	if (!scope_may_change(conn))
		return DB_ERROR;
	enum db_status status =
		run_prepared(conn, &SCOPE_SET, DB_ARGS(conn->scope, conn->scope_role), NULL);
	conn->scope_applied = status == DB_OK;
	return status;
}

/* The next result of a pipeline, skipping the NULL that ends each statement's results;
 * NULL once the connection has failed. */
static PGresult *next_pipeline_result(struct db_conn *conn)
{
	for (int nulls = 0; nulls < 2; nulls++) {
		PGresult *res = PQgetResult(conn->pg);
		if (res)
			return res;
		if (PQstatus(conn->pg) != CONNECTION_OK)
			return NULL;
	}
	return NULL;
}

/* Reads what is left up to the pipeline's Sync and leaves pipeline mode. True only when
 * the Sync came with nothing before it (an error there is the implicit transaction's
 * commit failing) and the connection can be used again as it is. */
static bool finish_pipeline(struct db_conn *conn)
{
	bool synced = false, clean = true;
	for (int results = 0; results < 8 && !synced && PQstatus(conn->pg) == CONNECTION_OK;
	     results++) {
		PGresult *res = next_pipeline_result(conn);
		if (!res)
			break;
		synced = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		clean = clean && synced;
		PQclear(res);
	}
	return PQexitPipelineMode(conn->pg) == 1 && synced && clean;
}

/* Whether res is the server's word that a COMMIT ended its transaction: the server sends
 * it once the commit is durable, before the ReadyForQuery that ends the round trip. A
 * COMMIT of a transaction that had failed is answered ROLLBACK instead. */
static bool commit_confirmed(PGresult *res)
{
	return res && PQresultStatus(res) == PGRES_COMMAND_OK &&
	       strcmp(PQcmdStatus(res), "COMMIT") == 0;
}

/* Whether a batch whose end was lost had committed all the same: its last step is a COMMIT
 * the server confirmed (a step that failed before it would have stopped it). Without one,
 * nothing tells: the implicit transaction of a batch outside BEGIN commits at its Sync,
 * and only the ReadyForQuery that follows says so. */
static bool committed_before_lost(const struct db_step *steps, PGresult *const *results,
				  size_t count)
{
	return steps[count - 1].stmt == &DB_COMMIT && commit_confirmed(results[count - 1]);
}

/* Drops a connection whose pipeline did not end as it should: its state is unknown. */
static void abandon_pipeline(struct db_conn *conn)
{
	log_message(LOG_LEVEL_WARN, "database pipeline left unfinished; reconnecting");
	if (PQstatus(conn->pg) == CONNECTION_OK && !db_reset(conn))
		log_message(LOG_LEVEL_WARN, "database reconnect failed");
}

/* Sends steps under one Sync and takes their results in order. On failure every *out is
 * NULL and the status is the first failed step's (the steps after it did not run). A
 * batch that ends with a COMMIT the server confirmed succeeded, even when the connection
 * is lost before the Sync's answer (the server shutting down, say): the work is durable,
 * and its results are in hand. */
static enum db_status run_pipeline(struct db_conn *conn, const struct db_step *steps, size_t count)
{
	enum db_status status = DB_OK;
	for (size_t i = 0; status == DB_OK && i < count; i++)
		status = prepare(conn, steps[i].stmt);
	if (status != DB_OK)
		return status;
	if (PQenterPipelineMode(conn->pg) != 1)
		return take_result(conn, steps[0].stmt->name, NULL, NULL);
	bool sent = true;
	for (size_t i = 0; sent && i < count; i++)
		sent = send_step(conn, &steps[i]);
	sent = sent && PQpipelineSync(conn->pg) == 1;
	PGresult *results[DB_BATCH_MAX + 3] = {0};
	for (size_t i = 0; sent && i < count; i++) {
		if (!(results[i] = next_pipeline_result(conn)))
			break;
	}
	bool finished = sent && finish_pipeline(conn);
	bool committed = !finished && sent && committed_before_lost(steps, results, count);
	if (!finished)
		abandon_pipeline(conn);
	/* Unsent, unsynced or failing at its implicit commit, and without a COMMIT
	 * confirmed, a pipeline proves nothing ran. */
	if (!finished && !committed) {
		for (size_t i = 0; i < count; i++)
			PQclear(results[i]);
		return DB_UNAVAILABLE;
	}
	if (committed)
		log_message(LOG_LEVEL_WARN, "database connection lost after its COMMIT was "
					    "confirmed; the transaction stands");
	for (size_t i = 0; i < count; i++) {
		PGresult **out = steps[i].out;
		if (status == DB_OK)
			status = take_result(conn, steps[i].stmt->name, results[i], out);
		else
			PQclear(results[i]);
	}
	for (size_t i = 0; status != DB_OK && i < count; i++) {
		if (steps[i].out) {
			PQclear(*steps[i].out);
			*steps[i].out = NULL;
		}
	}
	return status;
}

static const struct db_statement DB_BEGIN = {"db_begin", "BEGIN"};

/* The steps after what must go before them, into all: the scope when it changed, the
 * BEGIN that db_begin left pending, the guard. Never the scope and a BEGIN together:
 * BEGIN would take the scope into its transaction, and a ROLLBACK would undo it while we
 * believed it held. Returns how many steps all holds. */
static size_t with_preamble(const struct db_conn *conn, const struct db_step *steps, size_t count,
			    const char *const scope[2], struct db_step *all)
{
	size_t n = 0;
	if (!conn->scope_applied)
		all[n++] = (struct db_step){&SCOPE_SET, 2, scope, NULL};
	else if (conn->begin_pending)
		all[n++] = (struct db_step){&DB_BEGIN, 0, NULL, NULL};
	if (conn->guard.stmt)
		all[n++] = conn->guard;
	if (count > 0)
		memcpy(all + n, steps, count * sizeof *steps);
	return n + count;
}

/* True while the open transaction carries the preamble: from the round trip that began
 * it until it ends, which the server's transaction status tells. */
static bool transaction_scoped(const struct db_conn *conn)
{
	PGTransactionStatusType now = PQtransactionStatus(conn->pg);
	return conn->transaction_scoped && (now == PQTRANS_INTRANS || now == PQTRANS_INERROR);
}

/* with_preamble under transaction pooling: BEGIN when db_begin left it pending, then the
 * preamble unless the open transaction has it, the guard, the steps. Sent under one
 * Sync, a preamble and its statements are one transaction (an implicit one without
 * BEGIN): a preamble that fails stops the statements, so none ever runs without it. */
static size_t with_transaction_preamble(const struct db_conn *conn, const struct db_step *steps,
					size_t count, const char *const preamble[3],
					struct db_step *all)
{
	size_t n = 0;
	if (conn->begin_pending)
		all[n++] = (struct db_step){&DB_BEGIN, 0, NULL, NULL};
	if (conn->begin_pending || !transaction_scoped(conn))
		all[n++] = (struct db_step){&TRANSACTION_PREAMBLE, 3, preamble, NULL};
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
	const char *const scope[] = {conn->scope, conn->scope_role};
	const char *const preamble[] = {conn->role, conn->scope, conn->scope_role};
	struct db_step all[DB_BATCH_MAX + 3];
	bool per_transaction = conn->pooling == DB_POOLING_TRANSACTION;
	size_t total = per_transaction
			       ? with_transaction_preamble(conn, steps, count, preamble, all)
			       : with_preamble(conn, steps, count, scope, all);
	bool scoped = !per_transaction && !conn->scope_applied;
	bool opening = per_transaction && conn->begin_pending;
	if (!scoped)
		conn->begin_pending = false;
	/* A COMMIT goes in a pipeline even alone: there its confirmation is seen apart from
	 * the end of the round trip (run_pipeline). */
	bool alone = total == 1 && all[0].stmt != &DB_COMMIT;
	enum db_status status =
		alone ? run_prepared(conn, all[0].stmt, all[0].count, all[0].values, all[0].out)
		      : run_pipeline(conn, all, total);
	if (scoped)
		conn->scope_applied = status == DB_OK;
	if (opening)
		conn->transaction_scoped = status == DB_OK;
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
	bool begun = conn->begin_pending;
	if (!begun)
		replan_when_idle(conn);
	if (conn->pooling == DB_POOLING_SESSION && !conn->scope_applied && !scope_may_change(conn))
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
	conn->begin_pending = true;
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
	if (alone && status == DB_SERIALIZATION_FAILURE && conn->plans_stale)
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

enum db_status db_exec_script(struct db_conn *conn, const char *sql)
{
	if (conn->begin_pending && conn->pooling == DB_POOLING_TRANSACTION) {
		/* BEGIN with the preamble, so the script runs in a transaction that has it. */
		enum db_status began = run_with_preamble(conn, NULL, 0);
		if (began != DB_OK)
			return began;
	} else if (conn->pooling == DB_POOLING_TRANSACTION && outside_transaction(conn)) {
		/* It would run in a transaction of its own, as the login role, unscoped. */
		log_message(LOG_LEVEL_ERROR, "database script outside a transaction under "
					     "transaction pooling");
		return DB_ERROR;
	} else if (conn->begin_pending) {
		conn->begin_pending = false;
		enum db_status began = take_result(conn, "begin", PQexec(conn->pg, "BEGIN"), NULL);
		if (began != DB_OK)
			return began;
	}
	return take_result(conn, "script", PQexec(conn->pg, sql), NULL);
}

enum db_status db_begin(struct db_conn *conn)
{
	replan_when_idle(conn);
	enum db_status status = apply_scope(conn);
	/* Nothing has run yet, so a connection found broken can be replaced safely. */
	if (status == DB_UNAVAILABLE && PQstatus(conn->pg) == CONNECTION_BAD && db_reset(conn))
		status = apply_scope(conn);
	conn->begin_pending = status == DB_OK;
	return status;
}

const struct db_statement DB_COMMIT = {"db_commit", "COMMIT"};

/* Sends COMMIT on its own and takes its first answer: once that confirms the commit, a
 * connection lost before the round trip's end (the server shutting down, say) loses
 * nothing, so the commit succeeded. PQexec would answer with the later failure. */
static enum db_status commit_alone(struct db_conn *conn)
{
	if (PQsendQuery(conn->pg, "COMMIT") != 1)
		return take_result(conn, "commit", NULL, NULL);
	PGresult *answer = PQgetResult(conn->pg);
	for (PGresult *late; (late = PQgetResult(conn->pg));)
		PQclear(late);
	if (commit_confirmed(answer) && PQstatus(conn->pg) != CONNECTION_OK)
		log_message(LOG_LEVEL_WARN, "database connection lost after its COMMIT was "
					    "confirmed; the transaction stands");
	return take_result(conn, "commit", answer, NULL);
}

enum db_status db_commit(struct db_conn *conn)
{
	if (conn->begin_pending) {
		conn->begin_pending = false; /* nothing ran: nothing to commit */
		return DB_OK;
	}
	return commit_alone(conn);
}

void db_rollback(struct db_conn *conn)
{
	conn->begin_pending = false;
	if (PQstatus(conn->pg) == CONNECTION_OK && !outside_transaction(conn))
		db_exec_script(conn, "ROLLBACK");
}

bool db_is_idle(struct db_conn *conn)
{
	return PQstatus(conn->pg) == CONNECTION_OK && outside_transaction(conn);
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
