/* A new user's first hour: peerd started on a database it cannot use yet (none there, no
 * schema, an older one, no role to work as) serves anyway, says why once in its log, and
 * tells every client to run `peerd migrate` with a 503 rather than a 500. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "own_server.h"
#include "peerd_process.h"

/* A provider organization id no database here holds. */
#define SOME_ORGANIZATION "3f8e2a1c-5b7d-4e9a-8c21-6d0f4b9a7e13"

/* Asserts the answer a database without peerd's schema gets: 503 problem+json with
 * Retry-After, saying to run `peerd migrate`. */
static void expect_run_migrate(struct http_response *response, const char *what)
{
	cr_expect_eq(response->status, 503, "%s: %ld %s", what, response->status, response->body);
	char *type = arena_text(http_header(response, "Content-Type"));
	char *retry = arena_text(http_header(response, "Retry-After"));
	cr_expect(type && strcmp(type, "application/problem+json") == 0, "%s: %s", what, type);
	cr_expect(retry, "%s: no Retry-After", what);
	const char *detail = http_string(response, "detail");
	cr_expect(detail && strstr(detail, "peerd migrate"), "%s: %s", what, response->body);
	http_response_free(response);
}

/* The lines of server's log at level warn that hold needle (and, when not NULL, also). */
static unsigned warnings(const struct peerd_process *server, const char *needle, const char *also)
{
	char last[4096];
	return peerd_log_count(server,
			       (const char *const[]){"\"level\":\"warn\"", needle, also, NULL},
			       last, sizeof last);
}

TestSuite(first_start, .init = arena_open, .fini = arena_close);

Test(first_start, a_database_without_the_schema_answers_503_naming_migrate)
{
	struct own_server own;
	own_server_start(&own, false, NULL);
	char *admin = arena_text(admin_token());
	char *specialist =
		arena_text(token_for_subject("specialist", SOME_ORGANIZATION, "nobody yet"));

	expect_run_migrate(own_server_send(&own.process, "GET", "/v1/organizations", admin, NULL),
			   "GET /v1/organizations");
	expect_run_migrate(
		own_server_send(&own.process, "POST", "/v1/organizations", admin,
				"{\"name\":\"First\",\"kind\":\"provider\",\"state\":\"OR\"}"),
		"POST /v1/organizations");
	expect_run_migrate(own_server_send(&own.process, "GET", "/v1/referrals", specialist, NULL),
			   "a specialist's GET /v1/referrals");
	expect_run_migrate(own_server_send(&own.process, "GET", "/readyz", NULL, NULL), "/readyz");
	struct http_response *health = own_server_send(&own.process, "GET", "/healthz", NULL, NULL);
	cr_expect_eq(health->status, 200);

	cr_assert_eq(peerd_stop(&own.process), 0);
	cr_expect_eq(
		warnings(&own.process, "the database has no peerd schema; run peerd migrate", NULL),
		1, "the start names the missing schema once: %s", own.process.log_path);
	drop_own_database(own.database);
}

/* The audit chainer tries ten times a second; the log hears of its failure once. */
Test(first_start, the_audit_chainer_says_a_failure_once)
{
	struct own_server own;
	own_server_start(&own, false, NULL);
	sleep_ms(2000);
	cr_assert_eq(peerd_stop(&own.process), 0);
	char last[4096];
	cr_expect_eq(peerd_log_count(&own.process, (const char *const[]){"audit_chain", NULL}, last,
				     sizeof last),
		     0, "db.c leaves the chainer's failures to it: %s", last);
	cr_expect_eq(peerd_log_count(&own.process,
				     (const char *const[]){"could not be chained yet", NULL}, last,
				     sizeof last),
		     1, "one line for one failure: %s", own.process.log_path);
	cr_expect(strstr(last, "no_schema"), "it says why: %s", last);
	cr_expect_eq(peerd_log_count(&own.process, (const char *const[]){"audit", NULL}, NULL, 0),
		     1, "the failure, and nothing more at stop: %s", own.process.log_path);
	drop_own_database(own.database);
}

Test(first_start, an_older_schema_is_named_at_start)
{
	char name[64], setting[320];
	create_migrated_database(name, sizeof name, setting, sizeof setting);
	PGconn *db = PQconnectdb(strchr(setting, '=') + 1);
	cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
	exec_ok(db, "DELETE FROM schema_migrations WHERE version = "
		    "(SELECT max(version) FROM schema_migrations)");
	PQfinish(db);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, NULL}));
	expect_run_migrate(own_server_send(&server, "GET", "/readyz", NULL, NULL), "/readyz");
	cr_assert_eq(peerd_stop(&server), 0);
	cr_expect_eq(warnings(&server, "older than this build; run peerd migrate", "\"expected\""),
		     1, "%s", server.log_path);
	drop_own_database(name);
}

/* PEERD_DATABASE_ROLE names a role the cluster lacks, as on a fresh cluster before the
 * first `peerd migrate` made peerd_service: refused at connection start in session
 * pooling, by each transaction's preamble in transaction pooling. */
Test(first_start, a_missing_role_answers_503_naming_migrate)
{
	const char *const poolings[] = {"PEERD_DATABASE_POOLING=session",
					"PEERD_DATABASE_POOLING=transaction"};
	char *admin = arena_text(admin_token());
	for (size_t i = 0; i < 2; i++) {
		struct peerd_process server;
		cr_assert(peerd_start(
			&server, (const char *const[]){"PEERD_DATABASE_ROLE=peerd_no_such_role",
						       poolings[i], NULL}));
		expect_run_migrate(
			own_server_send(&server, "GET", "/v1/organizations", admin, NULL),
			poolings[i]);
		expect_run_migrate(own_server_send(&server, "GET", "/readyz", NULL, NULL),
				   poolings[i]);
		cr_assert_eq(peerd_stop(&server), 0);
		cr_expect_eq(warnings(&server, "peerd migrate", NULL), 1, "%s: %s", poolings[i],
			     server.log_path);
	}
}

Test(first_start, what_the_start_says_of_each_database)
{
	char unreachable[256], unknown[256];
	test_database_setting_via(free_port(), unreachable, sizeof unreachable);
	test_database_setting_via(test_database_port(), unknown, sizeof unknown);
	snprintf(strrchr(unknown, '/'), 64, "/peerd_no_such_database");
	struct {
		const char *setting, *says, *also;
	} cases[] = {
		{unreachable, "cannot connect to the database", "\"reason\""},
		{unknown, "cannot connect to the database", "peerd_no_such_database"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct peerd_process server;
		cr_assert(peerd_start(&server, (const char *const[]){cases[i].setting, NULL}));
		cr_assert_eq(peerd_stop(&server), 0);
		cr_expect_eq(warnings(&server, cases[i].says, cases[i].also), 1, "%s: %s",
			     cases[i].setting, server.log_path);
	}
	struct peerd_process ready;
	cr_assert(peerd_start(&ready, NULL));
	cr_assert_eq(peerd_stop(&ready), 0);
	cr_expect_eq(
		peerd_log_count(&ready,
				(const char *const[]){"\"level\":\"info\"", "the database is ready",
						      "\"schema\"", NULL},
				NULL, 0),
		1, "%s", ready.log_path);
}
