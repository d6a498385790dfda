#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "monotonic.h"

/* A borrowed connection, and what cancels its statement from another thread (made by the
 * borrower's thread: after a reconnect inside the request it cancels nothing). */
struct loan {
	struct db_conn *conn; /* NULL: a free entry */
	PGcancel *cancel;
};

struct pool {
	char *url;
	char *role; /* NULL: the login role */
	enum db_pooling pooling;
	size_t size;
	unsigned wait_ms;
	pthread_mutex_t lock;
	pthread_cond_t returned;
	struct db_conn **idle; /* a stack: the most recently used connection goes out first */
	struct loan *loans;    /* size entries */
	size_t idle_count;
	size_t open;
	size_t in_use;
	size_t waiting;
	unsigned long long exhausted_total;
	unsigned long long connect_failures_total;
	struct timespec last_connect_failure; /* zero until a connect fails */
	enum pool_result last_connect_result; /* why it failed: given again while backing off */
};

/* After a failed connect, requests fail at once for this long instead of each waiting
 * up to connect_timeout on a database that is down: workers stay free for /healthz. */
#define CONNECT_BACKOFF_MS   1000
/* A connection returned this recently is handed out again without asking the socket. */
#define RECENTLY_RETURNED_MS 1000

struct pool *pool_create(const char *url, const char *role, enum db_pooling pooling, size_t size,
			 unsigned wait_ms)
{
	struct pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return NULL;
	pool->url = strdup(url);
	pool->role = role ? strdup(role) : NULL;
	pool->idle = calloc(size, sizeof *pool->idle);
	pool->loans = calloc(size, sizeof *pool->loans);
	bool ready = pool->url && (pool->role || !role) && pool->idle && pool->loans &&
		     pthread_mutex_init(&pool->lock, NULL) == 0 &&
		     monotonic_cond_init(&pool->returned);
	if (!ready) {
		free(pool->role);
		free(pool->url);
		free(pool->idle);
		free(pool->loans);
		free(pool);
		return NULL;
	}
	pool->size = size;
	pool->wait_ms = wait_ms;
	pool->pooling = pooling;
	return pool;
}

void pool_destroy(struct pool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->idle_count; i++)
		db_close(pool->idle[i]);
	pthread_cond_destroy(&pool->returned);
	pthread_mutex_destroy(&pool->lock);
	free(pool->idle);
	free(pool->loans);
	free(pool->url);
	free(pool->role);
	free(pool);
}

/* Gives up a slot counted in pool->open whose connection could not be made or kept.
 * Called with the lock held. */
static void drop_slot(struct pool *pool, enum pool_result why)
{
	pool->open--;
	pool->connect_failures_total++;
	clock_gettime(CLOCK_MONOTONIC, &pool->last_connect_failure);
	pool->last_connect_result = why;
	pthread_cond_signal(&pool->returned);
}

/* Opens a connection for a slot already counted in pool->open and in_use; called without
 * the lock because connecting can take seconds. */
static enum pool_result open_connection(struct pool *pool, struct db_conn **out)
{
	char error[256];
	struct db_conn *conn =
		db_connect(pool->url, pool->role, pool->pooling, error, sizeof error);
	if (!conn) {
		enum pool_result why = db_connect_failed_on_role(error, pool->role)
					       ? POOL_NO_SCHEMA
					       : POOL_UNAVAILABLE;
		pthread_mutex_lock(&pool->lock);
		pool->in_use--;
		drop_slot(pool, why);
		pthread_mutex_unlock(&pool->lock);
		log_write(LOG_LEVEL_ERROR, "database connection failed",
			  json_pack("{s:s}", "reason", error));
		return why;
	}
	*out = conn;
	return POOL_OK;
}

/* Hands out an idle connection after making sure the server has not closed it, unless it
 * was returned moments ago: the check is a system call, one of nine per request under
 * load, and a connection lost since then is caught all the same (a read is retried on a
 * new one, BEGIN reconnects, anything else answers 503). */
static enum pool_result reuse_connection(struct pool *pool, struct db_conn *conn,
					 struct db_conn **out)
{
	if (monotonic_ms_since(&conn->idle_since) < RECENTLY_RETURNED_MS || db_check_alive(conn)) {
		*out = conn;
		return POOL_OK;
	}
	db_close(conn);
	pthread_mutex_lock(&pool->lock);
	pool->in_use--;
	drop_slot(pool, POOL_UNAVAILABLE);
	pthread_mutex_unlock(&pool->lock);
	return POOL_UNAVAILABLE;
}

/* An idle connection whose session already holds the caller's scope when there is one,
 * else the one returned last. Callers from several organizations share the pool, and a
 * connection that must change scope first costs the request a round trip more. Called
 * with the lock held and at least one connection idle. */
static struct db_conn *take_idle(struct pool *pool, const char *organization, const char *role)
{
	size_t chosen = pool->idle_count - 1;
	for (size_t i = pool->idle_count; organization && i-- > 0;) {
		if (db_has_scope(pool->idle[i], organization, role)) {
			chosen = i;
			break;
		}
	}
	struct db_conn *conn = pool->idle[chosen];
	pool->idle[chosen] = pool->idle[--pool->idle_count];
	return conn;
}

static enum pool_result borrow(struct pool *pool, const char *organization, const char *role,
			       struct db_conn **out)
{
	*out = NULL;
	struct timespec deadline = monotonic_after_ms(pool->wait_ms);
	pthread_mutex_lock(&pool->lock);
	if (pool->idle_count == 0 && pool->open >= pool->size) {
		pool->waiting++;
		int waited = 0;
		while (pool->idle_count == 0 && pool->open >= pool->size && waited != ETIMEDOUT)
			waited = pthread_cond_timedwait(&pool->returned, &pool->lock, &deadline);
		pool->waiting--;
	}
	if (pool->idle_count > 0) {
		struct db_conn *conn = take_idle(pool, organization, role);
		pool->in_use++;
		pthread_mutex_unlock(&pool->lock);
		return reuse_connection(pool, conn, out);
	}
	if (pool->open >= pool->size) {
		pool->exhausted_total++;
		pthread_mutex_unlock(&pool->lock);
		return POOL_EXHAUSTED;
	}
	bool backing_off = pool->last_connect_failure.tv_sec != 0 &&
			   monotonic_ms_since(&pool->last_connect_failure) < CONNECT_BACKOFF_MS;
	if (backing_off) {
		enum pool_result why = pool->last_connect_result;
		pthread_mutex_unlock(&pool->lock);
		return why;
	}
	pool->open++;
	pool->in_use++;
	pthread_mutex_unlock(&pool->lock);
	return open_connection(pool, out);
}

enum pool_result pool_acquire(struct pool *pool, const char *organization, const char *role,
			      struct db_conn **out)
{
	enum pool_result result = borrow(pool, organization, role, out);
	if (result != POOL_OK)
		return result;
	PGcancel *cancel = PQgetCancel((*out)->pg);
	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->size; i++) {
		if (!pool->loans[i].conn) {
			pool->loans[i] = (struct loan){.conn = *out, .cancel = cancel};
			break;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return POOL_OK;
}

void pool_cancel_borrowed(struct pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->size; i++) {
		char error[256];
		if (pool->loans[i].cancel && !PQcancel(pool->loans[i].cancel, error, sizeof error))
			log_message(LOG_LEVEL_WARN, "a statement could not be cancelled: %.*s",
				    (int)strcspn(error, "\n"), error);
	}
	pthread_mutex_unlock(&pool->lock);
}

void pool_release(struct pool *pool, struct db_conn *conn)
{
	if (!conn)
		return;
	PGcancel *cancel = NULL;
	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->size && !cancel; i++) {
		if (pool->loans[i].conn == conn) {
			cancel = pool->loans[i].cancel;
			pool->loans[i] = (struct loan){0};
		}
	}
	pthread_mutex_unlock(&pool->lock);
	PQfreeCancel(cancel);
	db_clear_guard(conn); /* its values belonged to the request */
	db_rollback(conn);
	bool reusable = db_is_idle(conn);
	if (!reusable)
		db_close(conn);
	pthread_mutex_lock(&pool->lock);
	pool->in_use--;
	if (reusable) {
		clock_gettime(CLOCK_MONOTONIC, &conn->idle_since);
		pool->idle[pool->idle_count++] = conn;
	} else
		pool->open--;
	pthread_cond_signal(&pool->returned);
	pthread_mutex_unlock(&pool->lock);
}

struct pool_stats pool_get_stats(struct pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	struct pool_stats stats = {
		.size = pool->size,
		.open = pool->open,
		.in_use = pool->in_use,
		.waiting = pool->waiting,
		.exhausted_total = pool->exhausted_total,
		.connect_failures_total = pool->connect_failures_total,
	};
	pthread_mutex_unlock(&pool->lock);
	return stats;
}
