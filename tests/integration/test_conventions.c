/* API.md "Conventions": what every route shares, produced once by the dispatcher. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "keys.h"
#include "validate.h"
#include "world.h"

static void assert_problem(const struct http_response *response, long status)
{
	cr_assert_eq(response->status, status, "expected %ld, got %ld: %s", status,
		     response->status, response->body);
	char *type = arena_text(http_header(response, "Content-Type"));
	cr_assert_str_eq(type, "application/problem+json");
	cr_assert_eq(json_integer_value(json_object_get(response->json, "status")), status);
	cr_assert(json_string_value(json_object_get(response->json, "title")));
	cr_assert(json_string_value(json_object_get(response->json, "detail")));
	cr_assert(json_string_value(json_object_get(response->json, "type")));
}

TestSuite(conventions, .init = arena_open, .fini = arena_close);

Test(conventions, no_token_is_401_with_bearer_challenge)
{
	struct http_response *response = http_get("/v1/organizations", NULL);
	assert_problem(response, 401);
	char *challenge = arena_text(http_header(response, "WWW-Authenticate"));
	cr_assert_str_eq(challenge, "Bearer realm=\"peerd\"", "no error code without a token");
	struct http_response *refused = http_get("/v1/organizations", "not.a.token");
	char *refusal = arena_text(http_header(refused, "WWW-Authenticate"));
	cr_assert(refusal && strstr(refusal, "error=\"invalid_token\""), "%s", refusal);
}

Test(conventions, crafted_cursor_is_400)
{
	char *admin = arena_text(admin_token());
	/* "1:9223372036854775807:<uuid>": well formed, but past any instant. */
	struct http_response *response = http_get(
		"/v1/"
		"organizations?cursor="
		"MTo5MjIzMzcyMDM2ODU0Nzc1ODA3OjIyMjIyMjIyLTIyMjItNDIyMi04MjIyLTIyMjIyMjIyMjIyMg",
		admin);
	assert_problem(response, 400);
}

Test(conventions, admin_lists_organizations)
{
	char *admin = arena_text(admin_token());
	struct http_response *response = http_get("/v1/organizations", admin);
	cr_assert_eq(response->status, 200);
	cr_assert(json_is_array(json_object_get(response->json, "items")));
	cr_assert(json_object_get(response->json, "next_cursor"), "next_cursor is always present");
	char *type = arena_text(http_header(response, "Content-Type"));
	cr_assert_str_eq(type, "application/json");
}

Test(conventions, bad_tokens_are_401)
{
	char *wrong_secret = test_sign(JWT_ALG_HS256, "another-secret-0123456789abcdef0123",
				       "{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}");
	char *unsigned_token =
		test_unsigned_token("{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}");
	char *expired = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				  "{\"sub\":\"x\",\"role\":\"admin\",\"exp\":1000000000}");
	char *no_org = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				 "{\"sub\":\"x\",\"role\":\"supervisor\",\"exp\":4102444800}");
	const char *tokens[] = {wrong_secret, unsigned_token, expired, no_org, "garbage"};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		struct http_response *response = http_get("/v1/organizations", tokens[i]);
		assert_problem(response, 401);
	}
	struct http_response *basic = http_send(&(struct http_request){
		.path = "/v1/organizations", .headers = {"Authorization: Basic YWRtaW46YWRtaW4="}});
	assert_problem(basic, 401);
	free(wrong_secret);
	free(unsigned_token);
	free(expired);
	free(no_org);
}

Test(conventions, role_refused_is_403)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	struct http_response *response =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = world.supervisor.token,
						 .content_type = "application/json",
						 .body = "{}"});
	assert_problem(response, 403);
}

Test(conventions, unknown_route_is_404_problem)
{
	char *admin = arena_text(admin_token());
	struct http_response *response = http_get("/v1/nothing-here", admin);
	assert_problem(response, 404);
	struct http_response *anonymous = http_get("/no/such/path", NULL);
	assert_problem(anonymous, 404);
}

Test(conventions, wrong_method_is_405_with_allow)
{
	char *admin = arena_text(admin_token());
	struct http_response *response = http_send(&(struct http_request){
		.method = "DELETE", .path = "/v1/organizations", .token = admin});
	assert_problem(response, 405);
	char *allow = arena_text(http_header(response, "Allow"));
	cr_assert_str_eq(allow, "GET, HEAD, POST");
}

Test(conventions, oversized_body_is_413)
{
	char *admin = arena_text(admin_token());
	size_t size = 2 * 1024 * 1024;
	/* A valid object, then whitespace: the first PEERD_MAX_BODY_BYTES + 1 bytes that ulfius
	 * keeps would still parse, so only the size refuses it, Content-Length or not. */
	char name[96];
	unique_name("Oversized", name, sizeof name);
	char *body = malloc(size + 1);
	int object = snprintf(body, size, "{\"name\":\"%s\",\"kind\":\"partner\",\"state\":\"OR\"}",
			      name);
	memset(body + object, ' ', size - (size_t)object);
	body[size] = '\0';
	struct http_response *response =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = admin,
						 .content_type = "application/json",
						 .body = body,
						 .body_size = size});
	assert_problem(response, 413);
	/* Chunked, without a Content-Length. */
	struct http_response *chunked =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = admin,
						 .content_type = "application/json",
						 .body = body,
						 .body_size = size,
						 .headers = {"Transfer-Encoding: chunked"}});
	assert_problem(chunked, 413);
	char *count = arena_text(test_sql_text("SELECT count(*) FROM organizations WHERE name = $1",
					       1, (const char *const[]){name}));
	cr_assert_str_eq(count, "0", "nothing was created");
	free(body);
}

Test(conventions, wrong_content_type_is_415)
{
	char *admin = arena_text(admin_token());
	const char *types[] = {"text/plain", "application/x-www-form-urlencoded",
			       "multipart/form-data; boundary=x",
			       "application/json; charset=latin1", "application/merge-patch+json"};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct http_response *response =
			http_send(&(struct http_request){.method = "POST",
							 .path = "/v1/organizations",
							 .token = admin,
							 .content_type = types[i],
							 .body = "name=x&kind=provider"});
		assert_problem(response, 415);
	}
	struct http_response *none = http_send(&(struct http_request){
		.method = "POST", .path = "/v1/organizations", .token = admin, .body = "{}"});
	assert_problem(none, 415);
}

Test(conventions, malformed_json_is_400)
{
	char *admin = arena_text(admin_token());
	char deep[20001];
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	const char *bodies[] = {"{bad",
				"[1,2]",
				"\"text\"",
				"{\"a\":1,\"a\":2}",
				"{\"name\":\"\xff\xfe\"}",
				"{\"name\":\"a\\u0000b\"}",
				deep,
				"{} {}"};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct http_response *response = http_post("/v1/organizations", admin, bodies[i]);
		assert_problem(response, 400);
	}
	struct http_response *empty = http_post("/v1/organizations", admin, "");
	assert_problem(empty, 400);
}

Test(conventions, rule_breaking_json_is_422_with_errors)
{
	char *admin = arena_text(admin_token());
	struct http_response *response = http_send(
		&(struct http_request){.method = "POST",
				       .path = "/v1/organizations",
				       .token = admin,
				       .content_type = "application/json",
				       .body = "{\"name\":\"A\",\"kind\":\"x\",\"state\":\"OR\"}"});
	assert_problem(response, 422);
	json_t *errors = json_object_get(response->json, "errors");
	cr_assert_eq(json_array_size(errors), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
			 "kind");
	cr_assert(json_string_value(json_object_get(json_array_get(errors, 0), "message")));
}

Test(conventions, stale_if_match_is_412)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", world.provider);
	struct http_response *response =
		http_send(&(struct http_request){.method = "PATCH",
						 .path = path,
						 .token = world.admin.token,
						 .content_type = "application/json",
						 .body = "{\"name\":\"Changed\"}",
						 .headers = {"If-Match: \"41\""}});
	assert_problem(response, 412);
}

Test(conventions, request_id_echoed_or_made)
{
	struct http_response *echoed = http_send(&(struct http_request){
		.path = "/healthz", .headers = {"X-Request-Id: trace-abc.123"}});
	char *id = arena_text(http_header(echoed, "X-Request-Id"));
	cr_assert_str_eq(id, "trace-abc.123");
	struct http_response *made = http_get("/v1/organizations", NULL);
	char *made_id = arena_text(http_header(made, "X-Request-Id"));
	cr_assert(made_id && strlen(made_id) == 36, "a UUID is made: %s", made_id);
	struct http_response *unsafe = http_send(&(struct http_request){
		.path = "/healthz", .headers = {"X-Request-Id: {\"inject\":1}"}});
	char *replaced = arena_text(http_header(unsafe, "X-Request-Id"));
	cr_assert(replaced && strlen(replaced) == 36, "an unsafe id is replaced: %s", replaced);
}

Test(conventions, responses_are_not_cached)
{
	char *admin = arena_text(admin_token());
	struct http_response *response = http_get("/v1/organizations", admin);
	char *cache = arena_text(http_header(response, "Cache-Control"));
	cr_assert_str_eq(cache, "no-store");
}

Test(conventions, head_and_options)
{
	struct http_response *head =
		http_send(&(struct http_request){.method = "HEAD", .path = "/healthz"});
	cr_assert_eq(head->status, 200);
	cr_assert_eq(head->body_size, 0);
	struct http_response *options =
		http_send(&(struct http_request){.method = "OPTIONS", .path = "/v1/organizations"});
	cr_assert_eq(options->status, 204);
	char *allow = arena_text(http_header(options, "Allow"));
	cr_assert_str_eq(allow, "GET, HEAD, POST");
}

/* OWASP API4: bodies built to exhaust the server are refused in a few bytes. */
Test(conventions, a_body_built_to_exhaust_the_server_is_refused_briefly)
{
	char *admin = arena_text(admin_token());
	/* 60,000 members, under the 1 MiB limit: every one is named in the count only. */
	size_t size = 60000 * 16 + 16, used = 0;
	char *wide = malloc(size);
	cr_assert(wide);
	used += (size_t)snprintf(wide + used, size - used, "{");
	for (int i = 0; i < 60000; i++)
		used += (size_t)snprintf(wide + used, size - used, "%s\"k%d\":1", i ? "," : "", i);
	snprintf(wide + used, size - used, "}");
	struct http_response *many = http_post("/v1/organizations", admin, wide);
	cr_assert_eq(many->status, 422);
	cr_assert_eq(json_array_size(json_object_get(many->json, "errors")), FIELD_ERRORS_LISTED);
	cr_assert_lt(many->body_size, 20000, "a short answer: %zu bytes", many->body_size);
	cr_assert(strstr(http_string(many, "detail"), "60003 fields"), "%s",
		  http_string(many, "detail"));
	free(wide);
	/* 10,000 levels deep: refused by the parser's depth limit. */
	char *deep = malloc(20002);
	cr_assert(deep);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	struct http_response *nested = http_post("/v1/organizations", admin, deep);
	cr_assert_eq(nested->status, 400, "%s", nested->body);
	free(deep);
	struct http_response *alive = http_get("/healthz", NULL);
	cr_assert_eq(alive->status, 200);
}

/* OWASP API2: each way a token can be forged or spoiled is 401 with problem+json. */
Test(conventions, forged_and_spoiled_tokens_are_401)
{
	char *valid = arena_text(admin_token());
	/* The payload changed after signing: the role claims are swapped for an admin's. */
	char *tampered = arena_text(strdup(valid));
	char *payload = strchr(tampered, '.') + 1;
	payload[2] = payload[2] == 'A' ? 'B' : 'A';
	/* The signature cut short. */
	char *truncated = arena_text(strdup(valid));
	truncated[strlen(truncated) - 6] = '\0';
	char *not_yet = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				  "{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800,"
				  "\"nbf\":4102440000}");
	char *no_exp =
		test_sign(JWT_ALG_HS256, TEST_JWT_SECRET, "{\"sub\":\"x\",\"role\":\"admin\"}");
	char *unknown_role = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				       "{\"sub\":\"x\",\"role\":\"root\",\"exp\":4102444800}");
	char *no_subject = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				     "{\"role\":\"admin\",\"exp\":4102444800}");
	char *wrong_type = test_sign_hs256_with_header(
		TEST_JWT_SECRET, "{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
		"{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}");
	char *none_header = test_sign_hs256_with_header(
		TEST_JWT_SECRET, "{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}");
	const char *tokens[] = {tampered,     truncated,  not_yet,    no_exp,
				unknown_role, no_subject, wrong_type, none_header,
				"a.b.c",      "..",	  ""};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		struct http_response *response = http_get("/v1/participants", tokens[i]);
		cr_assert_eq(response->status, 401, "token %zu: %ld %s", i, response->status,
			     response->body);
		char *challenge = arena_text(http_header(response, "WWW-Authenticate"));
		char *type = arena_text(http_header(response, "Content-Type"));
		cr_assert(challenge && strstr(challenge, "Bearer"), "token %zu", i);
		cr_assert_str_eq(type, "application/problem+json");
	}
	struct http_response *still = http_get("/v1/organizations", valid);
	cr_assert_eq(still->status, 200, "the valid token still works: %s", still->body);
	free(none_header);
	free(wrong_type);
	free(no_subject);
	free(unknown_role);
	free(no_exp);
	free(not_yet);
}

/* RFC 7515 §4.1.11: peerd understands no header extension, so a token that names one as
 * critical is refused (401), however well it is signed; without crit it would pass. */
Test(conventions, a_token_with_critical_extensions_is_401)
{
	const char *claims = "{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}";
	char *plain = test_sign_with_headers(JWT_ALG_HS256, TEST_JWT_SECRET, NULL, claims);
	char *critical =
		test_sign_with_headers(JWT_ALG_HS256, TEST_JWT_SECRET,
				       "{\"crit\":[\"x-unknown\"],\"x-unknown\":1}", claims);
	struct http_response *accepted = http_get("/v1/organizations", plain);
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	struct http_response *refused = http_get("/v1/organizations", critical);
	assert_problem(refused, 401);
	const char *detail = json_string_value(json_object_get(refused->json, "detail"));
	cr_assert(strstr(detail, "crit"), "%s", refused->body);
	free(critical);
	free(plain);
}

/* The reports are built as json by PostgreSQL, which spaces it ("a" : 1, "b" : 2); they
 * answer compact JSON like every other endpoint, byte for byte what jansson writes. */
Test(conventions, reports_answer_compact_json)
{
	struct records records;
	records_create(&records);
	char *supervisor = arena_text(token_for("supervisor", records.organization));
	const char *paths[] = {"/v1/reports/summary", "/v1/reports/caseloads",
			       "/v1/reports/certifications", "/v1/reports/follow-up"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_response *response = http_get(paths[i], supervisor);
		cr_assert_eq(response->status, 200, "%s: %s", paths[i], response->body);
		cr_expect_null(strstr(response->body, "\" : "), "%s: %s", paths[i], response->body);
		cr_expect_null(strchr(response->body, '\n'), "%s: %s", paths[i], response->body);
		cr_assert(json_is_object(response->json), "%s: %s", paths[i], response->body);
		char *compact = json_dumps(response->json, JSON_COMPACT | JSON_REAL_PRECISION(15));
		cr_expect_str_eq(response->body, compact, "%s", paths[i]);
		free(compact);
	}
	records_free(&records);
}
