#include "dispatch.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "cors.h"
#include "db.h"
#include "jwt_auth.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "problem.h"
#include "query.h"
#include "rate_limit.h"
#include "request.h"
#include "respond.h"
#include "validate.h"

static bool is_safe_request_id(const char *id)
{
	size_t length = strlen(id);
	if (length == 0 || length > REQUEST_ID_MAX)
		return false;
	for (const char *c = id; *c; c++) {
		if (!isalnum((unsigned char)*c) && !strchr("-_.:", *c))
			return false;
	}
	return true;
}

/* Makes the request's own id, and echoes the client's X-Request-Id when it is safe to put
 * in logs, else that own id. */
static void assign_request_id(struct request *request)
{
	if (!uuid_generate_v4(request->server_request_id))
		request->server_request_id[0] = '\0';
	const char *given = request_header(request, "X-Request-Id");
	if (given && is_safe_request_id(given))
		memcpy(request->id, given, strlen(given) + 1);
	else
		strcpy(request->id,
		       request->server_request_id[0] ? request->server_request_id : "unavailable");
	respond_header(request, "X-Request-Id", request->id);
}

static void add_standard_headers(struct request *request)
{
	/* Responses carry health information: no cache along the way may keep them. */
	respond_header(request, "Cache-Control", "no-store");
	respond_header(request, "X-Content-Type-Options", "nosniff");
	respond_header(request, "Content-Security-Policy",
		       "default-src 'none'; frame-ancestors 'none'");
	respond_header(request, "Referrer-Policy", "no-referrer");
}

static bool find_route(struct request *request)
{
	char allow[128];
	const struct app *app = request->app;
	const char *method = request->raw->http_verb;
	switch (router_find(app->routes, app->route_count, method, request->raw->url_path,
			    &request->route, &request->params, allow, sizeof allow)) {
	case ROUTE_FOUND:
		return true;
	case ROUTE_NOT_FOUND:
		problem_send(request, 404, "there is no resource at this path");
		return false;
	case ROUTE_METHOD_NOT_ALLOWED:
		respond_header(request, "Allow", allow);
		if (strcmp(method, "OPTIONS") == 0) {
			respond_empty(request, 204);
			return false;
		}
		problem_send(request, 405, "this resource answers only %s", allow);
		return false;
	}
	return false;
}

static bool refuse_body_too_large(struct request *request)
{
	problem_send(request, 413, "the request body is larger than %zu bytes",
		     request->app->config->max_body_bytes);
	return false;
}

/* Before the body: the length the client declared. A chunked body declares none. */
static bool declared_body_within_limit(struct request *request)
{
	const char *declared = request_header(request, "Content-Length");
	unsigned long long length = declared ? strtoull(declared, NULL, 10) : 0;
	return length <= request->app->config->max_body_bytes || refuse_body_too_large(request);
}

/* After it: the exchange keeps at most max_body_bytes + 1 bytes of a body, so a longer
 * body shows up as one byte too many even when the client declared no length. */
static bool received_body_within_limit(struct request *request)
{
	return request->raw->binary_body_length <= request->app->config->max_body_bytes ||
	       refuse_body_too_large(request);
}

/* ulfius would silently drop a value that is not UTF-8 (check_utf8), turning a garbled
 * filter into no filter; peerd keeps them and refuses the request instead. A NUL (%00)
 * would as silently cut a value short ("kind=provider%00x" read as "provider"), so the
 * query as sent may not hold one. */
static bool query_is_text(struct request *request)
{
	const char *sent = request->raw->http_url ? strchr(request->raw->http_url, '?') : NULL;
	if (sent && strstr(sent, "%00")) {
		problem_send(request, 400, "a query parameter holds a NUL character (%%00)");
		return false;
	}
	const struct _u_map *query = request->raw->map_url;
	for (int i = 0; query && i < query->nb_values; i++) {
		if (!utf8_is_valid(query->keys[i]) || !utf8_is_valid(query->values[i])) {
			problem_send(request, 400, "a query parameter is not valid UTF-8 text");
			return false;
		}
	}
	return true;
}

static const char *bearer_token(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *token = authorization + 7;
	token += strspn(token, " ");
	return *token ? token : NULL;
}

static bool authenticate(struct request *request)
{
	const char *token = bearer_token(request_header(request, "Authorization"));
	if (!token) {
		problem_send_unauthorized(request, false, "a bearer token is required");
		return false;
	}
	enum jwt_verdict verdict =
		jwt_verify(&request->app->verifier, token, time(NULL), &request->caller);
	if (verdict != JWT_VALID) {
		problem_send_unauthorized(request, true, jwt_verdict_text(verdict));
		return false;
	}
	return true;
}

/* The caller's share of requests (service/rate_limit.c): 429 with Retry-After past it. */
static bool within_rate(struct request *request)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double retry_after = 0;
	if (rate_limiter_admit(request->app->rate_limiter, &request->caller,
			       (double)now.tv_sec + (double)now.tv_nsec / 1e9, &retry_after))
		return true;
	char seconds[24];
	snprintf(seconds, sizeof seconds, "%ld", (long)retry_after + 1);
	respond_header(request, "Retry-After", seconds);
	problem_send(request, 429, "too many requests from this caller; try again in %s s",
		     seconds);
	return false;
}

static bool authorize(struct request *request)
{
	if (role_in(request->caller.role, request->route->roles))
		return true;
	problem_send(request, 403, "the %s role may not %s %s", role_name(request->caller.role),
		     request->route->method, request->route->path);
	return false;
}

/* Compares a Content-Type's media type (before any ';') with type, ignoring case, and
 * accepts only UTF-8 as a charset. */
static bool media_type_is(const char *header, const char *type)
{
	size_t length = strlen(type);
	if (!header || strncasecmp(header, type, length) != 0)
		return false;
	const char *rest = header + length;
	rest += strspn(rest, " \t");
	if (*rest == '\0')
		return true;
	if (*rest != ';')
		return false;
	const char *charset = strcasestr(rest, "charset=");
	if (!charset)
		return true;
	charset += 8;
	charset += *charset == '"';
	return strncasecmp(charset, "utf-8", 5) == 0;
}

static bool content_type_accepted(struct request *request)
{
	const char *type = request_header(request, "Content-Type");
	if (media_type_is(type, "application/json"))
		return true;
	return request->route->body == ROUTE_BODY_MERGE_PATCH &&
	       media_type_is(type, "application/merge-patch+json");
}

static void problem_send_unsupported_body(struct request *request)
{
	problem_send(request, 415, "send the body as %s",
		     request->route->body == ROUTE_BODY_MERGE_PATCH
			     ? "application/merge-patch+json or application/json"
			     : "application/json");
}

/* A body on its way: a length above zero, or chunks. */
static bool request_declares_body(struct request *request)
{
	const char *length = request_header(request, "Content-Length");
	return (length && strtoull(length, NULL, 10) > 0) ||
	       request_header(request, "Transfer-Encoding");
}

/* Whether the route takes a body and, if so, whether the client announced one it can
 * read: checked on the headers, so that an unreadable body is never taken in. */
static bool body_acceptable(struct request *request)
{
	enum route_body expected = request->route->body;
	if (expected == ROUTE_BODY_NONE || !request_declares_body(request))
		return true;
	if (content_type_accepted(request))
		return true;
	problem_send_unsupported_body(request);
	return false;
}

static bool read_body(struct request *request)
{
	enum route_body expected = request->route->body;
	size_t size = request->raw->binary_body_length;
	if (expected == ROUTE_BODY_NONE || (expected == ROUTE_BODY_OPTIONAL_JSON && size == 0))
		return true;
	if (!content_type_accepted(request)) {
		problem_send_unsupported_body(request);
		return false;
	}
	if (size == 0) {
		problem_send(request, 400, "this request needs a JSON object as its body");
		return false;
	}
	json_error_t error;
	request->body = json_loadb(request->raw->binary_body, size, JSON_REJECT_DUPLICATES, &error);
	if (!request->body) {
		problem_send(request, 400, "the body is not valid JSON: %s (line %d, column %d)",
			     error.text, error.line, error.column);
		return false;
	}
	if (!json_is_object(request->body)) {
		problem_send(request, 400, "the body must be a JSON object");
		return false;
	}
	return true;
}

bool dispatch_headers(struct request *request)
{
	assign_request_id(request);
	add_standard_headers(request);
	if (cors_handle(request) || !find_route(request) || !declared_body_within_limit(request) ||
	    !query_is_text(request))
		return false;
	if (request->route->roles &&
	    (!authenticate(request) || !within_rate(request) || !authorize(request)))
		return false;
	/* After authorization, so that a caller learns which parameters a route takes only
	 * once admitted to it. */
	return query_names_known(request) && body_acceptable(request);
}

void dispatch_refuse(struct request *request, unsigned status, const char *detail)
{
	assign_request_id(request);
	add_standard_headers(request);
	respond_header(request, "Connection", "close");
	problem_send(request, status, "%s", detail);
}

void dispatch_body(struct request *request)
{
	if (!received_body_within_limit(request) || !read_body(request))
		return;
	request->route->handler(request);
	audit_flush_reads(request);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void log_access(const struct request *request, double seconds)
{
	const char *route = request->route ? request->route->path : "unmatched";
	enum log_level level = request->status >= 500 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO;
	char method[32];
	text_for_json(request->raw->http_verb, method, sizeof method);
	log_request(level, &(struct log_request){.method = method,
						 .route = route,
						 .status = request->status,
						 .duration_ms = seconds * 1000.0,
						 .request_id = request->id,
						 .server_request_id = request->server_request_id});
}

void dispatch_finish(struct request *request, const struct timespec *started)
{
	if (request->status == 0) {
		log_message(LOG_LEVEL_ERROR, "%s %s produced no response", request->raw->http_verb,
			    request->route ? request->route->path : "?");
		problem_send(request, 500, "the server could not complete this request");
	}
	/* Decided at the end: a request that began before a stop signal still hears it. */
	if (atomic_load(&request->app->draining))
		respond_header(request, "Connection", "close");
	if (request->db)
		pool_release(request->db_pool, request->db);
	request->db = NULL;
	audit_release(request);
	json_decref(request->body);
	request->body = NULL;
	double seconds = seconds_since(started);
	struct app *app = request->app;
	size_t route_index =
		request->route ? (size_t)(request->route - app->routes) : app->route_count;
	metrics_observe(app->metrics, route_index, request->status, seconds);
	log_access(request, seconds);
}
