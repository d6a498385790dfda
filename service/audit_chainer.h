/* The background half of the audit trail (audit_inbox and peerd_audit_chain in
 * sql/schema.sql): requests put their events in the inbox, and this thread moves them onto
 * the hash chain a few times a second over a database connection of its own, so no request
 * waits for the chain. */
#pragma once

#include "attributes.h"
#include "db.h"

struct audit_chainer;

/* Starts the thread; NULL when out of memory or threads. It connects lazily, and a
 * database that cannot be reached only delays the chaining. */
MUST_CHECK struct audit_chainer *audit_chainer_start(const char *url, const char *role,
						     enum db_pooling pooling);

/* Chains what is left, then stops the thread and frees it. NULL is ignored. */
void audit_chainer_stop(struct audit_chainer *chainer);
