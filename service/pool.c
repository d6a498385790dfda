#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

struct pool {
	char *url;
	size_t size;
	unsigned wait_ms;
	pthread_mutex_t lock;
	pthread_cond_t returned;
	struct db_conn **idle; /* a stack: the most recently used connection goes out first */
	size_t idle_count;
	size_t open;
	size_t in_use;
	size_t waiting;
	unsigned long long exhausted_total;
	unsigned long long connect_failures_total;
};

struct pool *pool_create(const char *url, size_t size, unsigned wait_ms)
{
	struct pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return NULL;
	pool->url = strdup(url);
	pool->idle = calloc(size, sizeof *pool->idle);
	pthread_condattr_t attributes;
	pthread_condattr_init(&attributes);
	pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
	bool ready = pool->url && pool->idle && pthread_mutex_init(&pool->lock, NULL) == 0 &&
		     pthread_cond_init(&pool->returned, &attributes) == 0;
	pthread_condattr_destroy(&attributes);
	if (!ready) {
		free(pool->url);
		free(pool->idle);
		free(pool);
		return NULL;
	}
	pool->size = size;
	pool->wait_ms = wait_ms;
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
	free(pool->url);
	free(pool);
}

static struct timespec deadline_after(unsigned ms)
{
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += ms / 1000;
	at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	return at;
}

/* Opens a connection for a slot already counted in pool->open; called without the lock
 * because connecting can take seconds. */
static enum pool_result open_connection(struct pool *pool, struct db_conn **out)
{
	char error[256];
	struct db_conn *conn = db_connect(pool->url, error, sizeof error);
	pthread_mutex_lock(&pool->lock);
	if (conn) {
		pool->in_use++;
	} else {
		pool->open--;
		pool->connect_failures_total++;
		pthread_cond_signal(&pool->returned);
	}
	pthread_mutex_unlock(&pool->lock);
	if (!conn) {
		log_write(LOG_LEVEL_ERROR, "database connection failed",
			  json_pack("{s:s}", "reason", error));
		return POOL_UNAVAILABLE;
	}
	*out = conn;
	return POOL_OK;
}

enum pool_result pool_acquire(struct pool *pool, struct db_conn **out)
{
	*out = NULL;
	struct timespec deadline = deadline_after(pool->wait_ms);
	pthread_mutex_lock(&pool->lock);
	if (pool->idle_count == 0 && pool->open >= pool->size) {
		pool->waiting++;
		int waited = 0;
		while (pool->idle_count == 0 && pool->open >= pool->size && waited != ETIMEDOUT)
			waited = pthread_cond_timedwait(&pool->returned, &pool->lock, &deadline);
		pool->waiting--;
	}
	if (pool->idle_count > 0) {
		*out = pool->idle[--pool->idle_count];
		pool->in_use++;
		pthread_mutex_unlock(&pool->lock);
		return POOL_OK;
	}
	if (pool->open >= pool->size) {
		pool->exhausted_total++;
		pthread_mutex_unlock(&pool->lock);
		return POOL_EXHAUSTED;
	}
	pool->open++;
	pthread_mutex_unlock(&pool->lock);
	return open_connection(pool, out);
}

void pool_release(struct pool *pool, struct db_conn *conn)
{
	if (!conn)
		return;
	db_rollback(conn);
	bool reusable = db_is_idle(conn);
	if (!reusable)
		db_close(conn);
	pthread_mutex_lock(&pool->lock);
	pool->in_use--;
	if (reusable)
		pool->idle[pool->idle_count++] = conn;
	else
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
