/* The connection pool under pressure: a bounded wait, then 503 with Retry-After. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

/* GET /v1/organizations from the server at url as token; *seconds is how long it took. */
static struct http_response *timed_list(const char *url, const char *token, double *seconds)
{
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct http_response *response = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = token, .base_url = url});
	clock_gettime(CLOCK_MONOTONIC, &end);
	*seconds =
		(double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	return response;
}

TestSuite(pool, .init = arena_open, .fini = arena_close);

Test(pool, exhausted_pool_answers_503_after_a_bounded_wait)
{
	char *org = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_DB_POOL_SIZE=1", NULL}));

	/* The only connection is held by a PATCH waiting on a row this test locks. */
	struct held_patch held;
	held_patch_start(&held, server.url, admin, org);

	double waited;
	struct http_response *waiting = timed_list(server.url, admin, &waited);
	cr_expect_eq(waiting->status, 503, "%s", waiting->body);
	char *retry = arena_text(http_header(waiting, "Retry-After"));
	cr_expect(retry, "Retry-After is sent");
	cr_expect(waited >= 1.5 && waited < 4.0, "waited %.2f s for a connection", waited);

	struct http_response *patched = held_patch_release(&held);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	struct http_response *after = timed_list(server.url, admin, &waited);
	cr_assert_eq(after->status, 200, "the pool serves again once the connection is back");

	struct http_response *metrics =
		http_send(&(struct http_request){.path = "/metrics", .base_url = server.url});
	cr_assert(strstr(metrics->body, "peerd_db_pool_exhausted_total{pool=\"primary\"} 1"), "%s",
		  metrics->body);
	cr_assert_eq(peerd_stop(&server), 0);
}

/* One organization holds at most three quarters of the pool (at least one connection), an
 * admin without org counting as an organization of its own: past that it waits, and gets
 * 503, while everyone else still finds a connection. BUG (issue 20, finding 1): one caller
 * could take every connection. */
Test(pool, one_organization_holds_at_most_its_share)
{
	char *org = create_organization("provider"), *other = create_organization("provider");
	char *admin = admin_token(), *supervisor = token_for("supervisor", other);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_DB_POOL_SIZE=2", NULL}));

	/* Of two connections the admin holds one, its share, with a PATCH waiting on a row. */
	struct held_patch held;
	held_patch_start(&held, server.url, admin, org);

	double took, waited;
	struct http_response *others = timed_list(server.url, supervisor, &took);
	cr_expect_eq(others->status, 200, "%.300s", others->body);
	cr_expect_lt(took, 1.0, "another organization waited %.2f s", took);

	struct http_response *waiting = timed_list(server.url, admin, &waited);
	cr_expect_eq(waiting->status, 503, "%.300s", waiting->body);
	cr_expect(waited >= 1.5 && waited < 4.0, "waited %.2f s for a connection", waited);

	struct http_response *patched = held_patch_release(&held);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	struct http_response *after = timed_list(server.url, admin, &waited);
	cr_assert_eq(after->status, 200, "the share is free again once its connection is back");
	cr_assert_eq(peerd_stop(&server), 0);
	free(supervisor);
	free(admin);
	free(other);
	free(org);
}
