/* SIGTERM: stop accepting, let requests in flight finish, exit 0. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "raw_http.h"

/* Waits up to ten seconds for server, signalled to stop, to exit, and asserts it exited 0. */
static void expect_exit_0(struct peerd_process *server)
{
	int status = 0;
	for (int waited = 0; waited < 1000 && waitpid(server->pid, &status, WNOHANG) == 0; waited++)
		sleep_ms(10);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	server->pid = 0;
}

TestSuite(shutdown, .init = arena_open, .fini = arena_close);

Test(shutdown, request_in_flight_finishes_then_exit_0)
{
	char *org = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));

	/* Hold the row so the PATCH waits inside peerd. */
	struct held_patch held;
	held_patch_start(&held, server.url, admin, org);

	kill(server.pid, SIGTERM);
	sleep_ms(300);
	cr_assert_not(port_accepts(server.port), "a stopping server accepts no new connections");
	struct http_response *answer = held_patch_release(&held);
	cr_assert_eq(answer->status, 200, "the request in flight was answered");
	char *connection = arena_text(http_header(answer, "Connection"));
	cr_assert_str_eq(connection, "close", "a draining server asks clients to go");

	expect_exit_0(&server);
}

Test(shutdown, sigint_also_stops_cleanly)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	http_response_free(
		http_send(&(struct http_request){.path = "/readyz", .base_url = server.url}));
	kill(server.pid, SIGINT);
	expect_exit_0(&server);
}

Test(shutdown, upload_in_progress_is_answered)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	char *admin = arena_text(admin_token());
	static const char BODY[] =
		"{\"name\":\"Slow uploader\",\"kind\":\"partner\",\"state\":\"OR\"}";
	char head[2048];
	int head_length = snprintf(head, sizeof head,
				   "POST /v1/organizations HTTP/1.1\r\nHost: test\r\n"
				   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
				   "Content-Length: %zu\r\n\r\n",
				   admin, sizeof BODY - 1);
	int fd = raw_connect(server.port, 0);
	cr_assert(fd >= 0);
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
}

/* A keep-alive client asking /healthz every 2 ms, reconnecting when the server closes,
 * until told to stop or nothing accepts: it keeps the I/O threads waking while the
 * server stops (not in a tight loop, which would starve the tests running beside it). */
struct busy_client {
	unsigned port;
	atomic_bool stop;
	pthread_t thread;
};

static void *ask_health_again_and_again(void *context)
{
	struct busy_client *client = context;
	static const char REQUEST[] = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
	char answer[4096];
	while (!atomic_load(&client->stop)) {
		int fd = raw_connect(client->port, 0);
		if (fd < 0)
			break;
		while (!atomic_load(&client->stop) &&
		       raw_send_all(fd, REQUEST, sizeof REQUEST - 1)) {
			struct pollfd readable = {.fd = fd, .events = POLLIN};
			if (poll(&readable, 1, 2000) != 1 || read(fd, answer, sizeof answer) <= 0)
				break;
			sleep_ms(2);
		}
		close(fd);
	}
	return NULL;
}

/* libmicrohttpd 0.9.75 aborted now and then while it stopped accepting ("Failed to remove
 * listen FD from epoll set"), cutting every request in flight: a stop must never abort. */
Test(shutdown, every_stop_under_load_exits_0_with_requests_answered)
{
	char *org = create_organization("provider");
	char *admin = admin_token();
	enum { ROUNDS = 30, CLIENTS = 4 };
	for (int round = 0; round < ROUNDS; round++) {
		struct peerd_process server;
		cr_assert(peerd_start(&server, NULL));
		struct busy_client clients[CLIENTS];
		for (int i = 0; i < CLIENTS; i++) {
			clients[i].port = server.port;
			atomic_init(&clients[i].stop, false);
			pthread_create(&clients[i].thread, NULL, ask_health_again_and_again,
				       &clients[i]);
		}
		struct held_patch held;
		held_patch_start(&held, server.url, admin, org);

		kill(server.pid, SIGTERM);
		sleep_ms(100);
		struct http_response *answer = held_patch_try_release(&held);
		for (int i = 0; i < CLIENTS; i++) {
			atomic_store(&clients[i].stop, true);
			pthread_join(clients[i].thread, NULL);
		}
		int stopped = peerd_stop(&server);
		cr_assert(answer, "round %d: the request in flight got no answer (%s)", round,
			  held.background.error);
		long status = answer->status;
		http_response_free(answer);
		cr_assert_eq(status, 200, "round %d: the request in flight was answered", round);
		cr_assert_eq(stopped, 0, "round %d: peerd stopped cleanly", round);
	}
	free(admin);
	free(org);
}
