#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "monotonic.h"
#include "strbuf.h"

/* Whose share of the pool a borrower counts against: its organization, or the role of a
 * caller without one (an admin with no org; "" without a token). */
#define SHARE_KEY_SIZE 40

/* A connection lent out, from the moment the borrower is let in (it may still be
 * connecting), and what cancels its statement from another thread (made by the borrower's
 * thread: after a reconnect inside the request it cancels nothing). */
struct loan {
	bool taken; /* false: a free entry */
	char share_key[SHARE_KEY_SIZE];
	struct db_conn *conn; /* NULL until the connection is there */
	PGcancel *cancel;
};

struct pool {
	char *url;
	char *role; /* NULL: the login role */
	enum db_pooling pooling;
	size_t size;
	size_t share; /* the most connections one share key holds at once */
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
	unsigned connect_streak; /* connects failed in a row; 0 once one succeeds */
	bool probing;		 /* during a streak, the one connect let through is under way */
	struct timespec last_connect_failure;
	enum pool_result last_connect_result; /* why it failed: given again while backing off */
};

/* After a failed connect, requests fail at once for a while instead of each waiting up
 * to connect_timeout on a database that is down, and then one connect at a time is tried:
 * workers stay free for /healthz. The wait starts short, because most outages are a
 * restart of a fraction of a second, and doubles with each failure in a row. */
#define FIRST_CONNECT_BACKOFF_MS 50
#define MAX_CONNECT_BACKOFF_MS	 1000
/* A connection returned this recently is handed out again without asking the socket. */
#define RECENTLY_RETURNED_MS	 1000

/* One organization holds at most three quarters of the connections (at least one), so
 * one that keeps many slow requests going leaves the others a quarter of the pool. */
static size_t share_of(size_t size)
{
	size_t share = size * 3 / 4;
	return share > 0 ? share : 1;
}

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
	pool->share = share_of(size);
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

unsigned pool_connect_backoff_ms(unsigned failures_in_a_row)
{
	unsigned ms = failures_in_a_row > 0 ? FIRST_CONNECT_BACKOFF_MS : 0;
	for (unsigned i = 1; i < failures_in_a_row && ms < MAX_CONNECT_BACKOFF_MS; i++)
		ms *= 2;
	return ms < MAX_CONNECT_BACKOFF_MS ? ms : MAX_CONNECT_BACKOFF_MS;
}

/* Whether a borrower that would open a connection must fail at once instead: the last
 * connect failed moments ago, or another borrower is already trying again. Otherwise a
 * borrower during a streak becomes the one that tries (*probe). Called with the lock held. */
static bool backing_off(struct pool *pool, bool *probe)
{
	*probe = false;
	if (pool->connect_streak == 0)
		return false;
	if (pool->probing || monotonic_ms_since(&pool->last_connect_failure) <
				     pool_connect_backoff_ms(pool->connect_streak))
		return true;
	pool->probing = *probe = true;
	return false;
}

/* Gives up a slot counted in pool->open whose connection could not be made. Connects
 * that were under way together when the database went away count as one failure, so the
 * streak grows with time down, not with load. Called with the lock held. */
static void record_connect_failure(struct pool *pool, bool probe, enum pool_result why)
{
	pool->open--;
	pool->connect_failures_total++;
	if (probe || pool->connect_streak == 0)
		pool->connect_streak++;
	if (probe)
		pool->probing = false;
	clock_gettime(CLOCK_MONOTONIC, &pool->last_connect_failure);
	pool->last_connect_result = why;
	pthread_cond_broadcast(&pool->returned);
}

static void record_connect_success(struct pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->connect_streak = 0;
	pool->probing = false;
	pthread_mutex_unlock(&pool->lock);
}

/* Ends a loan whose connection is back or gone. Called with the lock held. */
static void end_loan(struct pool *pool, size_t loan)
{
	pool->loans[loan] = (struct loan){0};
	pool->in_use--;
}

/* Opens a connection for a loan already counted in pool->open and in_use; called without
 * the lock because connecting can take seconds. */
static enum pool_result open_connection(struct pool *pool, size_t loan, bool probe,
					struct db_conn **out)
{
	char error[256];
	struct db_conn *conn =
		db_connect(pool->url, pool->role, pool->pooling, error, sizeof error);
	if (!conn) {
		enum pool_result why = db_connect_failed_on_role(error, pool->role)
					       ? POOL_NO_SCHEMA
					       : POOL_UNAVAILABLE;
		pthread_mutex_lock(&pool->lock);
		end_loan(pool, loan);
		record_connect_failure(pool, probe, why);
		pthread_mutex_unlock(&pool->lock);
		log_write(LOG_LEVEL_ERROR, "database connection failed",
			  json_pack("{s:s}", "reason", error));
		return why;
	}
	record_connect_success(pool);
	*out = conn;
	return POOL_OK;
}

/* Hands out an idle connection after making sure the server has not closed it (and
 * reconnecting if it did), unless it was returned moments ago: the check is a system
 * call, one of nine per request under load, and a connection lost since then is caught
 * all the same (a read is retried on a new one, BEGIN reconnects, anything else answers
 * 503). */
static enum pool_result reuse_connection(struct pool *pool, struct db_conn *conn, size_t loan,
					 struct db_conn **out)
{
	if (db_idle_ms(conn) < RECENTLY_RETURNED_MS || db_check_alive(conn)) {
		*out = conn;
		return POOL_OK;
	}
	db_close(conn);
	pthread_mutex_lock(&pool->lock);
	end_loan(pool, loan);
	record_connect_failure(pool, false, POOL_UNAVAILABLE);
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

static void share_key_of(const char *organization, const char *role, char out[SHARE_KEY_SIZE])
{
	text_copy(out, SHARE_KEY_SIZE,
		  organization && *organization ? organization : (role ? role : ""));
}

/* Connections lent to borrowers with this share key. Called with the lock held. */
static size_t held_by(const struct pool *pool, const char *share_key)
{
	size_t count = 0;
	for (size_t i = 0; i < pool->size; i++)
		count += pool->loans[i].taken && strcmp(pool->loans[i].share_key, share_key) == 0;
	return count;
}

/* Whether a borrower may have a connection now: one is idle or may still be opened, and its
 * share key holds less than its share. Called with the lock held. */
static bool may_borrow(const struct pool *pool, const char *share_key)
{
	return (pool->idle_count > 0 || pool->open < pool->size) &&
	       held_by(pool, share_key) < pool->share;
}

/* Takes a free loan entry (there is one when may_borrow said yes: fewer than size are
 * lent) and counts the connection in use. Called with the lock held. */
static size_t lend(struct pool *pool, const char *share_key)
{
	size_t loan = 0;
	while (pool->loans[loan].taken)
		loan++;
	pool->loans[loan] = (struct loan){.taken = true};
	text_copy(pool->loans[loan].share_key, SHARE_KEY_SIZE, share_key);
	pool->in_use++;
	return loan;
}

/* Whether the borrower may have a connection, waiting until the deadline for one to be
 * returned if need be. Called with the lock held. */
static bool wait_for_room(struct pool *pool, const char *share_key, const struct timespec *deadline)
{
	if (may_borrow(pool, share_key))
		return true;
	pool->waiting++;
	int waited = 0;
	while (!may_borrow(pool, share_key) && waited != ETIMEDOUT)
		waited = pthread_cond_timedwait(&pool->returned, &pool->lock, deadline);
	pool->waiting--;
	return may_borrow(pool, share_key);
}

static enum pool_result borrow(struct pool *pool, const char *organization, const char *role,
			       struct db_conn **out, size_t *loan)
{
	*out = NULL;
	char share_key[SHARE_KEY_SIZE];
	share_key_of(organization, role, share_key);
	struct timespec deadline = monotonic_after_ms(pool->wait_ms);
	pthread_mutex_lock(&pool->lock);
	if (!wait_for_room(pool, share_key, &deadline)) {
		pool->exhausted_total++;
		pthread_mutex_unlock(&pool->lock);
		return POOL_EXHAUSTED;
	}
	if (pool->idle_count > 0) {
		struct db_conn *conn = take_idle(pool, organization, role);
		*loan = lend(pool, share_key);
		pthread_mutex_unlock(&pool->lock);
		return reuse_connection(pool, conn, *loan, out);
	}
	bool probe = false;
	if (backing_off(pool, &probe)) {
		enum pool_result why = pool->last_connect_result;
		pthread_mutex_unlock(&pool->lock);
		return why;
	}
	pool->open++;
	*loan = lend(pool, share_key);
	pthread_mutex_unlock(&pool->lock);
	return open_connection(pool, *loan, probe, out);
}

enum pool_result pool_acquire(struct pool *pool, const char *organization, const char *role,
			      struct db_conn **out)
{
	size_t loan = 0;
	enum pool_result result = borrow(pool, organization, role, out, &loan);
	if (result != POOL_OK)
		return result;
	PGcancel *cancel = db_cancel_handle(*out);
	pthread_mutex_lock(&pool->lock);
	pool->loans[loan].conn = *out;
	pool->loans[loan].cancel = cancel;
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

/* The loan of a borrowed connection, or size when it has none. Called with the lock held. */
static size_t loan_of(const struct pool *pool, const struct db_conn *conn)
{
	size_t loan = 0;
	while (loan < pool->size && pool->loans[loan].conn != conn)
		loan++;
	return loan;
}

void pool_release(struct pool *pool, struct db_conn *conn)
{
	if (!conn)
		return;
	/* Nothing may cancel the rollback below; the loan itself counts until the end. */
	pthread_mutex_lock(&pool->lock);
	size_t loan = loan_of(pool, conn);
	PGcancel *cancel = loan < pool->size ? pool->loans[loan].cancel : NULL;
	if (cancel)
		pool->loans[loan].cancel = NULL;
	pthread_mutex_unlock(&pool->lock);
	PQfreeCancel(cancel);
	db_clear_guard(conn); /* its values belonged to the request */
	db_rollback(conn);
	bool reusable = db_is_idle(conn);
	if (!reusable)
		db_close(conn);
	pthread_mutex_lock(&pool->lock);
	if (loan < pool->size)
		end_loan(pool, loan);
	else
		pool->in_use--;
	if (reusable) {
		db_mark_idle(conn);
		pool->idle[pool->idle_count++] = conn;
	} else
		pool->open--;
	/* Every waiter looks again: the first to wake may be one its share still holds back. */
	pthread_cond_broadcast(&pool->returned);
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
