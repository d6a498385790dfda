/* A small HTTP client for the integration tests (libcurl): one call, one response. */
#pragma once

#include <jansson.h>
#include <stddef.h>

struct http_response {
	long status;
	char *body; /* NUL-terminated */
	size_t body_size;
	json_t *json;  /* the body parsed, or NULL when it is not JSON */
	char *headers; /* the raw header block */
};

struct http_request {
	const char *method;	  /* default GET */
	const char *path;	  /* appended to the base URL */
	const char *token;	  /* Authorization: Bearer, or NULL */
	const char *content_type; /* Content-Type, or NULL */
	const char *body;	  /* or NULL */
	size_t body_size;	  /* 0: strlen(body) */
	const char *headers[8];	  /* extra "Name: value" lines, NULL-terminated */
	const char *base_url;	  /* NULL: PEERD_TEST_URL */
};

/* Sends request and returns the response; aborts the test when the server cannot be
 * reached at all. Free with http_response_free. */
struct http_response *http_send(const struct http_request *request);

/* As http_send, but when no complete response comes back (refused, reset, empty reply,
 * timeout) returns NULL and writes curl's reason into error instead of failing the test:
 * for other threads than the test's, and for servers that go away. */
struct http_response *http_try_send(const struct http_request *request, char *error,
				    size_t error_size);

void http_response_free(struct http_response *response);

/* The value of a response header (first match, case-insensitive) as a new string the
 * caller frees, or NULL. */
char *http_header(const struct http_response *response, const char *name);

/* The status GET path answers at base_url (NULL: PEERD_TEST_URL) with token (or NULL), or
 * -1 when no complete answer came back. Asserts nothing, so any thread may call it. */
long http_status(const char *base_url, const char *path, const char *token);

/* The lines of an NDJSON body (an export), parsed; asserts each is one JSON object and the
 * body ends with a line feed. Decref it. */
json_t *ndjson_lines(const struct http_response *response);

/* Shorthands. */
struct http_response *http_get(const char *path, const char *token);

/* Sends body (a JSON value, not stolen) as application/json. */
struct http_response *http_send_json(const char *method, const char *path, const char *token,
				     const json_t *body);

/* POSTs body (a JSON value, not stolen) as application/json, with `Idempotency-Key: key`
 * when key is not NULL. */
struct http_response *http_post_keyed(const char *path, const char *token, const json_t *body,
				      const char *key);

/* PATCH path with body as application/merge-patch+json, and If-Match: if_match when it
 * is not NULL. */
struct http_response *http_patch(const char *path, const char *token, const char *body,
				 const char *if_match);

/* POST path with body (JSON text) as application/json. */
struct http_response *http_post(const char *path, const char *token, const char *body);

/* As http_post (body NULL: none), with If-Match: if_match when it is not NULL: an action
 * such as /verify or /sign taken on the version the caller read. */
struct http_response *http_post_if_match(const char *path, const char *token, const char *body,
					 const char *if_match);

/* The ETag GET resource answers token now (asserted to be a 200 with one); the caller frees
 * it. */
char *http_etag(const char *resource, const char *token);

/* As http_post_if_match, with If-Match the ETag that GET resource answers token just
 * before: the action suffix ("/sign") taken on what was just read. */
struct http_response *http_post_as_read(const char *resource, const char *suffix, const char *token,
					const char *body);

/* As http_patch, with If-Match the ETag that GET path answers token just before. */
struct http_response *http_patch_as_read(const char *path, const char *token, const char *body);

/* The string member key of the response's JSON object, or NULL. Owned by response. */
const char *http_string(const struct http_response *response, const char *key);

/* The base URL of the shared server: PEERD_TEST_URL. */
const char *http_base_url(void);

/* Its port, for requests sent on a plain socket (raw_http.h). */
unsigned http_base_port(void);
