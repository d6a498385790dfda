/* A new user's first hour: peerd started on a database it cannot use yet (no schema, no
 * role to work as) serves anyway and tells every client to run `peerd migrate` with a 503
 * rather than a 500. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

/* A provider organization id no database here holds. */
#define SOME_ORGANIZATION "3f8e2a1c-5b7d-4e9a-8c21-6d0f4b9a7e13"

static struct http_response *send_to(const struct peerd_process *server, const char *method,
				     const char *path, const char *token, const char *body)
{
	return http_send(&(struct http_request){.method = method,
						.path = path,
						.token = token,
						.base_url = server->url,
						.content_type = body ? "application/json" : NULL,
						.body = body});
}

/* Asserts the answer a database without peerd's schema gets: 503 problem+json with
 * Retry-After, saying to run `peerd migrate`. */
static void expect_run_migrate(struct http_response *response, const char *what)
{
	cr_expect_eq(response->status, 503, "%s: %ld %s", what, response->status, response->body);
	char *type = http_header(response, "Content-Type");
	char *retry = http_header(response, "Retry-After");
	cr_expect(type && strcmp(type, "application/problem+json") == 0, "%s: %s", what, type);
	cr_expect(retry, "%s: no Retry-After", what);
	const char *detail = http_string(response, "detail");
	cr_expect(detail && strstr(detail, "peerd migrate"), "%s: %s", what, response->body);
	free(type);
	free(retry);
	http_response_free(response);
}

Test(first_start, a_database_without_the_schema_answers_503_naming_migrate)
{
	char name[64], setting[320];
	create_own_database(name, sizeof name, setting, sizeof setting);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, NULL}));
	char *admin = admin_token();
	char *specialist = token_for_subject("specialist", SOME_ORGANIZATION, "nobody yet");

	expect_run_migrate(send_to(&server, "GET", "/v1/organizations", admin, NULL),
			   "GET /v1/organizations");
	expect_run_migrate(send_to(&server, "POST", "/v1/organizations", admin,
				   "{\"name\":\"First\",\"kind\":\"provider\",\"state\":\"OR\"}"),
			   "POST /v1/organizations");
	expect_run_migrate(send_to(&server, "GET", "/v1/referrals", specialist, NULL),
			   "a specialist's GET /v1/referrals");
	expect_run_migrate(send_to(&server, "GET", "/readyz", NULL, NULL), "/readyz");
	struct http_response *health = send_to(&server, "GET", "/healthz", NULL, NULL);
	cr_expect_eq(health->status, 200);
	http_response_free(health);

	cr_assert_eq(peerd_stop(&server), 0);
	free(admin);
	free(specialist);
	drop_own_database(name);
}

/* PEERD_DATABASE_ROLE names a role the cluster lacks, as on a fresh cluster before the
 * first `peerd migrate` made peerd_service: refused at connection start in session
 * pooling, by each transaction's preamble in transaction pooling. */
Test(first_start, a_missing_role_answers_503_naming_migrate)
{
	const char *const poolings[] = {"PEERD_DATABASE_POOLING=session",
					"PEERD_DATABASE_POOLING=transaction"};
	char *admin = admin_token();
	for (size_t i = 0; i < 2; i++) {
		struct peerd_process server;
		cr_assert(peerd_start(
			&server, (const char *const[]){"PEERD_DATABASE_ROLE=peerd_no_such_role",
						       poolings[i], NULL}));
		expect_run_migrate(send_to(&server, "GET", "/v1/organizations", admin, NULL),
				   poolings[i]);
		expect_run_migrate(send_to(&server, "GET", "/readyz", NULL, NULL), poolings[i]);
		cr_assert_eq(peerd_stop(&server), 0);
	}
	free(admin);
}
