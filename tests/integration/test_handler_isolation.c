/* No request waits for another connection's handler. Handlers run on worker threads while
 * libmicrohttpd's threads only read and write, and /healthz and /metrics are answered on
 * those threads: with every worker waiting on a row lock, a load balancer's health check
 * still answers at once. (The old model gave each libmicrohttpd thread its connections to
 * serve one after another, so a check landing on a thread whose handler waited on a lock
 * waited with it, for seconds.) */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

#define WORKERS	      16
#define HEALTH_CHECKS 100
/* A lock waited for 3 s (peerd's lock_timeout): an answer under two seconds did not wait
 * for it, even on a loaded machine. */
#define NOT_QUEUED_MS 2000

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

struct timed_get {
	const char *base_url, *path;
	pthread_t thread;
	long status, ms;
};

static void *run_timed_get(void *context)
{
	struct timed_get *get = context;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	get->status = http_status(get->base_url, get->path, NULL);
	get->ms = elapsed_ms(&start);
	return NULL;
}

TestSuite(handler_isolation, .init = arena_open, .fini = arena_close);

/* A burst of new connections, as a load balancer's checks arrive beside the traffic: 16
 * requests that wait on a row lock and 100 /healthz at the same moment. */
Test(handler_isolation, health_checks_answer_while_every_worker_waits_on_a_lock, .timeout = 60)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_THREADS=16", NULL}));
	char *organization = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	PGconn *lock = row_lock_organization(organization);
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", organization);
	struct background_request waiting[WORKERS];
	struct timed_get checks[HEALTH_CHECKS];
	for (int i = 0; i < WORKERS; i++) {
		waiting[i] = (struct background_request){
			.request = {.method = "PATCH",
				    .path = path,
				    .token = admin,
				    .base_url = server.url,
				    .content_type = "application/json",
				    .body = "{\"name\":\"Written after waiting for a lock\"}"}};
		background_send(&waiting[i]);
	}
	for (int i = 0; i < HEALTH_CHECKS; i++) {
		checks[i] = (struct timed_get){.base_url = server.url,
					       .path = i % 10 ? "/healthz" : "/metrics"};
		cr_assert_eq(pthread_create(&checks[i].thread, NULL, run_timed_get, &checks[i]), 0);
	}
	long slowest = 0;
	for (int i = 0; i < HEALTH_CHECKS; i++) {
		pthread_join(checks[i].thread, NULL);
		cr_expect_eq(checks[i].status, 200, "%s", checks[i].path);
		slowest = checks[i].ms > slowest ? checks[i].ms : slowest;
	}
	row_lock_release(lock);
	for (int i = 0; i < WORKERS; i++) {
		struct http_response *answer = background_wait(&waiting[i]);
		cr_expect(answer->status == 200 || answer->status == 503, "PATCH got %ld",
			  answer->status);
		http_response_free(answer);
	}
	cr_expect_lt(slowest, NOT_QUEUED_MS,
		     "a /healthz or /metrics took %ld ms while handlers waited on a lock", slowest);
	cr_assert_eq(peerd_stop(&server), 0);
}
