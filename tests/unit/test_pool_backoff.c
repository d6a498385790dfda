/* The pool's answer to a database it cannot reach: fail at once for a short while that
 * grows with each failure in a row, and try one connect at a time. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "fixtures.h"
#include "pool.h"

/* A socket directory that does not exist: every connect fails at once. */
#define UNREACHABLE "postgresql:///peerd?host=/nonexistent-peerd-socket-dir"

struct backoff_case {
	unsigned failures_in_a_row;
	unsigned expected_ms;
};

Test(pool_backoff, starts_short_and_doubles_up_to_a_second)
{
	static const struct backoff_case cases[] = {
		{0, 0},	  {1, 50},   {2, 100},	{3, 200},   {4, 400},
		{5, 800}, {6, 1000}, {7, 1000}, {40, 1000}, {4000000000u, 1000},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(pool_connect_backoff_ms(cases[i].failures_in_a_row),
			     cases[i].expected_ms, "%u failures", cases[i].failures_in_a_row);
}

static unsigned long long attempts(struct pool *pool)
{
	return pool_get_stats(pool).connect_failures_total;
}

static enum pool_result try_acquire(struct pool *pool)
{
	struct db_conn *conn = NULL;
	enum pool_result result = pool_acquire(pool, NULL, NULL, &conn);
	cr_assert_null(conn);
	return result;
}

Test(pool_backoff, a_failed_connect_refuses_at_once_until_its_backoff_ends)
{
	struct pool *pool = pool_create(UNREACHABLE, NULL, DB_POOLING_SESSION, 4, 100);
	cr_assert(pool);
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE);
	cr_expect_eq(attempts(pool), 1);
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE, "refused within the first 50 ms");
	cr_expect_eq(attempts(pool), 1, "without trying to connect");
	sleep_ms(60);
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE);
	cr_expect_eq(attempts(pool), 2, "tried again once 50 ms had passed");
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE);
	cr_expect_eq(attempts(pool), 2);
	sleep_ms(110);
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE);
	cr_expect_eq(attempts(pool), 3, "the second wait was 100 ms");
	pool_destroy(pool);
}

static void *acquire_once(void *pool)
{
	struct db_conn *conn = NULL;
	enum pool_result result = pool_acquire(pool, NULL, NULL, &conn);
	cr_expect_eq(result, POOL_UNAVAILABLE);
	return NULL;
}

Test(pool_backoff, borrowers_arriving_together_try_one_connect)
{
	enum { BORROWERS = 8 };
	struct pool *pool = pool_create(UNREACHABLE, NULL, DB_POOLING_SESSION, BORROWERS, 100);
	cr_assert(pool);
	cr_expect_eq(try_acquire(pool), POOL_UNAVAILABLE);
	sleep_ms(60);
	pthread_t threads[BORROWERS];
	for (size_t i = 0; i < BORROWERS; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, acquire_once, pool), 0);
	for (size_t i = 0; i < BORROWERS; i++)
		pthread_join(threads[i], NULL);
	cr_expect_eq(attempts(pool), 2, "one connect for the eight, not eight");
	pool_destroy(pool);
}
