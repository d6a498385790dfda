/* SIGTERM: stop accepting, let requests in flight finish, exit 0. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

struct slow_patch {
	const char *url;
	const char *path;
	const char *token;
	long status;
	char *connection;
};

static void *send_patch(void *context)
{
	struct slow_patch *patch = context;
	struct http_response *response = http_send(&(struct http_request){
		.method = "PATCH", .path = patch->path, .token = patch->token,
		.base_url = patch->url, .content_type = "application/json",
		.body = "{\"name\":\"Renamed during shutdown\"}"});
	patch->status = response->status;
	patch->connection = http_header(response, "Connection");
	http_response_free(response);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}

Test(shutdown, request_in_flight_finishes_then_exit_0)
{
	char *org = create_organization("provider");
	char *admin = admin_token();
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));

	/* Hold the row so the PATCH waits inside peerd. */
	PGconn *db = test_db_connect();
	const char *params[] = {org};
	PQclear(PQexec(db, "BEGIN"));
	PGresult *locked = PQexecParams(db, "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
					1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(locked), PGRES_TUPLES_OK);
	PQclear(locked);

	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", org);
	struct slow_patch patch = {.url = server.url, .path = path, .token = admin};
	pthread_t thread;
	pthread_create(&thread, NULL, send_patch, &patch);
	sleep_ms(400);

	kill(server.pid, SIGTERM);
	sleep_ms(300);
	cr_assert_not(port_accepts(server.port), "a stopping server accepts no new connections");
	PQclear(PQexec(db, "COMMIT"));
	pthread_join(thread, NULL);
	cr_assert_eq(patch.status, 200, "the request in flight was answered");
	cr_assert_str_eq(patch.connection, "close", "a draining server asks clients to go");

	int status = 0;
	for (int waited = 0; waited < 1000 && waitpid(server.pid, &status, WNOHANG) == 0; waited++)
		sleep_ms(10);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	server.pid = 0;
	PQfinish(db);
	free(patch.connection);
	free(admin);
	free(org);
}

Test(shutdown, sigint_also_stops_cleanly)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	http_response_free(http_send(&(struct http_request){.path = "/readyz", .base_url = server.url}));
	kill(server.pid, SIGINT);
	int status = 0;
	for (int waited = 0; waited < 1000 && waitpid(server.pid, &status, WNOHANG) == 0; waited++)
		sleep_ms(10);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	server.pid = 0;
}
