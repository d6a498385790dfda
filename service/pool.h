/* A fixed-size pool of database connections shared by the HTTP worker threads. A request
 * borrows one connection, waits a bounded time when all are busy, and gives it back.
 * Connections are opened lazily, so peerd starts (and answers /healthz) while the database
 * is still down. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct db_conn;
struct pool;

enum pool_result {
	POOL_OK,
	POOL_EXHAUSTED,	  /* every connection, or the borrower's share, stayed busy for the wait */
	POOL_UNAVAILABLE, /* no connection could be opened */
	/* None could be opened because the role peerd works as is missing or not granted, as
	 * before `peerd migrate` first ran (db_connect_failed_on_role) */
	POOL_NO_SCHEMA,
};

struct pool_stats {
	size_t size;				   /* the most connections the pool opens */
	size_t open;				   /* connections open now */
	size_t in_use;				   /* borrowed now */
	size_t waiting;				   /* requests waiting for a connection now */
	unsigned long long exhausted_total;	   /* waits that timed out */
	unsigned long long connect_failures_total; /* failed attempts to connect */
};

/* Creates a pool of at most size connections to url, each working as role (NULL: the
 * login role); a borrower waits at most wait_ms. One organization holds at most three
 * quarters of the connections at once (at least one). Returns NULL when out of memory. Free
 * with pool_destroy after all borrowers are done. */
struct pool *pool_create(const char *url, const char *role, enum db_pooling pooling, size_t size,
			 unsigned wait_ms);

void pool_destroy(struct pool *pool);

/* Borrows a connection into *out; give it back with pool_release. One whose session
 * already works in the scope organization and role name (db_set_scope) is preferred;
 * organization NULL: any. The borrower counts against the share of its organization, or
 * without one ("" or NULL) of its role: while that share is lent out it waits as for a
 * busy pool, and gets POOL_EXHAUSTED after the wait. */
MUST_CHECK enum pool_result pool_acquire(struct pool *pool, const char *organization,
					 const char *role, struct db_conn **out);

/* Cancels the statement each borrowed connection is running, from another thread: its
 * request ends with 503 instead of keeping a stopping server waiting. */
void pool_cancel_borrowed(struct pool *pool);

/* Gives a connection back. One left inside a transaction is rolled back; a broken one is
 * closed so the next borrower opens a fresh one. */
void pool_release(struct pool *pool, struct db_conn *conn);

struct pool_stats pool_get_stats(struct pool *pool);

/* How long borrowers that would open a connection fail at once after this many failed
 * connects in a row: 0 for none, then 50 ms, doubling up to a second. */
unsigned pool_connect_backoff_ms(unsigned failures_in_a_row);
