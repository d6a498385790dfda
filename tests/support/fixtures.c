#include "fixtures.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "token.h"

char *token_for(const char *role, const char *organization_id)
{
	char subject[64];
	unique_name(role, subject, sizeof subject);
	struct token_claims claims = {
		.subject = subject,
		.role = role,
		.organization_id = organization_id,
		.issued_at = time(NULL),
		.ttl_seconds = 3600,
	};
	char *token = token_issue_hs256(&claims, TEST_JWT_SECRET);
	cr_assert(token);
	return token;
}

char *admin_token(void)
{
	return token_for("admin", NULL);
}

void unique_name(const char *prefix, char *out, size_t size)
{
	static unsigned counter;
	snprintf(out, size, "%s %d-%u-%ld", prefix, getpid(), ++counter, (long)time(NULL));
}

char *create_organization(const char *kind)
{
	char name[96];
	unique_name("Test organization", name, sizeof name);
	char *token = admin_token();
	json_t *body = json_pack("{s:s, s:s, s:s, s:[s]}", "name", name, "kind", kind, "state",
				 "OR", "counties", "Multnomah");
	struct http_response *response = http_send_json("POST", "/v1/organizations", token, body);
	cr_assert_eq(response->status, 201, "creating an organization: %s", response->body);
	char *id = strdup(json_string_value(json_object_get(response->json, "id")));
	http_response_free(response);
	json_decref(body);
	free(token);
	return id;
}

PGconn *test_db_connect(void)
{
	const char *url = getenv("PEERD_TEST_DATABASE_URL");
	cr_assert(url, "PEERD_TEST_DATABASE_URL is not set");
	PGconn *conn = PQconnectdb(url);
	cr_assert_eq(PQstatus(conn), CONNECTION_OK, "%s", PQerrorMessage(conn));
	return conn;
}

/* Reads one keyword of PEERD_TEST_DATABASE_URL into out. */
static void database_url_part(const char *keyword, char *out, size_t size)
{
	char *error = NULL;
	PQconninfoOption *options = PQconninfoParse(getenv("PEERD_TEST_DATABASE_URL"), &error);
	cr_assert(options, "PEERD_TEST_DATABASE_URL: %s", error ? error : "not set");
	out[0] = '\0';
	for (PQconninfoOption *option = options; option->keyword; option++) {
		if (strcmp(option->keyword, keyword) == 0 && option->val)
			snprintf(out, size, "%s", option->val);
	}
	PQconninfoFree(options);
}

unsigned test_database_port(void)
{
	char port[16];
	database_url_part("port", port, sizeof port);
	return port[0] ? (unsigned)atoi(port) : 5432;
}

void test_database_setting_via(unsigned port, char *out, size_t size)
{
	char user[64], database[64];
	database_url_part("user", user, sizeof user);
	database_url_part("dbname", database, sizeof database);
	snprintf(out, size, "PEERD_DATABASE_URL=postgresql://%s@127.0.0.1:%u/%s", user, port,
		 database);
}

static PGconn *admin_connect(void)
{
	const char *url = getenv("PEERD_TEST_ADMIN_URL");
	cr_assert(url, "PEERD_TEST_ADMIN_URL is not set; run scripts/test");
	PGconn *admin = PQconnectdb(url);
	cr_assert_eq(PQstatus(admin), CONNECTION_OK, "%s", PQerrorMessage(admin));
	return admin;
}

void exec_ok(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(db));
	PQclear(res);
}

void create_own_database(char *name, size_t name_size, char *setting, size_t setting_size)
{
	static unsigned counter;
	char user[64], sql[256];
	database_url_part("user", user, sizeof user);
	snprintf(name, name_size, "peerd_test_%d_%u", getpid(), ++counter);
	PGconn *admin = admin_connect();
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER %s", name, user);
	exec_ok(admin, sql);
	PQfinish(admin);
	snprintf(setting, setting_size, "PEERD_DATABASE_URL=postgresql://%s@127.0.0.1:%u/%s", user,
		 test_database_port(), name);
}

void drop_own_database(const char *name)
{
	char sql[256];
	PGconn *admin = admin_connect();
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	exec_ok(admin, sql);
	PQfinish(admin);
}

PGconn *row_lock_organization(const char *organization_id)
{
	PGconn *db = test_db_connect();
	exec_ok(db, "BEGIN");
	const char *params[] = {organization_id};
	PGresult *locked = PQexecParams(db, "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
					1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(locked), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	cr_assert_eq(PQntuples(locked), 1);
	PQclear(locked);
	return db;
}

void row_lock_release(PGconn *db)
{
	exec_ok(db, "COMMIT");
	PQfinish(db);
}

void sleep_ms(long ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}
