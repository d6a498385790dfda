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

/* What a query parameter holds, and so what its reader (service/query.c) refuses. */
enum query_kind {
	QUERY_KIND_INTEGER, /* a whole number min..max */
	QUERY_KIND_CURSOR,  /* an opaque next_cursor (service/pagination.h) */
	QUERY_KIND_UUID,
	QUERY_KIND_CHOICE,    /* one of choices */
	QUERY_KIND_BOOLEAN,   /* "true" or "false" */
	QUERY_KIND_TEXT,      /* 1..max characters */
	QUERY_KIND_DATE,      /* YYYY-MM-DD */
	QUERY_KIND_TIMESTAMP, /* RFC 3339 (updated_since, read by query_page) */
};

struct query_param {
	const char *name; /* NULL ends a route's list */
	enum query_kind kind;
	const char *const *choices; /* CHOICE: NULL-terminated */
	long min, max;		    /* INTEGER: the range; TEXT: max characters */
};

struct route {
	const char *method; /* "GET", "POST", "PATCH", ... */
	const char *path;   /* "/v1/organizations/{id}": a {name} matches one segment */
	unsigned roles;	    /* enum role flags admitted; 0 for a public route (no token) */
	enum route_body body;
	route_handler handler;
	enum route_runs runs;
	/* The query parameters the route takes, ended by one without a name: the dispatcher
	 * refuses any other with 400 before the handler runs, so that a mistyped filter never
	 * silently widens a list. NULL (no QUERY in the table): the route reads none and
	 * ignores any. */
	const struct query_param *query;
};

/* A route's query parameters (.query), for the last argument of ROUTE:
 * QUERY(QUERY_PAGE, QUERY_UUID("organization_id")), or QUERY_NONE for a route that refuses
 * every query parameter. A list's page (API.md "Lists") is ?limit= 1..PAGE_LIMIT_MAX
 * (service/pagination.h) and ?cursor=. */
/* clang-format off */
#define QUERY(...) .query = (const struct query_param[]){__VA_ARGS__, {0}}
#define QUERY_NONE .query = (const struct query_param[]){{0}}
#define QUERY_INTEGER(name_, min_, max_) \
	{.name = (name_), .kind = QUERY_KIND_INTEGER, .min = (min_), .max = (max_)}
#define QUERY_UUID(name_) {.name = (name_), .kind = QUERY_KIND_UUID}
#define QUERY_CHOICE(name_, choices_) \
	{.name = (name_), .kind = QUERY_KIND_CHOICE, .choices = (choices_)}
#define QUERY_BOOLEAN(name_) {.name = (name_), .kind = QUERY_KIND_BOOLEAN}
#define QUERY_TEXT(name_, max_) {.name = (name_), .kind = QUERY_KIND_TEXT, .max = (max_)}
#define QUERY_DATE(name_) {.name = (name_), .kind = QUERY_KIND_DATE}
#define QUERY_LIMIT QUERY_INTEGER("limit", 1, PAGE_LIMIT_MAX)
#define QUERY_PAGE QUERY_LIMIT, {.name = "cursor", .kind = QUERY_KIND_CURSOR}
/* A page of a list that also syncs: ?updated_since= (service/pagination.h PAGE_STATEMENTS). */
#define QUERY_SYNC_PAGE QUERY_PAGE, {.name = "updated_since", .kind = QUERY_KIND_TIMESTAMP}
/* clang-format on */

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

/* The query parameter name as route declares it, or NULL. */
const struct query_param *route_query_param(const struct route *route, const char *name);

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
