/* One HTTP exchange as handlers see it. The dispatcher (service/dispatch.c) fills it,
 * calls the route's handler, then releases everything it holds: the parsed body and the
 * borrowed database connection. A handler only reads it and sends one response. */
#pragma once

#include "attributes.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <ulfius.h>

#include "auth.h"
#include "router.h"

#define REQUEST_ID_MAX 128

struct app;
struct db_conn;
struct audit_trail;

struct request {
	const struct _u_request *raw;
	struct _u_response *response;
	struct app *app;
	const struct route *route;   /* NULL when no route matched */
	struct route_params params;  /* values of {name} segments of the route */
	struct principal caller;     /* set on routes that need a token */
	json_t *body;		     /* the JSON object of routes that take one, or NULL */
	struct db_conn *db;	     /* borrowed on first request_db() */
	struct pool *db_pool;	     /* the pool db was borrowed from */
	char id[REQUEST_ID_MAX + 1]; /* X-Request-Id: the client's, else server_request_id */
	/* peerd's own id for this request, a UUID no other request has (the client's may be
	 * anything, and shared); "" only when the kernel gave no random bytes */
	char server_request_id[UUID_TEXT_SIZE];
	struct audit_trail *audit; /* events recorded, not yet written (service/audit.c) */
	bool audit_lost;	   /* an event could not even be recorded */
	unsigned status;	   /* status sent, 0 until a response is set */
};

/* A query parameter's value, or NULL when absent. */
const char *request_query(const struct request *request, const char *name);

/* A request header (case-insensitive name), or NULL. */
const char *request_header(const struct request *request, const char *name);

/* Borrows a database connection to the primary for the rest of the request (giving back a
 * reports connection borrowed before). On failure it has already answered 503 with
 * Retry-After and returns NULL. */
MUST_CHECK struct db_conn *request_db(struct request *request);

/* As request_db, from the reports' database (PEERD_REPORTS_DATABASE_URL, a read replica)
 * when one is set: for requests that only read and may lag the primary a little. */
MUST_CHECK struct db_conn *request_reports_db(struct request *request);

struct field_rule;

/* Validates doc against rules; when a field breaks a rule answers 422 listing every such
 * field and returns false. */
MUST_CHECK bool request_valid(struct request *request, const json_t *doc,
			      const struct field_rule *rules);

/* The {name} path segment as sent, or "" when the route has none. */
const char *request_param(struct request *request, const char *name);

/* The {name} path segment as a lower-case UUID, or NULL after answering 404 (an id that
 * is not a UUID names nothing). */
MUST_CHECK const char *request_id_param(struct request *request, const char *name);
