/* SIGTERM: stop accepting, let requests in flight finish, exit 0. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	struct http_response *response =
		http_send(&(struct http_request){.method = "PATCH",
						 .path = patch->path,
						 .token = patch->token,
						 .base_url = patch->url,
						 .content_type = "application/json",
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
	http_response_free(
		http_send(&(struct http_request){.path = "/readyz", .base_url = server.url}));
	kill(server.pid, SIGINT);
	int status = 0;
	for (int waited = 0; waited < 1000 && waitpid(server.pid, &status, WNOHANG) == 0; waited++)
		sleep_ms(10);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	server.pid = 0;
}

static int connect_to(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&address, sizeof address), 0);
	return fd;
}

Test(shutdown, upload_in_progress_is_answered)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	char *admin = admin_token();
	static const char BODY[] =
		"{\"name\":\"Slow uploader\",\"kind\":\"partner\",\"state\":\"OR\"}";
	char head[2048];
	int head_length = snprintf(head, sizeof head,
				   "POST /v1/organizations HTTP/1.1\r\nHost: test\r\n"
				   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
				   "Content-Length: %zu\r\n\r\n",
				   admin, sizeof BODY - 1);
	int fd = connect_to(server.port);
	cr_assert_eq(write(fd, head, (size_t)head_length), head_length);
	cr_assert_eq(write(fd, BODY, 10), 10);
	sleep_ms(200);
	kill(server.pid, SIGTERM);
	sleep_ms(300);
	cr_assert_eq(write(fd, BODY + 10, sizeof BODY - 11), (ssize_t)(sizeof BODY - 11));
	char answer[4096] = "";
	size_t got = 0;
	for (ssize_t n;
	     got < sizeof answer - 1 && (n = read(fd, answer + got, sizeof answer - 1 - got)) > 0;)
		got += (size_t)n;
	answer[got] = '\0';
	cr_assert(strncmp(answer, "HTTP/1.1 201", 12) == 0, "the upload was answered: %s", answer);
	close(fd);
	cr_assert_eq(peerd_stop(&server), 0);
	free(admin);
}
