#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "http.h"

Test(ops, healthz)
{
	struct http_response *response = http_get("/healthz", NULL);
	cr_assert_eq(response->status, 200);
	cr_assert_str_eq(json_string_value(json_object_get(response->json, "status")), "ok");
	http_response_free(response);
}

Test(ops, readyz_reports_the_schema)
{
	struct http_response *response = http_get("/readyz", NULL);
	cr_assert_eq(response->status, 200, "%s", response->body);
	cr_assert_str_eq(json_string_value(json_object_get(response->json, "status")), "ready");
	cr_assert(json_string_value(json_object_get(response->json, "schema")));
	http_response_free(response);
}

Test(ops, metrics_count_requests_by_route_and_status)
{
	char *admin = admin_token();
	http_response_free(http_get("/v1/organizations", admin));
	http_response_free(http_get("/v1/organizations", NULL));
	struct http_response *response = http_get("/metrics", NULL);
	cr_assert_eq(response->status, 200);
	char *type = http_header(response, "Content-Type");
	cr_assert(strncmp(type, "text/plain; version=0.0.4", 25) == 0, "%s", type);
	const char *expected[] = {
		"peerd_http_requests_total{method=\"GET\",route=\"/v1/organizations\",status=\"200\"}",
		"peerd_http_requests_total{method=\"GET\",route=\"/v1/organizations\",status=\"401\"}",
		"peerd_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/organizations\","
		"le=\"+Inf\"}",
		"peerd_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/organizations\"}",
		"peerd_db_pool_size ",
		"peerd_db_pool_connections{state=\"in_use\"} ",
		"peerd_db_pool_waiting ",
		"# TYPE peerd_http_request_duration_seconds histogram",
	};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		cr_expect(strstr(response->body, expected[i]), "missing %s", expected[i]);
	free(type);
	free(admin);
	http_response_free(response);
}

Test(ops, openapi_document)
{
	struct http_response *response = http_get("/openapi.yaml", NULL);
	cr_assert_eq(response->status, 200);
	char *type = http_header(response, "Content-Type");
	cr_assert_str_eq(type, "application/yaml");
	cr_assert(strncmp(response->body, "openapi: 3.1", 12) == 0);
	cr_assert(strstr(response->body, "/v1/organizations/{id}:"));
	free(type);
	http_response_free(response);
}

Test(ops, docs_page)
{
	struct http_response *response = http_get("/docs", NULL);
	cr_assert_eq(response->status, 200);
	char *type = http_header(response, "Content-Type");
	cr_assert_str_eq(type, "text/html; charset=utf-8");
	cr_assert(strstr(response->body, "/openapi.yaml"));
	free(type);
	http_response_free(response);
}
