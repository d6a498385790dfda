/* Statements sent together (service/db.c db_exec_batch): in order, in one round trip,
 * and all or nothing outside a transaction. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "db_session.h"
#include "db_testing.h"
#include "fixtures.h"
#include "tcp_proxy.h"

static const struct db_statement ECHO = {"test_batch_echo", "SELECT $1::text"};
static const struct db_statement REMEMBER = {"test_batch_remember",
					     "SELECT set_config('peerd.test_batch', $1, false)"};
static const struct db_statement REMEMBERED = {"test_batch_remembered",
					       "SELECT current_setting('peerd.test_batch', true)"};
static const struct db_statement FAILS = {"test_batch_fails", "SELECT 1 / 0"};

static struct db_conn *connect_as_peerd(void)
{
	struct db_conn *conn = db_session_open(NULL, DB_POOLING_SESSION);
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

TestSuite(database_batch, .init = arena_open, .fini = arena_close);

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
}

Test(database_batch, refuses_more_steps_than_it_takes)
{
	struct db_conn *conn = connect_as_peerd();
	struct db_step steps[DB_BATCH_MAX + 1];
	for (size_t i = 0; i < DB_BATCH_MAX + 1; i++)
		steps[i] = DB_STEP(&ECHO, NULL, "x");
	cr_expect_eq(db_exec_batch(conn, steps, DB_BATCH_MAX + 1), DB_ERROR);
	cr_expect(db_is_idle(conn));
}

/* db_begin sends BEGIN with the transaction's first statement (service/db.c): the
 * statement still runs inside the transaction, and a rollback undoes it. */
Test(database_batch, begin_goes_out_with_the_first_statement)
{
	struct db_conn *conn = connect_as_peerd();
	cr_assert_eq(db_begin(conn), DB_OK);
	cr_expect_not(db_is_idle(conn), "a begun transaction is not idle, sent or not");
	cr_assert_eq(db_exec(conn, &REMEMBER, DB_ARGS("inside"), NULL), DB_OK);
	cr_expect_eq(PQtransactionStatus(db_testing_pgconn(conn)), PQTRANS_INTRANS);
	db_rollback(conn);
	expect_remembered(conn, "", "the statement ran inside the transaction");
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
	cr_expect_eq(PQtransactionStatus(db_testing_pgconn(conn)), PQTRANS_INTRANS,
		     "a script after db_begin runs inside the transaction");
	cr_assert_eq(db_commit(conn), DB_OK);
	expect_remembered(conn, "", "the setting was local to the transaction");
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
}

static const struct db_statement RENAME = {
	"test_batch_rename", "UPDATE organizations SET name = $1 WHERE id = $2 RETURNING name"};

/* A transaction that renames an organization, on a connection through a proxy armed to
 * end it right after the server confirms its COMMIT (tcp_proxy_end_after_commit). */
struct commit_then_lost {
	char *organization;
	char name[64]; /* the new name, which arms the proxy */
	struct tcp_proxy *proxy;
	struct db_conn *conn;
};

/* Opens the connection, arms the proxy and begins the transaction. */
static void commit_then_lost_open(struct commit_then_lost *scene, enum db_pooling pooling)
{
	scene->organization = create_organization("provider");
	unique_name("Committed", scene->name, sizeof scene->name);
	scene->proxy = tcp_proxy_start(0, test_database_port());
	cr_assert_not_null(scene->proxy);
	char setting[256], error[256];
	test_database_setting_via(tcp_proxy_port(scene->proxy), setting, sizeof setting);
	scene->conn = db_connect(strchr(setting, '=') + 1, NULL, pooling, error, sizeof error);
	cr_assert_not_null(scene->conn, "%s", error);
	db_set_scope(scene->conn, "", "admin");
	tcp_proxy_end_after_commit(scene->proxy, scene->name);
	cr_assert_eq(db_begin(scene->conn), DB_OK);
}

/* Asserts that the fault came after the COMMIT, that the connection is not taken for a
 * usable one, and that the transaction stands; then closes the scene. */
static void commit_then_lost_close(struct commit_then_lost *scene)
{
	cr_assert_eq(tcp_proxy_commits_ended(scene->proxy), 1,
		     "the connection ended after its COMMIT");
	cr_expect_not(db_is_idle(scene->conn), "the lost connection is not used again as it is");
	char *now = test_sql_text("SELECT name FROM organizations WHERE id = $1", 1,
				  (const char *const[]){scene->organization});
	cr_expect_str_eq(now, scene->name, "the transaction stands");
	free(now);
	db_close(scene->conn);
	tcp_proxy_stop(scene->proxy);
	free(scene->organization);
}

/* The server confirmed the COMMIT (CommandComplete), then its connection was lost before
 * the round trip's end (ReadyForQuery), as a server shutting down loses it: the
 * transaction is durable, so the batch succeeded, with every result in hand, and is not
 * reported failed (nor tried again by a client told it failed). */
static void expect_commit_confirmed_succeeds(enum db_pooling pooling)
{
	struct commit_then_lost scene;
	commit_then_lost_open(&scene, pooling);
	PGresult *renamed = NULL;
	const struct db_step steps[] = {DB_STEP(&RENAME, &renamed, scene.name, scene.organization),
					{&DB_COMMIT, 0, NULL, NULL}};
	cr_expect_eq(db_exec_batch(scene.conn, steps, 2), DB_OK);
	cr_expect_not_null(renamed, "the statements' results are handed over");
	cr_expect_str_eq(renamed ? db_text(renamed, 0, 0) : "", scene.name);
	PQclear(renamed);
	commit_then_lost_close(&scene);
}

Test(database_batch, a_commit_confirmed_before_the_connection_is_lost_succeeded)
{
	expect_commit_confirmed_succeeds(DB_POOLING_SESSION);
}

/* The batch then carries BEGIN and the transaction's preamble as well. */
Test(database_batch, a_commit_confirmed_under_transaction_pooling_succeeded)
{
	expect_commit_confirmed_succeeds(DB_POOLING_TRANSACTION);
}

/* The same for db_commit, which sends COMMIT on its own. */
Test(database_batch, a_commit_sent_alone_and_confirmed_succeeded)
{
	struct commit_then_lost scene;
	commit_then_lost_open(&scene, DB_POOLING_SESSION);
	cr_assert_eq(db_exec(scene.conn, &RENAME, DB_ARGS(scene.name, scene.organization), NULL),
		     DB_OK);
	cr_expect_eq(db_commit(scene.conn), DB_OK);
	commit_then_lost_close(&scene);
}

/* And for a batch of the COMMIT alone, which is not sent as a single statement would be
 * (PQexecPrepared answers with the last result, here the failure that followed). */
Test(database_batch, a_commit_step_alone_and_confirmed_succeeded)
{
	struct commit_then_lost scene;
	commit_then_lost_open(&scene, DB_POOLING_SESSION);
	cr_assert_eq(db_exec(scene.conn, &RENAME, DB_ARGS(scene.name, scene.organization), NULL),
		     DB_OK);
	cr_expect_eq(db_exec(scene.conn, &DB_COMMIT, 0, NULL, NULL), DB_OK);
	commit_then_lost_close(&scene);
}

/* api/reports.c turns JIT off for a report this way: a transaction-local setting made by
 * one step holds for the steps after it and is gone once the batch ends. */
Test(database_batch, a_local_setting_lasts_to_the_end_of_the_batch)
{
	static const struct db_statement JIT_SET = {"test_batch_jit_set",
						    "SELECT set_config('jit', $1, true)"};
	static const struct db_statement JIT_SHOWN = {"test_batch_jit_shown",
						      "SELECT current_setting('jit') || $1"};
	struct db_conn *conn = connect_as_peerd();
	PGresult *during = NULL, *after = NULL;
	const struct db_step steps[] = {DB_STEP(&JIT_SET, NULL, "off"),
					DB_STEP(&JIT_SHOWN, &during, "")};
	cr_assert_eq(db_exec_batch(conn, steps, 2), DB_OK);
	cr_expect_str_eq(db_text(during, 0, 0), "off");
	PQclear(during);
	cr_assert_eq(db_exec(conn, &JIT_SHOWN, DB_ARGS(""), &after), DB_OK);
	cr_expect_str_neq(db_text(after, 0, 0), "off", "the setting ended with the batch");
	PQclear(after);
}
