/* The session scope that row-level security reads (service/db.c): sent in one pipeline
 * with the first statement after it changes, and never believed to hold when the
 * statement's transaction took it back. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fixtures.h"

static const struct db_statement SCOPE_SHOWN = {
	"test_scope_shown", "SELECT current_setting('peerd.organization', true)"};
static const struct db_statement FAILS = {"test_fails", "SELECT 1 / 0"};

#define ORGANIZATION_A "a0000000-0000-4000-8000-00000000000a"
#define ORGANIZATION_B "a0000000-0000-4000-8000-00000000000b"

static struct db_conn *connect_as_peerd(void)
{
	char error[256];
	struct db_conn *conn =
		db_connect(getenv("PEERD_TEST_DATABASE_URL"), NULL, error, sizeof error);
	cr_assert_not_null(conn, "%s", error);
	return conn;
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
	PGresult *res = PQexec(conn->pg, "SELECT current_setting('peerd.organization', true)");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	char *held = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return held;
}

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
	db_close(conn);
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
	db_close(conn);
}
