/* Statements sent together (service/db.c db_exec_batch): in order, in one round trip,
 * and all or nothing outside a transaction. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static const struct db_statement ECHO = {"test_batch_echo", "SELECT $1::text"};
static const struct db_statement REMEMBER = {"test_batch_remember",
					     "SELECT set_config('peerd.test_batch', $1, false)"};
static const struct db_statement REMEMBERED = {"test_batch_remembered",
					       "SELECT current_setting('peerd.test_batch', true)"};
static const struct db_statement FAILS = {"test_batch_fails", "SELECT 1 / 0"};

static struct db_conn *connect_as_peerd(void)
{
	char error[256];
	struct db_conn *conn = db_connect(getenv("PEERD_TEST_DATABASE_URL"), NULL,
					  DB_POOLING_SESSION, error, sizeof error);
	cr_assert_not_null(conn, "%s", error);
	db_set_scope(conn, "", "admin");
	return conn;
}

/* Asserts what the session remembers, as a later statement sees it. */
static void expect_remembered(struct db_conn *conn, const char *expected, const char *why)
{
	PGresult *res = NULL;
	cr_assert_eq(db_exec(conn, &REMEMBERED, 0, NULL, &res), DB_OK);
	const char *value = db_text(res, 0, 0);
	cr_expect_str_eq(value ? value : "", expected, "%s", why);
	PQclear(res);
}

Test(database_batch, each_step_gets_its_own_result_in_order)
{
	struct db_conn *conn = connect_as_peerd();
	PGresult *first = NULL, *second = NULL, *third = NULL;
	const struct db_step steps[] = {DB_STEP(&ECHO, &first, "one"),
					DB_STEP(&ECHO, &second, "two"),
					DB_STEP(&ECHO, &third, "three")};
	cr_assert_eq(db_exec_batch(conn, steps, 3), DB_OK);
	cr_expect_str_eq(db_text(first, 0, 0), "one");
	cr_expect_str_eq(db_text(second, 0, 0), "two");
	cr_expect_str_eq(db_text(third, 0, 0), "three");
	PQclear(first);
	PQclear(second);
	PQclear(third);
	cr_expect(db_is_idle(conn));
	db_close(conn);
}

Test(database_batch, outside_a_transaction_a_failure_undoes_the_steps_before_it)
{
	struct db_conn *conn = connect_as_peerd();
	PGresult *before = NULL, *after = NULL;
	const struct db_step steps[] = {DB_STEP(&REMEMBER, &before, "kept?"),
					{&FAILS, 0, NULL, NULL},
					DB_STEP(&ECHO, &after, "late")};
	cr_assert_eq(db_exec_batch(conn, steps, 3), DB_CHECK_VIOLATION);
	cr_expect_null(before, "a failed batch hands back no results");
	cr_expect_null(after);
	cr_expect(db_is_idle(conn), "the connection is usable again");
	expect_remembered(conn, "", "the step before the failure was rolled back");
	db_close(conn);
}

Test(database_batch, ends_a_transaction_with_its_commit)
{
	struct db_conn *conn = connect_as_peerd();
	cr_assert_eq(db_begin(conn), DB_OK);
	const struct db_step steps[] = {DB_STEP(&REMEMBER, NULL, "committed"),
					{&DB_COMMIT, 0, NULL, NULL}};
	cr_assert_eq(db_exec_batch(conn, steps, 2), DB_OK);
	cr_expect(db_is_idle(conn), "the transaction ended with the batch");
	expect_remembered(conn, "committed", "the commit step ended the transaction");
	db_close(conn);
}

Test(database_batch, a_failure_inside_a_transaction_leaves_it_to_roll_back)
{
	struct db_conn *conn = connect_as_peerd();
	cr_assert_eq(db_begin(conn), DB_OK);
	const struct db_step steps[] = {DB_STEP(&REMEMBER, NULL, "never"),
					{&FAILS, 0, NULL, NULL},
					{&DB_COMMIT, 0, NULL, NULL}};
	cr_assert_neq(db_exec_batch(conn, steps, 3), DB_OK);
	cr_expect_not(db_is_idle(conn), "the commit did not run");
	db_rollback(conn);
	expect_remembered(conn, "", "the rollback undid the step before the failure");
	db_close(conn);
}

Test(database_batch, refuses_more_steps_than_it_takes)
{
	struct db_conn *conn = connect_as_peerd();
	struct db_step steps[DB_BATCH_MAX + 1];
	for (size_t i = 0; i < DB_BATCH_MAX + 1; i++)
		steps[i] = DB_STEP(&ECHO, NULL, "x");
	cr_expect_eq(db_exec_batch(conn, steps, DB_BATCH_MAX + 1), DB_ERROR);
	cr_expect(db_is_idle(conn));
	db_close(conn);
}

/* db_begin sends BEGIN with the transaction's first statement (service/db.c): the
 * statement still runs inside the transaction, and a rollback undoes it. */
Test(database_batch, begin_goes_out_with_the_first_statement)
{
	struct db_conn *conn = connect_as_peerd();
	cr_assert_eq(db_begin(conn), DB_OK);
	cr_expect_not(db_is_idle(conn), "a begun transaction is not idle, sent or not");
	cr_assert_eq(db_exec(conn, &REMEMBER, DB_ARGS("inside"), NULL), DB_OK);
	cr_expect_eq(PQtransactionStatus(conn->pg), PQTRANS_INTRANS);
	db_rollback(conn);
	expect_remembered(conn, "", "the statement ran inside the transaction");
	db_close(conn);
}

Test(database_batch, a_transaction_with_no_statement_sends_nothing)
{
	struct db_conn *conn = connect_as_peerd();
	expect_remembered(conn, "", "the scope is applied");
	cr_assert_eq(db_begin(conn), DB_OK);
	cr_expect_eq(db_commit(conn), DB_OK);
	cr_expect(db_is_idle(conn));
	cr_assert_eq(db_begin(conn), DB_OK);
	db_rollback(conn);
	cr_expect(db_is_idle(conn));
	cr_assert_eq(db_begin(conn), DB_OK);
	cr_assert_eq(db_exec_script(conn, "SELECT set_config('peerd.test_batch', 'script', true)"),
		     DB_OK);
	cr_expect_eq(PQtransactionStatus(conn->pg), PQTRANS_INTRANS,
		     "a script after db_begin runs inside the transaction");
	cr_assert_eq(db_commit(conn), DB_OK);
	expect_remembered(conn, "", "the setting was local to the transaction");
	db_close(conn);
}

/* A guard (db_set_guard) goes out before the next statement and stops it when it fails.
 * Once it has answered it is spent; after another failure it stays, failing closed. */
Test(database_batch, a_guard_goes_first_and_stops_what_follows)
{
	struct db_conn *conn = connect_as_peerd();
	db_set_guard(conn, &FAILS, 0, NULL);
	cr_assert_neq(db_exec(conn, &REMEMBER, DB_ARGS("guarded"), NULL), DB_OK);
	cr_assert_neq(db_exec(conn, &REMEMBER, DB_ARGS("guarded again"), NULL), DB_OK,
		      "a guard that failed otherwise than refusing stays");
	db_clear_guard(conn);
	expect_remembered(conn, "", "the statements after a failed guard did not run");

	db_set_guard(conn, &ECHO, DB_ARGS("fine"));
	cr_assert_eq(db_exec(conn, &REMEMBER, DB_ARGS("free"), NULL), DB_OK);
	expect_remembered(conn, "free", "a passing guard lets the statement run, once");

	cr_assert_eq(db_begin(conn), DB_OK);
	db_set_guard(conn, &FAILS, 0, NULL);
	cr_assert_neq(db_exec(conn, &REMEMBER, DB_ARGS("in a transaction"), NULL), DB_OK);
	db_rollback(conn);
	db_clear_guard(conn);
	expect_remembered(conn, "free", "a guard failing after BEGIN stops the transaction");
	db_close(conn);
}
