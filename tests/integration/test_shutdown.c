/* SIGTERM: stop accepting, let requests in flight finish, exit 0. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
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
