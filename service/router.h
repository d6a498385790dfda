/* Matching a method and path against the route table (api/routes.c). Pure functions:
 * the unit tests call them without a server. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct request;

#define ROUTE_PARAMS_MAX      4
#define ROUTE_PARAM_NAME_MAX  31
#define ROUTE_PARAM_VALUE_MAX 127

struct route_params {
	size_t count;
	struct {
		char name[ROUTE_PARAM_NAME_MAX + 1];
		char value[ROUTE_PARAM_VALUE_MAX + 1];
	} items[ROUTE_PARAMS_MAX];
};

/* What a route expects in the request body. */
enum route_body {
	ROUTE_BODY_NONE,	 /* a body is ignored */
	ROUTE_BODY_JSON,	 /* a JSON object, application/json */
	ROUTE_BODY_MERGE_PATCH,	 /* a JSON object, application/json or merge-patch+json */
	ROUTE_BODY_OPTIONAL_JSON /* nothing, or a JSON object (actions such as /verify) */
};

typedef void (*route_handler)(struct request *request);

/* Where a route's handler runs (service/http_exchange.c). */
enum route_runs {
	/* On a worker thread, its connection suspended meanwhile: a handler that may wait,
	 * on the database above all. */
	ROUTE_RUNS_ON_WORKER,
	/* On the I/O thread that read the request: a handler that never waits (no database,
	 * no lock held for long), such as /healthz, so it answers however busy the workers. */
	ROUTE_RUNS_INLINE,
};

struct route {
	const char *method; /* "GET", "POST", "PATCH", ... */
	const char *path;   /* "/v1/organizations/{id}": a {name} matches one segment */
	unsigned roles;	    /* enum role flags admitted; 0 for a public route (no token) */
	enum route_body body;
	route_handler handler;
	enum route_runs runs;
	/* The query parameters the route takes, NULL-terminated: the dispatcher refuses any
	 * other with 400 before the handler runs, so that a mistyped filter never silently
	 * widens a list. NULL (no QUERY in the table): the route reads none and ignores any. */
	const char *const *query;
};

/* A route's query parameters (.query), for the last argument of ROUTE: QUERY("limit",
 * "cursor"), or QUERY_NONE for a route that refuses every query parameter. */
#define QUERY(...)                     \
	.query = (const char *const[]) \
	{                              \
		__VA_ARGS__, NULL      \
	}
#define QUERY_NONE                     \
	.query = (const char *const[]) \
	{                              \
		NULL                   \
	}

/* A route table's entry, its handler run on a worker or on the I/O thread; the optional
 * last argument is its QUERY. */
#define ROUTE(method_, path_, roles_, body_, handler_, ...)                               \
	{                                                                                 \
		.method = (method_), .path = (path_), .roles = (roles_), .body = (body_), \
		.handler = (handler_), .runs = ROUTE_RUNS_ON_WORKER, __VA_ARGS__          \
	}
#define ROUTE_INLINE(method_, path_, roles_, body_, handler_, ...)                        \
	{                                                                                 \
		.method = (method_), .path = (path_), .roles = (roles_), .body = (body_), \
		.handler = (handler_), .runs = ROUTE_RUNS_INLINE, __VA_ARGS__             \
	}

/* True when route takes the query parameter name (always, for a route that leaves its
 * query unchecked). */
bool route_takes_query(const struct route *route, const char *name);

/* True when path matches pattern segment by segment; fills params with the {name}
 * segments. A segment longer than ROUTE_PARAM_VALUE_MAX never matches. */
bool route_path_matches(const char *pattern, const char *path, struct route_params *params);

enum route_lookup { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

/* Finds the route for method and path. HEAD is served by the GET route. When the path
 * exists under other methods only, writes them comma-separated into allow (for the 405's
 * Allow header). */
enum route_lookup router_find(const struct route *routes, size_t count, const char *method,
			      const char *path, const struct route **found,
			      struct route_params *params, char *allow, size_t allow_size);
