/* The connection pool under pressure: a bounded wait, then 503 with Retry-After. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

static double seconds_between(const struct timespec *start, const struct timespec *end)
{
	return (double)(end->tv_sec - start->tv_sec) +
	       (double)(end->tv_nsec - start->tv_nsec) / 1e9;
}

Test(pool, exhausted_pool_answers_503_after_a_bounded_wait)
{
	char *org = create_organization("provider");
	char *admin = admin_token();
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_DB_POOL_SIZE=1", NULL}));

	/* The only connection is held by a PATCH waiting on a row this test locks. */
	struct held_patch held;
	held_patch_start(&held, server.url, admin, org);

	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct http_response *waiting = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = server.url});
	clock_gettime(CLOCK_MONOTONIC, &end);
	cr_expect_eq(waiting->status, 503, "%s", waiting->body);
	char *retry = http_header(waiting, "Retry-After");
	cr_expect(retry, "Retry-After is sent");
	double waited = seconds_between(&start, &end);
	cr_expect(waited >= 1.5 && waited < 4.0, "waited %.2f s for a connection", waited);

	struct http_response *patched = held_patch_release(&held);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	http_response_free(patched);
	struct http_response *after = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = server.url});
	cr_assert_eq(after->status, 200, "the pool serves again once the connection is back");

	struct http_response *metrics =
		http_send(&(struct http_request){.path = "/metrics", .base_url = server.url});
	cr_assert(strstr(metrics->body, "peerd_db_pool_exhausted_total{pool=\"primary\"} 1"), "%s",
		  metrics->body);
	cr_assert_eq(peerd_stop(&server), 0);
	free(retry);
	http_response_free(waiting);
	http_response_free(after);
	http_response_free(metrics);
	free(admin);
	free(org);
}
