/* What peerd reads of a request before it trusts it. A body is taken in only after the
 * token and the route's role have been checked, so an anonymous client cannot make peerd
 * buffer megabytes (nor get a "100 Continue" to send them). And framing that a proxy in
 * front could read otherwise than peerd (RFC 9112 §6: request smuggling) is refused with
 * 400, and the connection closed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "raw_http.h"
#include "world.h"

/* A refusal must come at once: peerd does not wait for a body it will not read. */
#define PROMPT_MS 2000

/* The head of a POST to path declaring a body of length bytes, with the extra header lines
 * given (each ending in \r\n). The caller frees it. */
static char *post_head(const char *path, const char *token, unsigned long length, const char *extra)
{
	char *head = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&head, &size);
	fprintf(out, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n",
		path);
	if (token)
		fprintf(out, "Authorization: Bearer %s\r\n", token);
	fprintf(out, "Content-Length: %lu\r\n%s\r\n", length, extra ? extra : "");
	fclose(out);
	return head;
}

/* Sends head alone and reads what comes back within PROMPT_MS. */
static struct raw_answer answer_to_head(const char *head)
{
	return raw_exchange(http_base_port(), head, strlen(head), PROMPT_MS);
}

/* Sends the head of a POST /v1/referrals declaring length bytes as token (or none), with
 * the extra header lines, and asserts peerd answers status at once, without asking for the
 * body (100 Continue), and closes the connection with the body still due. */
static void expect_refused_before_body(const char *token, unsigned long length, const char *extra,
				       long status)
{
	char *head = arena_text(post_head("/v1/referrals", token, length, extra));
	struct raw_answer answer = answer_to_head(head);
	cr_assert(answer.response, "no answer within %d ms: peerd waited for the body", PROMPT_MS);
	cr_assert_eq(answer.response->status, status, "got %ld: %s", answer.response->status,
		     answer.response->body);
	cr_assert_not(answer.continued, "peerd asked for the body (100 Continue) first");
	cr_assert(answer.closed, "the connection stayed open with a body still due");
	raw_answer_free(&answer);
}

#define EXPECT_CONTINUE "Expect: 100-continue\r\n"

TestSuite(http_framing, .init = arena_open, .fini = arena_close);

Test(http_framing, a_body_without_a_token_is_refused_before_it_is_read)
{
	expect_refused_before_body(NULL, 1048576, EXPECT_CONTINUE, 401);
	/* Without Expect the client sends at once; peerd answers without waiting for it all. */
	expect_refused_before_body(NULL, 1048576, NULL, 401);
}

Test(http_framing, a_body_for_a_role_the_route_refuses_is_not_read)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	expect_refused_before_body(world.reporter.token, 1048576, EXPECT_CONTINUE, 403);
}

Test(http_framing, a_declared_body_over_the_limit_is_refused_at_once)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	expect_refused_before_body(world.partner.token, 64UL * 1024 * 1024, NULL, 413);
}

Test(http_framing, a_caller_the_route_admits_is_asked_for_the_body)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *head =
		arena_text(post_head("/v1/referrals", world.partner.token, 2, EXPECT_CONTINUE));
	int fd = raw_connect(http_base_port(), 0);
	cr_assert(fd >= 0);
	cr_assert(raw_send_all(fd, head, strlen(head)));
	struct raw_answer asked = raw_read_answer(fd, 500);
	cr_assert(asked.continued, "no 100 Continue for a caller the route admits");
	cr_assert_null(asked.response);
	cr_assert(raw_send_all(fd, "{}", 2));
	struct raw_answer answer = raw_read_answer(fd, PROMPT_MS);
	close(fd);
	cr_assert(answer.response);
	cr_assert_eq(answer.response->status, 422, "the body was read and validated");
	raw_answer_free(&answer);
}

struct framing_case {
	const char *what;
	const char *request;
	long status;
};

/* Each is a request a proxy and peerd could split differently. */
static const struct framing_case FRAMING_CASES[] = {
	{"Content-Length with Transfer-Encoding",
	 "POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	 "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	 400},
	{"two different Content-Lengths",
	 "POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	 "Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}",
	 400},
	{"the same Content-Length twice",
	 "POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	 "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
	 400},
	{"two Host headers",
	 "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: internal.example\r\n\r\n", 400},
	{"a bare CR in a header value",
	 "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\rTransfer-Encoding: chunked\r\n"
	 "\r\n",
	 400},
	{"a transfer coding other than chunked",
	 "POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	 "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	 501},
	{"Transfer-Encoding twice",
	 "POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	 501},
};

Test(http_framing, ambiguous_framing_is_refused_and_the_connection_closed)
{
	for (size_t i = 0; i < sizeof FRAMING_CASES / sizeof FRAMING_CASES[0]; i++) {
		const struct framing_case *c = &FRAMING_CASES[i];
		struct raw_answer answer = answer_to_head(c->request);
		cr_assert(answer.response, "%s: no answer", c->what);
		cr_expect_eq(answer.response->status, c->status, "%s: got %ld: %s", c->what,
			     answer.response->status, answer.response->body);
		cr_expect(answer.closed, "%s: the connection was kept open", c->what);
		raw_answer_free(&answer);
	}
}

/* VmRSS of process, in KiB. */
static long resident_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *status = fopen(path, "r");
	cr_assert(status);
	long kib = -1;
	while (fgets(line, sizeof line, status))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(status);
	return kib;
}

#define FLOOD_CONNECTIONS   200
#define FLOOD_BODY_BYTES    (1024 * 1024)
/* What a flood of anonymous uploads may add to peerd's memory, during and after. */
#define FLOOD_ALLOWANCE_KIB (64 * 1024)

Test(http_framing, a_flood_of_anonymous_uploads_leaves_memory_where_it_was, .timeout = 120)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	long before = resident_kib(server.pid);
	char *head = post_head("/v1/referrals", NULL, FLOOD_BODY_BYTES, NULL);
	char *body = malloc(FLOOD_BODY_BYTES);
	memset(body, ' ', FLOOD_BODY_BYTES);
	int fds[FLOOD_CONNECTIONS];
	for (int i = 0; i < FLOOD_CONNECTIONS; i++) {
		fds[i] = raw_connect(server.port, 0);
		cr_assert(fds[i] >= 0);
		raw_send_all(fds[i], head, strlen(head));
		/* Refused already, peerd takes little of it: the send stops at the reset. */
		raw_send_all(fds[i], body, FLOOD_BODY_BYTES);
	}
	long during = resident_kib(server.pid);
	for (int i = 0; i < FLOOD_CONNECTIONS; i++)
		close(fds[i]);
	usleep(500 * 1000);
	long after = resident_kib(server.pid);
	cr_expect_lt(during - before, FLOOD_ALLOWANCE_KIB, "RSS %ld KiB before, %ld during", before,
		     during);
	cr_expect_lt(after - before, FLOOD_ALLOWANCE_KIB, "RSS %ld KiB before, %ld after", before,
		     after);
	free(body);
	free(head);
	cr_assert_eq(peerd_stop(&server), 0);
}
