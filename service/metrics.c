#include "metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "strbuf.h"
#include "webhook_stats.h"

#define STATUS_CODES 600

static const double BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				 0.25,	0.5,	1.0,   2.5,  5.0,   10.0};
#define BUCKET_COUNT (sizeof BUCKETS / sizeof BUCKETS[0])

struct route_counters {
	atomic_ullong by_status[STATUS_CODES];
	/* Not cumulative: each counts its own band; the last one counts what is above the
	 * largest bound. Their sum is the request count, so no separate count can disagree. */
	atomic_ullong buckets[BUCKET_COUNT + 1];
	atomic_ullong sum_microseconds;
};

struct metrics {
	const struct route *routes;
	size_t route_count;
	time_t started_at;
	struct route_counters *counters; /* route_count + 1 entries; the last is "unmatched" */
};

struct metrics *metrics_create(const struct route *routes, size_t route_count)
{
	struct metrics *metrics = calloc(1, sizeof *metrics);
	if (!metrics)
		return NULL;
	metrics->counters = calloc(route_count + 1, sizeof *metrics->counters);
	if (!metrics->counters) {
		free(metrics);
		return NULL;
	}
	metrics->routes = routes;
	metrics->route_count = route_count;
	metrics->started_at = time(NULL);
	return metrics;
}

void metrics_destroy(struct metrics *metrics)
{
	if (!metrics)
		return;
	free(metrics->counters);
	free(metrics);
}

void metrics_observe(struct metrics *metrics, size_t route_index, unsigned status, double seconds)
{
	if (route_index > metrics->route_count)
		route_index = metrics->route_count;
	struct route_counters *counters = &metrics->counters[route_index];
	atomic_fetch_add_explicit(&counters->by_status[status < STATUS_CODES ? status : 0], 1,
				  memory_order_relaxed);
	size_t bucket = 0;
	while (bucket < BUCKET_COUNT && seconds > BUCKETS[bucket])
		bucket++;
	atomic_fetch_add_explicit(&counters->buckets[bucket], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&counters->sum_microseconds, (unsigned long long)(seconds * 1e6),
				  memory_order_relaxed);
}

static void route_labels(const struct metrics *metrics, size_t index, struct strbuf *out)
{
	if (index == metrics->route_count)
		strbuf_appendf(out, "method=\"\",route=\"unmatched\"");
	else
		strbuf_appendf(out, "method=\"%s\",route=\"%s\"", metrics->routes[index].method,
			       metrics->routes[index].path);
}

static void render_requests(const struct metrics *metrics, struct strbuf *out)
{
	strbuf_appendf(out, "# HELP peerd_http_requests_total HTTP requests answered.\n"
			    "# TYPE peerd_http_requests_total counter\n");
	for (size_t r = 0; r <= metrics->route_count; r++) {
		for (unsigned status = 0; status < STATUS_CODES; status++) {
			unsigned long long value =
				atomic_load(&metrics->counters[r].by_status[status]);
			if (!value)
				continue;
			strbuf_appendf(out, "peerd_http_requests_total{");
			route_labels(metrics, r, out);
			strbuf_appendf(out, ",status=\"%u\"} %llu\n", status, value);
		}
	}
}

static void render_durations(const struct metrics *metrics, struct strbuf *out)
{
	strbuf_appendf(out, "# HELP peerd_http_request_duration_seconds Time from request to "
			    "response.\n"
			    "# TYPE peerd_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= metrics->route_count; r++) {
		const struct route_counters *counters = &metrics->counters[r];
		unsigned long long bands[BUCKET_COUNT + 1];
		unsigned long long count = 0;
		for (size_t b = 0; b <= BUCKET_COUNT; b++)
			count += bands[b] = atomic_load(&counters->buckets[b]);
		if (!count)
			continue;
		unsigned long long cumulative = 0;
		for (size_t b = 0; b < BUCKET_COUNT; b++) {
			cumulative += bands[b];
			strbuf_appendf(out, "peerd_http_request_duration_seconds_bucket{");
			route_labels(metrics, r, out);
			strbuf_appendf(out, ",le=\"%g\"} %llu\n", BUCKETS[b], cumulative);
		}
		strbuf_appendf(out, "peerd_http_request_duration_seconds_bucket{");
		route_labels(metrics, r, out);
		strbuf_appendf(out, ",le=\"+Inf\"} %llu\n", count);
		strbuf_appendf(out, "peerd_http_request_duration_seconds_sum{");
		route_labels(metrics, r, out);
		strbuf_appendf(out, "} %.6f\n",
			       (double)atomic_load(&counters->sum_microseconds) / 1e6);
		strbuf_appendf(out, "peerd_http_request_duration_seconds_count{");
		route_labels(metrics, r, out);
		strbuf_appendf(out, "} %llu\n", count);
	}
}

/* One family of pool figures: its HELP and TYPE, then a line per pool. */
static void render_pool_family(const struct metrics_pool *pools, size_t count, const char *name,
			       const char *type, const char *help,
			       unsigned long long (*value)(const struct pool_stats *),
			       struct strbuf *out)
{
	strbuf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (size_t i = 0; i < count; i++)
		strbuf_appendf(out, "%s{pool=\"%s\"} %llu\n", name, pools[i].name,
			       value(&pools[i].stats));
}

static unsigned long long pool_size(const struct pool_stats *s)
{
	return s->size;
}
static unsigned long long pool_waiting(const struct pool_stats *s)
{
	return s->waiting;
}
static unsigned long long pool_exhausted(const struct pool_stats *s)
{
	return s->exhausted_total;
}
static unsigned long long pool_connect_failures(const struct pool_stats *s)
{
	return s->connect_failures_total;
}

static void render_pools(const struct metrics_pool *pools, size_t count, struct strbuf *out)
{
	render_pool_family(pools, count, "peerd_db_pool_size", "gauge",
			   "Most database connections the pool opens.", pool_size, out);
	strbuf_appendf(out, "# HELP peerd_db_pool_connections Database connections by state.\n"
			    "# TYPE peerd_db_pool_connections gauge\n");
	for (size_t i = 0; i < count; i++)
		strbuf_appendf(out,
			       "peerd_db_pool_connections{pool=\"%s\",state=\"open\"} %zu\n"
			       "peerd_db_pool_connections{pool=\"%s\",state=\"in_use\"} %zu\n",
			       pools[i].name, pools[i].stats.open, pools[i].name,
			       pools[i].stats.in_use);
	render_pool_family(pools, count, "peerd_db_pool_waiting", "gauge",
			   "Requests waiting for a database connection.", pool_waiting, out);
	render_pool_family(pools, count, "peerd_db_pool_exhausted_total", "counter",
			   "Waits for a connection that timed out.", pool_exhausted, out);
	render_pool_family(pools, count, "peerd_db_connect_failures_total", "counter",
			   "Failed attempts to connect.", pool_connect_failures, out);
}

char *metrics_render(struct metrics *metrics, const struct metrics_pool *pools, size_t pool_count,
		     unsigned long in_flight)
{
	struct strbuf out;
	strbuf_init(&out);
	strbuf_appendf(&out,
		       "# HELP peerd_start_time_seconds When this process started (Unix time).\n"
		       "# TYPE peerd_start_time_seconds gauge\n"
		       "peerd_start_time_seconds %lld\n",
		       (long long)metrics->started_at);
	render_requests(metrics, &out);
	render_durations(metrics, &out);
	render_pools(pools, pool_count, &out);
	strbuf_appendf(&out,
		       "# HELP peerd_http_requests_in_flight Requests being handled now.\n"
		       "# TYPE peerd_http_requests_in_flight gauge\n"
		       "peerd_http_requests_in_flight %lu\n",
		       in_flight);
	webhook_stats_render(&out);
	return strbuf_take(&out);
}
