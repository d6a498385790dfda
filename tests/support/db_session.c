#include "db_session.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "arena.h"

static void close_session(void *conn)
{
	db_close(conn);
}

struct db_conn *db_session_open(const char *role, enum db_pooling pooling)
{
	char error[256];
	struct db_conn *conn =
		db_connect(getenv("PEERD_TEST_DATABASE_URL"), role, pooling, error, sizeof error);
	cr_assert_not_null(conn, "%s", error);
	arena_keep(conn, close_session);
	return conn;
}
