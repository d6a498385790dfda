/* The connection pool under pressure: a bounded wait, then 503 with Retry-After. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

struct blocked_patch {
	const char *url;
	char path[128];
	const char *token;
	long status;
};

static void *send_patch(void *context)
{
	struct blocked_patch *patch = context;
	struct http_response *response =
		http_send(&(struct http_request){.method = "PATCH",
						 .path = patch->path,
						 .token = patch->token,
						 .base_url = patch->url,
						 .content_type = "application/json",
						 .body = "{\"name\":\"Waited for the lock\"}"});
	patch->status = response->status;
	http_response_free(response);
	return NULL;
}

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
	PGconn *db = test_db_connect();
	const char *params[] = {org};
	PQclear(PQexec(db, "BEGIN"));
	PQclear(PQexecParams(db, "SELECT id FROM organizations WHERE id = $1 FOR UPDATE", 1, NULL,
			     params, NULL, NULL, 0));
	struct blocked_patch patch = {.url = server.url, .token = admin};
	snprintf(patch.path, sizeof patch.path, "/v1/organizations/%s", org);
	pthread_t thread;
	pthread_create(&thread, NULL, send_patch, &patch);
	struct timespec pause = {.tv_nsec = 300 * 1000000L};
	nanosleep(&pause, NULL);

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

	PQclear(PQexec(db, "COMMIT"));
	pthread_join(thread, NULL);
	cr_assert_eq(patch.status, 200);
	struct http_response *after = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = server.url});
	cr_assert_eq(after->status, 200, "the pool serves again once the connection is back");

	struct http_response *metrics =
		http_send(&(struct http_request){.path = "/metrics", .base_url = server.url});
	cr_assert(strstr(metrics->body, "peerd_db_pool_exhausted_total 1"), "%s", metrics->body);
	cr_assert_eq(peerd_stop(&server), 0);
	free(retry);
	http_response_free(waiting);
	http_response_free(after);
	http_response_free(metrics);
	PQfinish(db);
	free(admin);
	free(org);
}
