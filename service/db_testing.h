/* For tests only: what a test needs to look past db.c. Nothing in peerd includes it. */
#pragma once

#include <libpq-fe.h>

struct db_conn;

/* The libpq connection under conn, to ask the server directly what db.c would not send
 * (the scope a session holds, the transaction status). Owned by conn. */
PGconn *db_testing_pgconn(struct db_conn *conn);
