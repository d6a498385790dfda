/* Slow clients (slowloris): a request must be received whole, body included, within
 * PEERD_CONNECTION_TIMEOUT_SECONDS of the connection's start (or of the previous response),
 * else peerd closes the connection, with a 408 when the request had begun. Meanwhile the
 * only worker thread keeps answering everyone else. A request received in time is not cut
 * by that deadline, however long its handler or its reader takes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "own_server.h"
#include "peerd_process.h"
#include "raw_http.h"

/* PEERD_CONNECTION_TIMEOUT_SECONDS of the servers below. */
#define TIMEOUT_SECONDS	      2.0
#define TIMEOUT_SETTING	      "PEERD_CONNECTION_TIMEOUT_SECONDS=2"
/* How long after connecting a slow client may still be connected. */
#define CLOSED_WITHIN_SECONDS (TIMEOUT_SECONDS + 2.0)
/* A client still connected this long is not going to be cut off. */
#define GIVE_UP_SECONDS	      12.0
/* The longest a normal request may take while a slow client is connected. */
#define PROMPT_SECONDS	      1.0

static double now_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* A TCP connection to 127.0.0.1:port, with a receive buffer of receive_buffer bytes when
 * that is not 0. */
static int connect_to(unsigned port, int receive_buffer)
{
	int fd = raw_connect(port, receive_buffer);
	cr_assert(fd >= 0, "cannot connect to port %u", port);
	return fd;
}

/* A slow client sends at_once bytes of script when it connects, then the rest one byte a
 * second when it trickles, or nothing more when it stalls. */
struct slow_client {
	const char *script;
	size_t at_once;
	bool trickles;
};

struct observation {
	double connected_seconds; /* from connecting until peerd closed the connection */
	double slowest_seconds;	  /* the slowest normal request meanwhile */
	char answer[4096];	  /* what peerd sent the slow client */
};

/* Sends GET path with token and returns how long the 200 took. */
static double timed_get(const struct peerd_process *server, const char *path, const char *token)
{
	double start = now_seconds();
	struct http_response *response = http_send(
		&(struct http_request){.path = path, .token = token, .base_url = server->url});
	double took = now_seconds() - start;
	cr_expect_eq(response->status, 200, "%s: %s", path, response->body);
	return took;
}

/* Reads what peerd sent into seen->answer; false once peerd closed the connection. */
static bool read_answer(int fd, struct observation *seen, size_t *got)
{
	char chunk[1024];
	ssize_t read = recv(fd, chunk, sizeof chunk, 0);
	if (read <= 0)
		return false;
	size_t room = sizeof seen->answer - 1 - *got;
	size_t kept = (size_t)read < room ? (size_t)read : room;
	memcpy(seen->answer + *got, chunk, kept);
	*got += kept;
	seen->answer[*got] = '\0';
	return true;
}

/* Runs client against server and, once a second while it is connected, a GET /healthz and
 * an authenticated GET /v1 from another client. */
static void watch(const struct peerd_process *server, const struct slow_client *client,
		  struct observation *seen)
{
	char *admin = arena_text(admin_token());
	memset(seen, 0, sizeof *seen);
	/* The first /v1 request opens a database connection; the measure starts after it. */
	timed_get(server, "/v1/organizations?limit=1", admin);
	size_t length = strlen(client->script), sent = client->at_once, got = 0;
	int fd = connect_to(server->port, 0);
	double connected = now_seconds();
	cr_assert_eq(send(fd, client->script, sent, MSG_NOSIGNAL), (ssize_t)sent);
	double next_byte = connected + 1.0, next_probe = connected + 0.5;
	bool open = true;
	while (open && now_seconds() - connected < GIVE_UP_SECONDS) {
		bool trickling = client->trickles && sent < length;
		double next = trickling && next_byte < next_probe ? next_byte : next_probe;
		double wait = next - now_seconds();
		struct pollfd readable = {.fd = fd, .events = POLLIN};
		if (poll(&readable, 1, wait > 0 ? (int)(wait * 1000) + 1 : 0) > 0) {
			open = read_answer(fd, seen, &got);
			continue;
		}
		double now = now_seconds();
		if (trickling && now >= next_byte) {
			open = send(fd, client->script + sent, 1, MSG_NOSIGNAL) == 1;
			sent++;
			next_byte += 1.0;
		}
		if (now >= next_probe) {
			double healthz = timed_get(server, "/healthz", NULL);
			double list = timed_get(server, "/v1/organizations?limit=1", admin);
			double slowest = healthz > list ? healthz : list;
			if (slowest > seen->slowest_seconds)
				seen->slowest_seconds = slowest;
			next_probe += 1.0;
		}
	}
	seen->connected_seconds = now_seconds() - connected;
	close(fd);
}

static void start_slow_server(struct peerd_process *server)
{
	cr_assert(peerd_start(server,
			      (const char *const[]){TIMEOUT_SETTING, "PEERD_THREADS=1", NULL}));
}

/* Runs client against a server of its own, with one worker thread, and asserts that peerd
 * cut the client off in time and kept answering others meanwhile. */
static void expect_cut_off(const struct slow_client *client, struct observation *seen)
{
	struct peerd_process server;
	start_slow_server(&server);
	watch(&server, client, seen);
	cr_assert_eq(peerd_stop(&server), 0);
	cr_expect(seen->connected_seconds <= CLOSED_WITHIN_SECONDS,
		  "the slow client stayed connected %.2f s", seen->connected_seconds);
	cr_expect(seen->slowest_seconds > 0, "normal requests were sent meanwhile");
	cr_expect(seen->slowest_seconds < PROMPT_SECONDS,
		  "a normal request took %.3f s while a slow client was connected",
		  seen->slowest_seconds);
}

static void assert_timed_out(const struct observation *seen)
{
	cr_expect(strncmp(seen->answer, "HTTP/1.1 408 ", 13) == 0, "the answer: %s", seen->answer);
	cr_expect(strstr(seen->answer, "Content-Type: application/problem+json"), "%s",
		  seen->answer);
	cr_expect(strstr(seen->answer, "\"status\":408"), "%s", seen->answer);
}

TestSuite(slow_clients, .init = arena_open, .fini = arena_close);

Test(slow_clients, request_line_one_byte_a_second_is_cut_off)
{
	struct observation seen;
	expect_cut_off(&(struct slow_client){.script = "GET /v1/organizations HTTP/1.1\r\n"
						       "Host: peerd\r\n\r\n",
					     .trickles = true},
		       &seen);
}

Test(slow_clients, headers_one_byte_a_second_are_cut_off_with_408)
{
	static const char LINE[] = "GET /v1/organizations HTTP/1.1\r\n";
	struct observation seen;
	expect_cut_off(&(struct slow_client){.script = "GET /v1/organizations HTTP/1.1\r\n"
						       "Host: peerd\r\nAuthorization: Bearer x\r\n"
						       "Accept: */*\r\n\r\n",
					     .at_once = sizeof LINE - 1,
					     .trickles = true},
		       &seen);
	assert_timed_out(&seen);
}

Test(slow_clients, body_one_byte_a_second_is_cut_off_and_creates_nothing)
{
	char *admin = arena_text(admin_token());
	char name[96], body[256], script[2048];
	unique_name("Slow upload", name, sizeof name);
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"kind\":\"partner\",\"state\":\"OR\"}",
		 name);
	int head = snprintf(script, sizeof script,
			    "POST /v1/organizations HTTP/1.1\r\nHost: peerd\r\n"
			    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n",
			    admin, strlen(body));
	snprintf(script + head, sizeof script - (size_t)head, "%s", body);
	struct observation seen;
	expect_cut_off(
		&(struct slow_client){.script = script, .at_once = (size_t)head, .trickles = true},
		&seen);
	assert_timed_out(&seen);
	char *count = arena_text(test_sql_text("SELECT count(*) FROM organizations WHERE name = $1",
					       1, (const char *const[]){name}));
	cr_expect_str_eq(count, "0", "the organization of the cut-off upload was not created");
}

Test(slow_clients, silent_connection_is_cut_off)
{
	struct observation seen;
	expect_cut_off(&(struct slow_client){.script = ""}, &seen);
	cr_expect_str_eq(seen.answer, "", "nothing is answered to a client that asked nothing");
}

Test(slow_clients, stalled_request_is_cut_off_with_408)
{
	static const char PART[] = "POST /v1/organizations HTTP/1.1\r\nHost: peerd\r\nContent-Le";
	struct observation seen;
	expect_cut_off(&(struct slow_client){.script = PART, .at_once = sizeof PART - 1}, &seen);
	assert_timed_out(&seen);
}

/* The deadline covers receiving only: a handler that waits longer than it is answered. */
Test(slow_clients, received_request_may_take_longer_than_the_timeout)
{
	char *org = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	struct peerd_process server;
	cr_assert(peerd_start(&server,
			      (const char *const[]){"PEERD_CONNECTION_TIMEOUT_SECONDS=1", NULL}));
	struct held_patch held;
	held_patch_start(&held, server.url, admin, org);
	/* With the 400 ms of held_patch_start, past the timeout and the second more a cut
	 * connection is given before both its sides are shut; rows are waited for 3 s. */
	sleep_ms(2100);
	struct http_response *answer = held_patch_release(&held);
	cr_expect_eq(answer->status, 200, "%s", answer->body);
	cr_assert_eq(peerd_stop(&server), 0);
}

/* Decodes the chunked body that follows the head at the start of data (size bytes and a
 * NUL), in place. Returns its length, or 0 when it is cut short. */
static size_t dechunk(char *data, size_t size)
{
	char *in = memmem(data, size, "\r\n\r\n", 4), *end = data + size, *out = data;
	for (in = in ? in + 4 : end; in < end;) {
		char *after;
		size_t length = strtoul(in, &after, 16);
		if (after + 2 > end || memcmp(after, "\r\n", 2) != 0)
			return 0;
		if (length == 0)
			return after + 4 == end ? (size_t)(out - data) : 0;
		if (after + 2 + length + 2 > end)
			return 0;
		memmove(out, after + 2, length);
		out += length;
		in = after + 2 + length + 2;
	}
	return 0;
}

/* POSTs body (JSON) to url's path as token and returns the new resource's id. */
static char *created_id(const char *url, const char *path, const char *token, const char *body)
{
	struct http_response *created =
		http_send(&(struct http_request){.method = "POST",
						 .path = path,
						 .token = token,
						 .content_type = "application/json",
						 .body = body,
						 .base_url = url});
	cr_assert_eq(created->status, 201, "%s: %s", path, created->body);
	char *id = strdup(http_string(created, "id"));
	return id;
}

/* Nor does it cut a response being written: an export of 50,000 notes (16 MB, four times
 * what the socket buffers hold here) read at 2.6 MB/s at most keeps peerd writing for
 * seconds past the timeout. (Read much slower, and libmicrohttpd's idle timeout may
 * strike: the kernel reports a full socket writable only once a third of it drained.) The
 * notes go to a database of the test's own, where they slow no other test down. */
Test(slow_clients, slow_reader_gets_the_whole_export)
{
	enum { NOTES = 50000, READ_BYTES = 64 * 1024, READ_EVERY_MS = 25 };
	struct own_server own;
	own_server_start(&own, true,
			 (const char *const[]){TIMEOUT_SETTING, "PEERD_THREADS=1", NULL});
	char *admin = arena_text(admin_token());
	char *org =
		created_id(own.process.url, "/v1/organizations", admin,
			   "{\"name\":\"Export provider\",\"kind\":\"provider\",\"state\":\"OR\"}");
	char *supervisor = token_for("supervisor", org), *reporter = token_for("reporter", org);
	char *participant = created_id(own.process.url, "/v1/participants", supervisor,
				       "{\"given_name\":\"Sam\",\"family_name\":\"Reed\"}");
	char specialist_body[256], count[16];
	snprintf(specialist_body, sizeof specialist_body,
		 "{\"organization_id\":\"%s\",\"subject\":\"reader\",\"given_name\":\"Ada\","
		 "\"family_name\":\"Reader\",\"kind\":\"peer\"}",
		 org);
	char *specialist = created_id(own.process.url, "/v1/specialists", admin, specialist_body);
	snprintf(count, sizeof count, "%d", NOTES);
	PGconn *db = PQconnectdb(strchr(own.setting, '=') + 1);
	/* Registered before the hours the notes go back (sql/020). */
	PGresult *res = PQexecParams(
		db, "UPDATE participants SET created_at = now() - interval '2 days' WHERE id = $1",
		1, NULL, (const char *const[]){participant}, NULL, NULL, 0);
	cr_assert_str_eq(PQcmdTuples(res), "1", "%s", PQerrorMessage(db));
	PQclear(res);
	res = PQexecParams(
		db,
		"WITH goal AS (INSERT INTO goals (participant_id, domain, statement, created_by)"
		" VALUES ($2, 'emotional', 'Sleep through the night.', 'test') RETURNING id)"
		" INSERT INTO session_notes (organization_id, participant_id, specialist_id,"
		" occurred_at, duration_minutes, modality, goal_ids, created_by)"
		" SELECT $1, $2, $3, now() - g * interval '1 second', 30, 'phone', ARRAY[goal.id],"
		" 'test' FROM goal, generate_series(1, $4::int) g",
		4, NULL, (const char *const[]){org, participant, specialist, count}, NULL, NULL, 0);
	cr_assert_str_eq(PQcmdTuples(res), count, "%s", PQerrorMessage(db));
	PQclear(res);
	res = PQexecParams(db,
			   "SELECT to_char(peerd_organization_today($1::uuid) - 2, 'YYYY-MM-DD'),"
			   " to_char(peerd_organization_today($1::uuid), 'YYYY-MM-DD')",
			   1, NULL, (const char *const[]){org}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));

	char request[2048];
	int length =
		snprintf(request, sizeof request,
			 "GET /v1/exports/session-notes?from=%s&to=%s HTTP/1.1\r\nHost: peerd\r\n"
			 "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
			 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), reporter);
	PQclear(res);
	PQfinish(db);
	int fd = connect_to(own.process.port, 4 * READ_BYTES);
	cr_assert_eq(send(fd, request, (size_t)length, MSG_NOSIGNAL), length);
	double start = now_seconds();
	size_t capacity = 64 * 1024 * 1024, total = 0;
	char *received = malloc(capacity + 1);
	for (bool open = true; open && total < capacity && now_seconds() - start < 60;) {
		/* READ_BYTES (or what there is) every READ_EVERY_MS. */
		for (size_t tick = 0; open && tick < READ_BYTES && total < capacity;) {
			size_t room = capacity - total < READ_BYTES - tick ? capacity - total
									   : READ_BYTES - tick;
			ssize_t read = recv(fd, received + total, room, tick ? MSG_DONTWAIT : 0);
			if (read < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			open = read > 0;
			total += open ? (size_t)read : 0;
			tick += open ? (size_t)read : 0;
		}
		sleep_ms(READ_EVERY_MS);
	}
	double took = now_seconds() - start;
	close(fd);
	received[total] = '\0';
	cr_assert(total > 13 && strncmp(received, "HTTP/1.1 200 ", 13) == 0, "%.300s", received);
	size_t body = dechunk(received, total);
	cr_expect(body > 0, "the export arrived whole (%zu bytes in %.2f s)", total, took);
	size_t lines = 0;
	for (size_t i = 0; i < body; i++)
		lines += received[i] == '\n';
	cr_expect_eq(lines, NOTES, "%zu lines", lines);
	free(received);
	cr_assert_eq(peerd_stop(&own.process), 0);
	drop_own_database(own.database);
	free(specialist);
	free(participant);
	free(reporter);
	free(supervisor);
	free(org);
}
