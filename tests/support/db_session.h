/* A connection of peerd's own database layer (service/db.c) to the test database, for the
 * tests that drive db.c directly rather than over HTTP. */
#pragma once

#include "db.h"

/* Connects to PEERD_TEST_DATABASE_URL as role (NULL: the login role) with pooling; fails
 * the test if it cannot. The test's arena (arena.h) closes the connection. */
struct db_conn *db_session_open(const char *role, enum db_pooling pooling);
