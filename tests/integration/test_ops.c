#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

TestSuite(ops, .init = arena_open, .fini = arena_close);

Test(ops, healthz)
{
	struct http_response *response = http_get("/healthz", NULL);
	cr_assert_eq(response->status, 200);
	cr_assert_str_eq(json_string_value(json_object_get(response->json, "status")), "ok");
}

Test(ops, readyz_reports_the_schema)
{
	struct http_response *response = http_get("/readyz", NULL);
	cr_assert_eq(response->status, 200, "%s", response->body);
	cr_assert_str_eq(json_string_value(json_object_get(response->json, "status")), "ready");
	cr_assert(json_string_value(json_object_get(response->json, "schema")));
}

Test(ops, metrics_count_requests_by_route_and_status)
{
	char *admin = arena_text(admin_token());
	http_response_free(http_get("/v1/organizations", admin));
	http_response_free(http_get("/v1/organizations", NULL));
	struct http_response *response = http_get("/metrics", NULL);
	cr_assert_eq(response->status, 200);
	char *type = arena_text(http_header(response, "Content-Type"));
	cr_assert(strncmp(type, "text/plain; version=0.0.4", 25) == 0, "%s", type);
	const char *expected[] = {
		"peerd_http_requests_total{method=\"GET\",route=\"/v1/"
		"organizations\",status=\"200\"}",
		"peerd_http_requests_total{method=\"GET\",route=\"/v1/"
		"organizations\",status=\"401\"}",
		"peerd_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
		"organizations\","
		"le=\"+Inf\"}",
		"peerd_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/"
		"organizations\"}",
		"peerd_db_pool_size{pool=\"primary\"} ",
		"peerd_db_pool_connections{pool=\"primary\",state=\"in_use\"} ",
		"peerd_db_pool_waiting{pool=\"primary\"} ",
		"peerd_db_pool_exhausted_total{pool=\"primary\"} ",
		"peerd_db_connect_failures_total{pool=\"primary\"} ",
		"peerd_http_requests_in_flight ",
		"# TYPE peerd_http_request_duration_seconds histogram",
	};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		cr_expect(strstr(response->body, expected[i]), "missing %s", expected[i]);
}

Test(ops, openapi_document)
{
	struct http_response *response = http_get("/openapi.yaml", NULL);
	cr_assert_eq(response->status, 200);
	char *type = arena_text(http_header(response, "Content-Type"));
	cr_assert_str_eq(type, "application/yaml");
	cr_assert(strncmp(response->body, "openapi: 3.1", 12) == 0);
	cr_assert(strstr(response->body, "/v1/organizations/{id}:"));
}

Test(ops, access_log_line_without_secrets)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	char *admin = arena_text(admin_token());
	struct http_response *response =
		http_send(&(struct http_request){.path = "/v1/organizations?limit=5&kind=provider",
						 .token = admin,
						 .base_url = server.url,
						 .headers = {"X-Request-Id: log-test-1"}});
	cr_assert_eq(response->status, 200);
	cr_assert_eq(peerd_stop(&server), 0);

	FILE *log = fopen(server.log_path, "r");
	cr_assert(log);
	char line[4096];
	bool found = false;
	while (fgets(line, sizeof line, log)) {
		cr_assert_null(strstr(line, admin), "a token reached the log: %s", line);
		cr_assert_null(strstr(line, "kind=provider"), "a query reached the log: %s", line);
		json_t *entry = json_loads(line, 0, NULL);
		cr_assert(entry, "every log line is JSON: %s", line);
		const char *id = json_string_value(json_object_get(entry, "request_id"));
		if (id && strcmp(id, "log-test-1") == 0) {
			found = true;
			cr_expect_str_eq(json_string_value(json_object_get(entry, "method")),
					 "GET");
			cr_expect_str_eq(json_string_value(json_object_get(entry, "route")),
					 "/v1/organizations");
			cr_expect_eq(json_integer_value(json_object_get(entry, "status")), 200);
			cr_expect(json_is_number(json_object_get(entry, "duration_ms")));
			cr_expect(json_string_value(json_object_get(entry, "ts")));
			cr_expect_str_eq(json_string_value(json_object_get(entry, "level")),
					 "info");
			cr_expect_str_eq(json_string_value(json_object_get(entry, "msg")),
					 "request");
			/* Beside the client's id, peerd's own for the request, which no other
			 * request shares. */
			const char *own =
				json_string_value(json_object_get(entry, "server_request_id"));
			cr_expect(own && strlen(own) == 36 && strcmp(own, id) != 0, "%s", line);
			cr_expect_eq(json_object_size(entry), 9, "a stable set of keys: %s", line);
		}
		json_decref(entry);
	}
	fclose(log);
	cr_assert(found, "the request has its access log line");
}

Test(ops, in_flight_gauge_returns_to_rest)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, NULL));
	char *admin = arena_text(admin_token());
	const char *paths[] = {"/v1/organizations", "/nowhere", "/v1/organizations?limit=0",
			       "/healthz"};
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < 4; i++)
			http_response_free(http_send(&(struct http_request){
				.path = paths[i], .token = admin, .base_url = server.url}));
	}
	/* libmicrohttpd reports a request complete just after its last byte is sent: a
	 * client that has read the answer may be a moment ahead of the gauge. */
	bool at_rest = false;
	char last[256] = "";
	for (int attempt = 0; attempt < 50 && !at_rest; attempt++) {
		struct http_response *metrics = http_send(
			&(struct http_request){.path = "/metrics", .base_url = server.url});
		at_rest = strstr(metrics->body, "peerd_http_requests_in_flight 1\n") != NULL;
		const char *gauge = strstr(metrics->body, "peerd_http_requests_in_flight ");
		snprintf(last, sizeof last, "%.60s", gauge ? gauge : "(no gauge)");
		if (!at_rest)
			sleep_ms(20);
	}
	cr_assert(at_rest, "only the scrape itself is in flight: %s", last);
	cr_assert_eq(peerd_stop(&server), 0);
}
