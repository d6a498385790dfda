/* Sending statements: one alone, or several under one Sync in libpq's pipeline mode, each
 * prepared first when the pooling mode prepares. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "log.h"

static bool is_prepared(const struct db_conn *conn, const struct db_statement *stmt)
{
	for (size_t i = 0; i < conn->plans.count; i++) {
		if (conn->plans.prepared[i] == stmt)
			return true;
	}
	return false;
}

static enum db_status prepare(struct db_conn *conn, const struct db_statement *stmt)
{
	if (!conn->mode->prepares || is_prepared(conn, stmt))
		return DB_OK;
	if (conn->plans.count == conn->plans.capacity) {
		size_t capacity = conn->plans.capacity ? conn->plans.capacity * 2 : 32;
		const struct db_statement **grown =
			realloc(conn->plans.prepared, capacity * sizeof *conn->plans.prepared);
		if (!grown)
			return DB_ERROR;
		conn->plans.prepared = grown;
		conn->plans.capacity = capacity;
	}
	enum db_status status = db_take_result(
		conn, stmt->name, PQprepare(conn->pg, stmt->name, stmt->sql, 0, NULL), NULL);
	if (status == DB_OK)
		conn->plans.prepared[conn->plans.count++] = stmt;
	return status;
}

enum db_status db_run_one(struct db_conn *conn, const struct db_statement *stmt, int count,
			  const char *const *values, PGresult **out)
{
	enum db_status status = prepare(conn, stmt);
	if (status != DB_OK)
		return status;
	PGresult *res =
		conn->mode->prepares
			? PQexecPrepared(conn->pg, stmt->name, count, values, NULL, NULL, 0)
			: PQexecParams(conn->pg, stmt->sql, count, NULL, values, NULL, NULL, 0);
	return db_take_result(conn, stmt->name, res, out);
}

/* Queues a step of a pipeline: prepared, or unnamed under transaction pooling. */
static bool send_step(struct db_conn *conn, const struct db_step *step)
{
	if (conn->mode->prepares)
		return PQsendQueryPrepared(conn->pg, step->stmt->name, step->count, step->values,
					   NULL, NULL, 0) == 1;
	return PQsendQueryParams(conn->pg, step->stmt->sql, step->count, NULL, step->values, NULL,
				 NULL, 0) == 1;
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

/* Whether a batch whose end was lost had committed all the same: its last step is a COMMIT
 * the server confirmed (a step that failed before it would have stopped it). Without one,
 * nothing tells: the implicit transaction of a batch outside BEGIN commits at its Sync,
 * and only the ReadyForQuery that follows says so. */
static bool committed_before_lost(const struct db_step *steps, PGresult *const *results,
				  size_t count)
{
	return steps[count - 1].stmt == &DB_COMMIT && db_commit_confirmed(results[count - 1]);
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
enum db_status db_run_pipeline(struct db_conn *conn, const struct db_step *steps, size_t count)
{
	enum db_status status = DB_OK;
	for (size_t i = 0; status == DB_OK && i < count; i++)
		status = prepare(conn, steps[i].stmt);
	if (status != DB_OK)
		return status;
	if (PQenterPipelineMode(conn->pg) != 1)
		return db_take_result(conn, steps[0].stmt->name, NULL, NULL);
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
			status = db_take_result(conn, steps[i].stmt->name, results[i], out);
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
