/* The session scope that row-level security reads (service/db.c): sent in one pipeline
 * with the first statement after it changes, and never believed to hold when the
 * statement's transaction took it back. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "db_session.h"
#include "db_testing.h"
#include "fixtures.h"

static const struct db_statement SCOPE_SHOWN = {
	"test_scope_shown", "SELECT current_setting('peerd.organization', true)"};
static const struct db_statement FAILS = {"test_fails", "SELECT 1 / 0"};

#define ORGANIZATION_A "a0000000-0000-4000-8000-00000000000a"
#define ORGANIZATION_B "a0000000-0000-4000-8000-00000000000b"

static struct db_conn *connect_as_peerd(void)
{
	return db_session_open(NULL, DB_POOLING_SESSION);
}

/* The organization the session holds, as the next statement sees it. */
static char *scope_shown(struct db_conn *conn)
{
	PGresult *res = NULL;
	cr_assert_eq(db_exec(conn, &SCOPE_SHOWN, 0, NULL, &res), DB_OK);
	char *shown = strdup(db_text(res, 0, 0));
	PQclear(res);
	return shown;
}

/* What the server holds, asked outside db.c so that nothing is sent along. */
static char *scope_held(struct db_conn *conn)
{
	PGresult *res = PQexec(db_testing_pgconn(conn),
			       "SELECT current_setting('peerd.organization', true)");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	char *held = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return held;
}

TestSuite(database_scope, .init = arena_open, .fini = arena_close);

Test(database_scope, each_change_reaches_the_next_statement)
{
	struct db_conn *conn = connect_as_peerd();
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	char *shown = scope_shown(conn);
	cr_expect_str_eq(shown, ORGANIZATION_A);
	free(shown);
	db_set_scope(conn, ORGANIZATION_B, "supervisor");
	shown = scope_shown(conn);
	cr_expect_str_eq(shown, ORGANIZATION_B);
	free(shown);
	cr_expect(db_is_idle(conn), "the pipeline left the connection idle");
}

Test(database_scope, a_failed_statement_takes_its_scope_back_and_it_is_sent_again)
{
	struct db_conn *conn = connect_as_peerd();
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	free(scope_shown(conn));
	db_set_scope(conn, ORGANIZATION_B, "supervisor");
	cr_assert_neq(db_exec(conn, &FAILS, 0, NULL, NULL), DB_OK);
	char *held = scope_held(conn);
	cr_expect_str_eq(held, ORGANIZATION_A, "the failed transaction undid the new scope");
	free(held);
	char *shown = scope_shown(conn);
	cr_expect_str_eq(shown, ORGANIZATION_B, "the scope was sent again with the next statement");
	free(shown);
}

/* ------------------------------------------------------------------------------------ */
/* DB_POOLING_TRANSACTION: every transaction carries the role, the settings and the scope
 * itself, and leaves nothing in the server session for the next transaction, which a
 * pooler may give to another client. */

static const struct db_statement WHO_AND_WHERE = {
	"test_who_and_where",
	"SELECT current_user, current_setting('peerd.organization', true),"
	" current_setting('peerd.role', true), current_setting('statement_timeout'),"
	" current_setting('TimeZone')"};
static const struct db_statement MARK_SESSION = {
	"test_mark_session", "SELECT set_config('peerd.test_marker', 'ran', false)"};

static struct db_conn *connect_transaction_pooled(const char *role)
{
	return db_session_open(role, DB_POOLING_TRANSACTION);
}

/* One setting of the bare server session, asked outside db.c. */
static char *session_holds(struct db_conn *conn, const char *sql)
{
	PGresult *res = PQexec(db_testing_pgconn(conn), sql);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s",
		     PQerrorMessage(db_testing_pgconn(conn)));
	char *value = strdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

static void expect_who_and_where(struct db_conn *conn, const char *organization)
{
	PGresult *res = NULL;
	cr_assert_eq(db_exec(conn, &WHO_AND_WHERE, 0, NULL, &res), DB_OK);
	cr_expect_str_eq(db_text(res, 0, 0), "peerd_service");
	cr_expect_str_eq(db_text(res, 0, 1), organization);
	cr_expect_str_eq(db_text(res, 0, 2), "supervisor");
	cr_expect_str_eq(db_text(res, 0, 3), "15s");
	cr_expect_str_eq(db_text(res, 0, 4), "UTC");
	PQclear(res);
}

static void expect_bare_session(struct db_conn *conn)
{
	char *user = session_holds(conn, "SELECT current_user");
	char *login = session_holds(conn, "SELECT session_user");
	char *scope = session_holds(conn, "SELECT current_setting('peerd.organization', true)");
	char *prepared = session_holds(conn, "SELECT count(*) FROM pg_prepared_statements");
	cr_expect_str_eq(user, login, "the role outlived its transaction");
	cr_expect_str_eq(scope, "", "the scope outlived its transaction");
	cr_expect_str_eq(prepared, "0", "a statement was prepared in the server session");
	free(user);
	free(login);
	free(scope);
	free(prepared);
}

Test(database_scope, transaction_pooling_sends_everything_with_each_statement)
{
	struct db_conn *conn = connect_transaction_pooled("peerd_service");
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	expect_who_and_where(conn, ORGANIZATION_A);
	expect_bare_session(conn);
	/* And again: the session held nothing, so the second statement brought it all too. */
	expect_who_and_where(conn, ORGANIZATION_A);
	db_set_scope(conn, ORGANIZATION_B, "supervisor");
	expect_who_and_where(conn, ORGANIZATION_B);
	expect_bare_session(conn);
	cr_expect(db_is_idle(conn));
}

Test(database_scope, transaction_pooling_scopes_an_explicit_transaction_once)
{
	struct db_conn *conn = connect_transaction_pooled("peerd_service");
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	cr_assert_eq(db_begin(conn), DB_OK);
	expect_who_and_where(conn, ORGANIZATION_A);
	expect_who_and_where(conn, ORGANIZATION_A);
	const struct db_step steps[] = {{&WHO_AND_WHERE, 0, NULL, NULL},
					{&DB_COMMIT, 0, NULL, NULL}};
	cr_assert_eq(db_exec_batch(conn, steps, 2), DB_OK);
	expect_bare_session(conn);
	cr_expect(db_is_idle(conn));
}

Test(database_scope, transaction_pooling_runs_nothing_when_the_preamble_fails)
{
	/* A role the login role cannot take: the preamble fails, and the statement sent with
	 * it must not have run under the login role instead. */
	struct db_conn *conn = connect_transaction_pooled("peerd_no_such_role");
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	cr_expect_neq(db_exec(conn, &MARK_SESSION, 0, NULL, NULL), DB_OK);
	char *marker = session_holds(conn, "SELECT current_setting('peerd.test_marker', true)");
	cr_expect_str_eq(marker, "", "the statement ran without its preamble");
	free(marker);
	cr_expect_eq(db_exec_script(conn, "SELECT set_config('peerd.test_marker', 'ran', false)"),
		     DB_ERROR, "a script outside a transaction would run as the login role");
}

static const struct db_statement UNSUPPORTED = {
	"test_unsupported", "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000'; END $$"};
static const struct db_statement COUNT_ONE_RUN = {
	"test_count_one_run",
	"SELECT set_config('peerd.test_runs', (coalesce(nullif(current_setting("
	"'peerd.test_runs', true), ''), '0')::int + 1)::text, false)"};

/* 0A000 means a stale prepared plan only where plans are prepared; taken for one under
 * transaction pooling, it made every later statement of the connection run twice. */
Test(database_scope, transaction_pooling_runs_each_statement_once_after_a_0A000)
{
	struct db_conn *conn = connect_transaction_pooled("peerd_service");
	db_set_scope(conn, ORGANIZATION_A, "supervisor");
	cr_expect_eq(db_exec(conn, &UNSUPPORTED, 0, NULL, NULL), DB_ERROR);
	cr_assert_eq(db_exec(conn, &COUNT_ONE_RUN, 0, NULL, NULL), DB_OK);
	char *runs = session_holds(conn, "SELECT current_setting('peerd.test_runs', true)");
	cr_expect_str_eq(runs, "1", "the statement ran %s times", runs);
	free(runs);
}
