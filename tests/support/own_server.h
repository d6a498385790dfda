/* A peerd of the test's own serving a database of the test's own: for what would disturb
 * the shared server or database (a missing schema, a schema changed under it, a flood of
 * rows). */
#pragma once
#include <stdbool.h>

#include "http.h"
#include "peerd_process.h"

struct own_server {
	char database[64];
	char setting[320]; /* "PEERD_DATABASE_URL=..." for the database */
	struct peerd_process process;
};

/* Makes the database, with every migration applied when migrated, and starts peerd on it
 * with the extra settings (NULL-terminated, at most seven; NULL for none). The test stops
 * the process (peerd_stop) and then drops the database (drop_own_database). */
void own_server_start(struct own_server *own, bool migrated, const char *const *extra);

/* Sends method path to server as token (NULL: none), with body as application/json (NULL:
 * no body). */
struct http_response *own_server_send(const struct peerd_process *server, const char *method,
				      const char *path, const char *token, const char *body);
