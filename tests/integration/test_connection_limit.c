/* PEERD_MAX_CONNECTIONS: past it, a new client waits in the listen backlog (neither
 * refused nor reset) and is served once a connection closes. */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "peerd_process.h"
#include "raw_http.h"

static const char HEALTH[] = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

/* A keep-alive connection that has had one answer, so the server holds it open. */
static int open_answered_connection(unsigned port)
{
	int fd = raw_connect(port, 0);
	cr_assert(fd >= 0);
	cr_assert(raw_send_all(fd, HEALTH, sizeof HEALTH - 1));
	char answer[4096];
	struct pollfd readable = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&readable, 1, 5000), 1, "the connection was served");
	ssize_t got = read(fd, answer, sizeof answer - 1);
	cr_assert(got > 12 && strncmp(answer, "HTTP/1.1 200", 12) == 0);
	return fd;
}

Test(connection_limit, a_client_past_the_limit_waits_and_is_served_when_one_closes)
{
	enum { LIMIT = 16 };
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_MAX_CONNECTIONS=16", NULL}));
	int held[LIMIT];
	for (int i = 0; i < LIMIT; i++)
		held[i] = open_answered_connection(server.port);

	int waiting = raw_connect(server.port, 0);
	cr_assert(waiting >= 0, "the kernel takes the connection into the backlog");
	cr_assert(raw_send_all(waiting, HEALTH, sizeof HEALTH - 1));
	struct pollfd readable = {.fd = waiting, .events = POLLIN};
	cr_assert_eq(poll(&readable, 1, 1000), 0,
		     "a client past the limit waits: no answer, no reset");

	close(held[0]);
	cr_assert_eq(poll(&readable, 1, 5000), 1, "it is served once a connection closes");
	char answer[4096];
	ssize_t got = read(waiting, answer, sizeof answer - 1);
	cr_assert(got > 12 && strncmp(answer, "HTTP/1.1 200", 12) == 0, "it got 200");
	close(waiting);
	for (int i = 1; i < LIMIT; i++)
		close(held[i]);
	cr_assert_eq(peerd_stop(&server), 0);
}
