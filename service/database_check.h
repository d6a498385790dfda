/* The look `peerd serve` takes at its database once at start, so that an operator reads
 * in the log why the API will answer 503 (the database cannot be reached, the role peerd
 * works as is missing, no schema, an older schema) instead of finding out from clients.
 * It only logs: peerd serves either way, opening connections on demand. */
#pragma once

#include "attributes.h"
#include "db.h"

struct database_check;

/* Starts the check on a thread of its own: connecting may take up to connect_timeout (3
 * s) when the database does not answer, and /healthz must not wait for that. url and role
 * (NULL: the login role) must stay valid until database_check_finish. NULL when no thread
 * could be started (nothing is checked then). */
MUST_CHECK struct database_check *database_check_start(const char *url, const char *role,
						       enum db_pooling pooling);

/* Waits for the check to end and frees it. NULL is ignored. */
void database_check_finish(struct database_check *check);
