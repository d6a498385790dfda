/* The database going away and coming back: peerd stays up, says so, and recovers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "own_server.h"
#include "peerd_process.h"
#include "tcp_proxy.h"

/* Polls path until it answers want, as a client honouring Retry-After would; gives up
 * after about five seconds. */
static long eventually(const struct peerd_process *server, const char *path, const char *token,
		       long want);

static long status_of(const struct peerd_process *server, const char *path, const char *token)
{
	struct http_response *response = http_send(
		&(struct http_request){.path = path, .token = token, .base_url = server->url});
	long status = response->status;
	if (status == 503) {
		char *retry = arena_text(http_header(response, "Retry-After"));
		char *type = arena_text(http_header(response, "Content-Type"));
		cr_expect(retry, "a 503 carries Retry-After");
		cr_expect_str_eq(type, "application/problem+json");
	}
	return status;
}

/* Starts a proxy to the test database and a server that reaches the database through it,
 * with at most one pooled connection so the test knows which one it cuts. */
static struct tcp_proxy *start_behind_proxy(struct peerd_process *server)
{
	struct tcp_proxy *proxy = tcp_proxy_start(0, test_database_port());
	cr_assert(proxy);
	char setting[256];
	test_database_setting_via(tcp_proxy_port(proxy), setting, sizeof setting);
	cr_assert(
		peerd_start(server, (const char *const[]){setting, "PEERD_DB_POOL_SIZE=1", NULL}));
	return proxy;
}

TestSuite(outage, .init = arena_open, .fini = arena_close);

Test(outage, unreachable_database_gives_503_not_500)
{
	char setting[256];
	test_database_setting_via(free_port(), setting, sizeof setting);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, NULL}),
		  "peerd starts while the database is down");
	char *admin = arena_text(admin_token());
	cr_expect_eq(status_of(&server, "/healthz", NULL), 200);
	cr_expect_eq(status_of(&server, "/readyz", NULL), 503);
	cr_expect_eq(status_of(&server, "/v1/organizations", admin), 503);
	struct http_response *write =
		own_server_send(&server, "POST", "/v1/organizations", admin,
				"{\"name\":\"Down\",\"kind\":\"provider\",\"state\":\"OR\"}");
	cr_expect_eq(write->status, 503, "%s", write->body);
	cr_assert_eq(peerd_stop(&server), 0);
}

Test(outage, database_stops_and_comes_back)
{
	struct peerd_process server;
	struct tcp_proxy *proxy = start_behind_proxy(&server);
	unsigned proxy_port = tcp_proxy_port(proxy);
	char *admin = arena_text(admin_token());
	cr_assert_eq(status_of(&server, "/readyz", NULL), 200);
	cr_assert_eq(status_of(&server, "/v1/organizations", admin), 200);

	tcp_proxy_stop(proxy);
	cr_expect_eq(status_of(&server, "/readyz", NULL), 503);
	cr_expect_eq(status_of(&server, "/v1/organizations", admin), 503);
	cr_expect_eq(status_of(&server, "/healthz", NULL), 200, "the process itself is fine");

	proxy = tcp_proxy_start(proxy_port, test_database_port());
	cr_assert(proxy, "the proxy listens again on %u", proxy_port);
	cr_expect_eq(eventually(&server, "/readyz", NULL, 200), 200);
	cr_expect_eq(status_of(&server, "/v1/organizations", admin), 200);
	cr_assert_eq(peerd_stop(&server), 0);
	tcp_proxy_stop(proxy);
}

/* The pooled connection dies under peerd, and reads come after idle_ms: the first one
 * notices (within a second of its return the pool lends it unchecked and the read is
 * retried on a reconnect; later the pool checks its socket first and reconnects), and
 * neither way counts as a failed connect that would make the next requests back off. */
static void read_after_a_cut(long idle_ms)
{
	struct peerd_process server;
	struct tcp_proxy *proxy = start_behind_proxy(&server);
	char *admin = arena_text(admin_token());
	cr_assert_eq(status_of(&server, "/v1/organizations", admin), 200);
	tcp_proxy_cut(proxy);
	sleep_ms(idle_ms);
	cr_expect_eq(status_of(&server, "/v1/organizations", admin), 200);
	cr_expect_eq(status_of(&server, "/v1/organizations", admin), 200);
	struct http_response *metrics =
		http_send(&(struct http_request){.path = "/metrics", .base_url = server.url});
	cr_expect(strstr(metrics->body, "peerd_db_connect_failures_total{pool=\"primary\"} 0\n"),
		  "%s", metrics->body);
	cr_assert_eq(peerd_stop(&server), 0);
	tcp_proxy_stop(proxy);
}

Test(outage, broken_connection_is_reset_and_the_read_retried)
{
	read_after_a_cut(0);
}

Test(outage, a_pooled_connection_found_closed_after_idling_is_replaced_without_a_503)
{
	read_after_a_cut(1200);
}

static long eventually(const struct peerd_process *server, const char *path, const char *token,
		       long want)
{
	long status = 0;
	for (int attempt = 0; attempt < 25 && status != want; attempt++) {
		if (attempt)
			sleep_ms(200);
		status = status_of(server, path, token);
	}
	return status;
}

Test(outage, writes_survive_a_connection_closed_while_pooled)
{
	char *org = arena_text(create_organization("provider"));
	struct peerd_process server;
	struct tcp_proxy *proxy = start_behind_proxy(&server);
	char *admin = arena_text(admin_token());
	cr_assert_eq(status_of(&server, "/v1/organizations", admin), 200);
	tcp_proxy_cut(proxy);
	sleep_ms(100);
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", org);
	struct http_response *patched = own_server_send(&server, "PATCH", path, admin,
							"{\"name\":\"Written after a cut\"}");
	cr_expect_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(peerd_stop(&server), 0);
	tcp_proxy_stop(proxy);
}

/* Posts a partner's referral of provider_id to server, keyed and marked by key (its
 * Idempotency-Key and its external_id). */
static struct http_response *refer_keyed(const struct peerd_process *server, const char *partner,
					 const char *provider_id, const char *key)
{
	char body[512], header[128];
	snprintf(body, sizeof body,
		 "{\"provider_organization_id\":\"%s\",\"service_type\":\"peer\","
		 "\"participant\":{\"given_name\":\"Robin\",\"family_name\":\"Commit\","
		 "\"county\":\"Multnomah\"},\"reason\":\"Referred as the server stopped.\","
		 "\"consent\":{\"obtained\":true},\"external_id\":\"%s\"}",
		 provider_id, key);
	snprintf(header, sizeof header, "Idempotency-Key: %s", key);
	return http_send(&(struct http_request){.method = "POST",
						.path = "/v1/referrals",
						.token = partner,
						.content_type = "application/json",
						.body = body,
						.headers = {header},
						.base_url = server->url});
}

/* The server confirmed a write's COMMIT and then shut down before the end of the round
 * trip (its ReadyForQuery): the write stands, so peerd answers it as done, not 503, and
 * the same request sent again is a replay of it. */
Test(outage, a_write_whose_commit_was_confirmed_is_answered_as_done)
{
	char *provider_id = arena_text(create_organization("provider"));
	char *partner_id = arena_text(create_organization("partner"));
	char *partner = arena_text(token_for("partner", partner_id));
	struct peerd_process server;
	struct tcp_proxy *proxy = start_behind_proxy(&server);
	char key[64];
	unique_name("commit-then-shutdown", key, sizeof key);
	tcp_proxy_end_after_commit(proxy, key);

	struct http_response *created = refer_keyed(&server, partner, provider_id, key);
	cr_assert_eq(tcp_proxy_commits_ended(proxy), 1,
		     "the connection was ended between COMMIT and ReadyForQuery");
	cr_expect_eq(created->status, 201, "%s", created->body);
	char *rows =
		arena_text(test_sql_text("SELECT count(*) FROM referrals WHERE external_id = $1", 1,
					 (const char *const[]){key}));
	cr_expect_str_eq(rows, "1", "the referral was written once");

	struct http_response *again = refer_keyed(&server, partner, provider_id, key);
	cr_expect_eq(again->status, 201, "%s", again->body);
	char *replayed = arena_text(http_header(again, "Idempotent-Replayed"));
	cr_expect_str_eq(replayed ? replayed : "", "true", "the retry is the first answer again");
	cr_expect_str_eq(http_string(again, "id") ? http_string(again, "id") : "",
			 http_string(created, "id") ? http_string(created, "id") : "-");
	rows = test_sql_text("SELECT count(*) FROM referrals WHERE external_id = $1", 1,
			     (const char *const[]){key});
	cr_expect_str_eq(rows, "1", "and wrote nothing more");
	free(rows);

	cr_assert_eq(peerd_stop(&server), 0);
	tcp_proxy_stop(proxy);
}
