/* What the running service shares between requests. Built once by `peerd serve`; the
 * HTTP threads only read it (the counters are atomics). */
#pragma once

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "jwt_auth.h"
#include "metrics.h"
#include "pool.h"
#include "router.h"
#include "slots.h"
#include "static_files.h"

struct request;

/* A check of the caller on each connection a request borrows (request.c), set before the
 * request's first statement (db_set_guard). A hook, so that the service runs a resource's
 * check without calling up into api/: `peerd serve` sets it; NULL checks nothing. */
typedef void caller_guard_fn(const struct request *request, struct db_conn *db);

struct app {
	const struct config *config;
	struct jwt_verifier verifier;
	struct pool *pool;
	struct pool *reports_pool;  /* PEERD_REPORTS_DATABASE_URL's, or NULL: reports use pool */
	struct slots *export_slots; /* exports streaming now (api/exports.c) */
	struct metrics *metrics;
	struct rate_limiter *rate_limiter;
	struct request_deadlines *request_deadlines; /* made and freed by server.c */
	struct workers *workers;  /* the handlers' threads: made and freed by server.c */
	struct static_files docs; /* the /docs page: PEERD_DOCS_DIR, read at start */
	const struct route *routes;
	size_t route_count;
	caller_guard_fn *caller_guard;
	atomic_ulong in_flight; /* requests from their first line until answered */
	atomic_bool draining;	/* shutting down: responses ask clients to close */
};
