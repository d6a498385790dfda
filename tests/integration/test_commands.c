/* peerd's sub-commands as an operator runs them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "fixtures.h"
#include "http.h"
#include "jwt_auth.h"
#include "own_server.h"
#include "peerd_process.h"

/* Runs peerd with args and overrides; returns its exit status and its output. */
static int run(const char *const *args, const char *const *overrides, char *output, size_t size)
{
	return peerd_run_capture(args, overrides, output, size);
}

static long long count(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	long long value = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

TestSuite(commands, .init = arena_open, .fini = arena_close);

Test(commands, migrate_twice_changes_nothing)
{
	char output[4096];
	cr_assert_eq(run((const char *const[]){"migrate", NULL}, NULL, output, sizeof output), 0,
		     "%s", output);
	PGconn *db = test_db_connect();
	long long rows = count(db, "SELECT count(*) FROM schema_migrations");
	long long applied =
		count(db, "SELECT max(peerd_position(applied_at)) FROM schema_migrations");
	cr_assert_eq(run((const char *const[]){"migrate", NULL}, NULL, output, sizeof output), 0);
	cr_assert(strstr(output, "0 applied"), "%s", output);
	cr_assert_eq(count(db, "SELECT count(*) FROM schema_migrations"), rows);
	cr_assert_eq(count(db, "SELECT max(peerd_position(applied_at)) FROM schema_migrations"),
		     applied);
	PQfinish(db);
}

Test(commands, concurrent_migrations_on_a_fresh_database)
{
	char name[64], setting[320];
	create_own_database(name, sizeof name, setting, sizeof setting);
	pid_t runners[4];
	for (int i = 0; i < 4; i++) {
		runners[i] = fork();
		if (runners[i] == 0)
			_exit(peerd_run((const char *const[]){"migrate", NULL},
					(const char *const[]){setting, NULL}, "/dev/null"));
	}
	for (int i = 0; i < 4; i++) {
		int status = 0;
		waitpid(runners[i], &status, 0);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "runner %d: %d", i,
			  status);
	}
	PGconn *fresh = PQconnectdb(strchr(setting, '=') + 1);
	cr_assert_eq(PQstatus(fresh), CONNECTION_OK);
	cr_assert_eq(count(fresh, "SELECT count(*) FROM schema_migrations"),
		     count(fresh, "SELECT count(DISTINCT version) FROM schema_migrations"));
	cr_assert_geq(count(fresh, "SELECT count(*) FROM schema_migrations"), 1);

	/* A migration edited after it landed is refused, not silently skipped. */
	exec_ok(fresh, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = "
		       "(SELECT min(version) FROM schema_migrations)");
	char output[4096];
	cr_assert_eq(run((const char *const[]){"migrate", NULL},
			 (const char *const[]){setting, NULL}, output, sizeof output),
		     1);
	cr_assert(strstr(output, "changed after it was applied"), "%s", output);
	PQfinish(fresh);
	drop_own_database(name);
}

/* A migration applied while peerd serves can change a table under its prepared plans. */
Test(commands, schema_change_under_a_running_server)
{
	struct own_server own;
	own_server_start(&own, true, (const char *const[]){"PEERD_DB_POOL_SIZE=1", NULL});
	char *admin = arena_text(admin_token());
	struct http_response *before = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = own.process.url});
	cr_assert_eq(before->status, 200);
	PGconn *db = PQconnectdb(strchr(own.setting, '=') + 1);
	exec_ok(db, "ALTER TABLE organizations ALTER COLUMN name TYPE varchar(300)");
	struct http_response *after = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = own.process.url});
	cr_expect_eq(after->status, 200, "the plan is rebuilt: %s", after->body);
	cr_assert_eq(peerd_stop(&own.process), 0);
	PQfinish(db);
	drop_own_database(own.database);
}

Test(commands, bad_settings_stop_start_up_with_one_line)
{
	struct {
		const char *setting;
		const char *named;
	} cases[] = {
		{"PEERD_PORT=eighty", "PEERD_PORT"},
		{"PEERD_DATABASE_URL=", "PEERD_DATABASE_URL"},
		{"PEERD_JWT_SECRET=tooshort", "PEERD_JWT_SECRET"},
		{"PEERD_THREADS=0", "PEERD_THREADS"},
		{"PEERD_LOG_LEVEL=chatty", "PEERD_LOG_LEVEL"},
		{"PEERD_JWT_PUBLIC_KEY=/no/such/key.pem", "PEERD_JWT_PUBLIC_KEY"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char output[4096];
		int status =
			run((const char *const[]){"serve", NULL},
			    (const char *const[]){cases[i].setting, NULL}, output, sizeof output);
		cr_expect_eq(status, 2, "%s: exit %d", cases[i].setting, status);
		cr_expect(strstr(output, cases[i].named), "%s: %s", cases[i].setting, output);
		cr_expect_eq(strchr(output, '\n'), output + strlen(output) - 1, "one line: %s",
			     output);
	}
}

Test(commands, token_prints_a_verifiable_token)
{
	char output[4096];
	const char *org = "11111111-1111-4111-8111-111111111111";
	cr_assert_eq(run((const char *const[]){"token", "--role", "supervisor", "--org", org,
					       "--sub", "ana@example.org", "--ttl", "600", NULL},
			 NULL, output, sizeof output),
		     0, "%s", output);
	output[strcspn(output, "\n")] = '\0';
	struct config cfg = {.jwt_secret = TEST_JWT_SECRET};
	struct jwt_verifier verifier;
	char error[256];
	cr_assert(jwt_verifier_init(&verifier, &cfg, error, sizeof error));
	struct principal caller;
	cr_assert_eq(jwt_verify(&verifier, output, time(NULL), &caller), JWT_VALID);
	cr_assert_str_eq(caller.subject, "ana@example.org");
	cr_assert_eq(caller.role, ROLE_SUPERVISOR);
	cr_assert_str_eq(caller.organization_id, org);
	cr_assert_eq(jwt_verify(&verifier, output, time(NULL) + 700, &caller), JWT_EXPIRED);
	jwt_verifier_free(&verifier);
}

Test(commands, token_refuses_what_would_not_verify)
{
	char output[4096];
	const char *const cases[][6] = {
		{"token", "--role", "supervisor", NULL},
		{"token", "--role", "wizard", NULL},
		{"token", "--role", "partner", "--org", "nope", NULL},
		{"token", "--role", "admin", "--ttl", "0", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(run(cases[i], NULL, output, sizeof output), 2, "case %zu: %s", i,
			     output);
}

Test(commands, seed_demo_twice)
{
	char output[4096];
	cr_assert_eq(run((const char *const[]){"seed-demo", NULL}, NULL, output, sizeof output), 0,
		     "%s", output);
	cr_assert_eq(run((const char *const[]){"seed-demo", NULL}, NULL, output, sizeof output), 0,
		     "%s", output);
	PGconn *db = test_db_connect();
	cr_assert_eq(count(db, "SELECT count(*) FROM organizations WHERE id = "
			       "'11111111-1111-4111-8111-111111111111'"),
		     1);
	/* The demo hospital follows its substance use referral under the Part 2 consent
	 * intake would have made, made once. */
	cr_assert_eq(count(db, "SELECT count(*) FROM consents WHERE kind = 'part2'"
			       " AND participant_id = '77777777-7777-4777-8777-777777777701'"),
		     1);
	PQfinish(db);
}

Test(commands, unknown_command_shows_usage)
{
	char output[4096];
	cr_assert_eq(run((const char *const[]){"launch", NULL}, NULL, output, sizeof output), 2);
	cr_assert(strstr(output, "usage: peerd"), "%s", output);
}

/* `peerd COMMAND --help` works without any settings (an operator reads it before writing
 * them) and describes the command's options and the settings it reads. */
Test(commands, each_command_describes_itself)
{
	static const char *const NO_SETTINGS[] = {"PEERD_DATABASE_URL=", "PEERD_JWT_SECRET=", NULL};
	static const struct {
		const char *command, *mentions[3];
	} CASES[] = {
		{"serve", {"PEERD_PORT", "PEERD_DB_POOL_SIZE", "PEERD_CORS_ORIGINS"}},
		{"migrate", {"PEERD_DATABASE_URL", "PEERD_LOG_LEVEL", "--help"}},
		{"seed-demo", {"PEERD_DATABASE_URL", "demonstration", "--help"}},
		{"token", {"--role ROLE", "--ttl SECONDS", "PEERD_JWT_SECRET"}},
	};
	char output[8192];
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
		int status = run((const char *const[]){CASES[i].command, "--help", NULL},
				 NO_SETTINGS, output, sizeof output);
		cr_expect_eq(status, 0, "peerd %s --help: %s", CASES[i].command, output);
		for (size_t j = 0; j < 3; j++)
			cr_expect(strstr(output, CASES[i].mentions[j]),
				  "peerd %s --help lacks %s: %s", CASES[i].command,
				  CASES[i].mentions[j], output);
	}
	cr_assert_eq(run((const char *const[]){"--help", NULL}, NO_SETTINGS, output, sizeof output),
		     0);
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
		cr_expect(strstr(output, CASES[i].command), "peerd --help lacks %s: %s",
			  CASES[i].command, output);
	cr_expect_eq(run((const char *const[]){"serve", "now", NULL}, NO_SETTINGS, output,
			 sizeof output),
		     2, "serve takes no arguments: %s", output);
}

/* README "Running peerd": 0 done (or nothing to do), 1 the database refused the work, 2 a
 * bad or missing setting, 3 the database cannot be reached. */
Test(commands, migrate_and_seed_demo_exit_statuses)
{
	char name[64], setting[320], unreachable[256], output[4096];
	create_own_database(name, sizeof name, setting, sizeof setting);
	test_database_setting_via(free_port(), unreachable, sizeof unreachable);
	PGconn *fresh = PQconnectdb(strchr(setting, '=') + 1);
	cr_assert_eq(PQstatus(fresh), CONNECTION_OK, "%s", PQerrorMessage(fresh));
	/* The first migration makes this table: it fails, and takes nothing else with it. */
	exec_ok(fresh, "CREATE TABLE organizations (id int)");
	struct {
		const char *command, *setting;
		int status;
		const char *says;
	} cases[] = {
		{"migrate", NULL, 0, "schema at"},
		{"migrate", setting, 1, "already exists"},
		{"migrate", "PEERD_DATABASE_URL=", 2, "PEERD_DATABASE_URL"},
		{"migrate", "PEERD_LOG_LEVEL=chatty", 2, "PEERD_LOG_LEVEL"},
		{"migrate", unreachable, 3, "cannot connect"},
		{"seed-demo", setting, 1, "seed-demo failed"},
		{"seed-demo", "PEERD_DATABASE_URL=", 2, "PEERD_DATABASE_URL"},
		{"seed-demo", unreachable, 3, "cannot connect"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status =
			run((const char *const[]){cases[i].command, NULL},
			    (const char *const[]){cases[i].setting, NULL}, output, sizeof output);
		cr_expect_eq(status, cases[i].status, "%s with %s: exit %d: %s", cases[i].command,
			     cases[i].setting, status, output);
		cr_expect(strstr(output, cases[i].says), "%s with %s: %s", cases[i].command,
			  cases[i].setting, output);
	}
	PQfinish(fresh);
	drop_own_database(name);
}

Test(commands, version_and_an_overview_that_describes_each_command)
{
	static const char *const NO_SETTINGS[] = {"PEERD_DATABASE_URL=", "PEERD_JWT_SECRET=", NULL};
	char output[4096];
	const char *const spellings[] = {"--version", "version"};
	for (size_t i = 0; i < 2; i++) {
		cr_expect_eq(run((const char *const[]){spellings[i], NULL}, NO_SETTINGS, output,
				 sizeof output),
			     0, "%s: %s", spellings[i], output);
		char rest[8] = "";
		unsigned major, minor, patch;
		cr_expect_eq(sscanf(output, "peerd %u.%u.%u%7s", &major, &minor, &patch, rest), 3,
			     "%s prints peerd X.Y.Z: %s", spellings[i], output);
		cr_expect_eq(strchr(output, '\n'), output + strlen(output) - 1, "one line: %s",
			     output);
	}
	cr_assert_eq(run((const char *const[]){"--help", NULL}, NO_SETTINGS, output, sizeof output),
		     0);
	/* Each command on a line of its own, then words saying what it does. */
	const char *const commands[] = {"serve", "migrate", "seed-demo", "token", "version"};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "\n  %s ", commands[i]);
		const char *at = strstr(output, line);
		cr_expect(at, "peerd --help lacks %s: %s", commands[i], output);
		if (!at)
			continue;
		at += strlen(line);
		at += strspn(at, " ");
		cr_expect_geq(strcspn(at, "\n"), 20, "%s has a one-line description: %s",
			      commands[i], output);
	}
}
