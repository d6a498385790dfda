/* Request counters, latency histograms and pool gauges, exposed as Prometheus text on
 * /metrics. Counters are atomics: recording a request takes no lock. */
#pragma once

#include <stddef.h>

#include "pool.h"
#include "router.h"

struct metrics;

/* Creates counters for each route of the table plus one for unmatched requests. Returns
 * NULL when out of memory. */
struct metrics *metrics_create(const struct route *routes, size_t route_count);

void metrics_destroy(struct metrics *metrics);

/* Records one answered request. route_index is the route's position in the table, or
 * route_count when no route matched. */
void metrics_observe(struct metrics *metrics, size_t route_index, unsigned status, double seconds);

/* A database pool's figures, under the label pool="name". */
struct metrics_pool {
	const char *name; /* "primary", "reports" */
	struct pool_stats stats;
};

/* Returns the exposition text (the caller frees it), or NULL when out of memory. */
char *metrics_render(struct metrics *metrics, const struct metrics_pool *pools, size_t pool_count,
		     unsigned long in_flight);
