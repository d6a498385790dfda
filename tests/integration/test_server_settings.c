/* Servers started with other settings: RS256 keys, issuer and audience, CORS, body limit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "keys.h"
#include "peerd_process.h"

#define ADMIN_CLAIMS "{\"sub\":\"ops\",\"role\":\"admin\",\"exp\":4102444800}"

static long status_with_token(const struct peerd_process *server, const char *token)
{
	struct http_response *response = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = token, .base_url = server->url});
	long status = response->status;
	return status;
}

TestSuite(server_settings, .init = arena_open, .fini = arena_close);

Test(server_settings, rs256_server_refuses_the_key_confusion_attack)
{
	struct test_key key;
	test_key_rsa(&key);
	char setting[4096];
	snprintf(setting, sizeof setting, "PEERD_JWT_PUBLIC_KEY=%s", key.public_pem);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, "PEERD_JWT_SECRET=", NULL}));

	char *good = test_sign(JWT_ALG_RS256, key.private_pem, ADMIN_CLAIMS);
	char *confused = test_sign(JWT_ALG_HS256, key.public_pem, ADMIN_CLAIMS);
	char *hs256 = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET, ADMIN_CLAIMS);
	char *none = test_unsigned_token(ADMIN_CLAIMS);
	cr_expect_eq(status_with_token(&server, good), 200);
	cr_expect_eq(status_with_token(&server, confused), 401, "HS256 keyed with the public key");
	cr_expect_eq(status_with_token(&server, hs256), 401, "HS256 is not configured");
	cr_expect_eq(status_with_token(&server, none), 401);
	cr_assert_eq(peerd_stop(&server), 0);
	free(good);
	free(confused);
	free(hs256);
	free(none);
	test_key_free(&key);
}

Test(server_settings, issuer_and_audience_are_enforced)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server,
			      (const char *const[]){"PEERD_JWT_ISSUER=https://id.example.org",
						    "PEERD_JWT_AUDIENCE=peerd-api", NULL}));
	char *right = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":4102444800,"
				"\"iss\":\"https://id.example.org\",\"aud\":[\"peerd-api\"]}");
	char *wrong_issuer = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
				       "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":4102444800,"
				       "\"iss\":\"https://other\",\"aud\":\"peerd-api\"}");
	char *wrong_audience = test_sign(JWT_ALG_HS256, TEST_JWT_SECRET,
					 "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":4102444800,"
					 "\"iss\":\"https://id.example.org\",\"aud\":\"billing\"}");
	cr_expect_eq(status_with_token(&server, right), 200);
	cr_expect_eq(status_with_token(&server, wrong_issuer), 401);
	cr_expect_eq(status_with_token(&server, wrong_audience), 401);
	cr_assert_eq(peerd_stop(&server), 0);
	free(right);
	free(wrong_issuer);
	free(wrong_audience);
}

Test(server_settings, cors_for_configured_origins_only)
{
	struct peerd_process server;
	cr_assert(peerd_start(
		&server,
		(const char *const[]){"PEERD_CORS_ORIGINS=https://app.example.org", NULL}));
	struct http_response *preflight = http_send(
		&(struct http_request){.method = "OPTIONS",
				       .path = "/v1/organizations",
				       .base_url = server.url,
				       .headers = {"Origin: https://app.example.org",
						   "Access-Control-Request-Method: POST"}});
	cr_assert_eq(preflight->status, 204);
	char *allowed = arena_text(http_header(preflight, "Access-Control-Allow-Origin"));
	cr_assert_str_eq(allowed, "https://app.example.org");
	char *headers = http_header(preflight, "Access-Control-Allow-Headers");
	cr_assert(strstr(headers, "Authorization") && strstr(headers, "If-Match") &&
		  strstr(headers, "Idempotency-Key"));
	char *methods = arena_text(http_header(preflight, "Access-Control-Allow-Methods"));
	cr_assert(strstr(methods, "PATCH") && !strstr(methods, "DELETE"), "%s", methods);
	/* Another site gets no CORS headers: not on a preflight, not on an answer. */
	struct http_response *foreign =
		http_send(&(struct http_request){.path = "/healthz",
						 .base_url = server.url,
						 .headers = {"Origin: https://evil.example"}});
	char *none = http_header(foreign, "Access-Control-Allow-Origin");
	cr_assert_null(none);
	struct http_response *foreign_preflight = http_send(
		&(struct http_request){.method = "OPTIONS",
				       .path = "/v1/organizations",
				       .base_url = server.url,
				       .headers = {"Origin: https://app.example.org.evil.example",
						   "Access-Control-Request-Method: POST"}});
	char *still_none =
		arena_text(http_header(foreign_preflight, "Access-Control-Allow-Origin"));
	char *no_methods =
		arena_text(http_header(foreign_preflight, "Access-Control-Allow-Methods"));
	cr_assert_null(still_none, "an origin that only starts like an allowed one is foreign");
	cr_assert_null(no_methods);
	/* The allowed site can read an error, so its script can tell the user why. */
	struct http_response *refused =
		http_send(&(struct http_request){.path = "/v1/organizations",
						 .base_url = server.url,
						 .headers = {"Origin: https://app.example.org"}});
	cr_assert_eq(refused->status, 401);
	char *error_origin = arena_text(http_header(refused, "Access-Control-Allow-Origin"));
	char *exposed = arena_text(http_header(refused, "Access-Control-Expose-Headers"));
	cr_assert_str_eq(error_origin, "https://app.example.org");
	cr_assert(strstr(exposed, "WWW-Authenticate") && strstr(exposed, "X-Request-Id"));
	cr_assert_eq(peerd_stop(&server), 0);
	free(headers);
}

Test(server_settings, body_limit_follows_the_setting)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_MAX_BODY_BYTES=2048", NULL}));
	char *admin = arena_text(admin_token());
	char body[4096];
	snprintf(body, sizeof body, "{\"name\":\"%0*d\"}", 3000, 0);
	struct http_response *response =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = admin,
						 .base_url = server.url,
						 .content_type = "application/json",
						 .body = body});
	cr_assert_eq(response->status, 413, "%s", response->body);
	cr_assert_eq(peerd_stop(&server), 0);
}
