#include "http.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"

static void release_response(void *thing);

struct buffer {
	char *data;
	size_t size;
};

static size_t collect(char *chunk, size_t size, size_t count, void *context)
{
	struct buffer *buffer = context;
	size_t bytes = size * count;
	char *grown = realloc(buffer->data, buffer->size + bytes + 1);
	if (!grown)
		return 0;
	memcpy(grown + buffer->size, chunk, bytes);
	buffer->data = grown;
	buffer->size += bytes;
	buffer->data[buffer->size] = '\0';
	return bytes;
}

const char *http_base_url(void)
{
	const char *url = getenv("PEERD_TEST_URL");
	cr_assert(url, "PEERD_TEST_URL is not set: the suite's server did not start");
	return url;
}

unsigned http_base_port(void)
{
	const char *colon = strrchr(http_base_url(), ':');
	cr_assert(colon, "PEERD_TEST_URL has no port: %s", http_base_url());
	return (unsigned)atoi(colon + 1);
}

/* One exchange with the server at base_url. */
static struct http_response *perform(const struct http_request *request, const char *base_url,
				     char *error, size_t error_size)
{
	CURL *curl = curl_easy_init();
	cr_assert(curl);
	char url[2048];
	snprintf(url, sizeof url, "%s%s", base_url, request->path);
	struct curl_slist *headers = NULL;
	char line[8192];
	if (request->token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", request->token);
		headers = curl_slist_append(headers, line);
	}
	if (request->content_type) {
		snprintf(line, sizeof line, "Content-Type: %s", request->content_type);
		headers = curl_slist_append(headers, line);
	} else {
		/* curl would otherwise label a body as a form. */
		headers = curl_slist_append(headers, "Content-Type:");
	}
	headers = curl_slist_append(headers, "Expect:");
	for (size_t i = 0; i < 8 && request->headers[i]; i++)
		headers = curl_slist_append(headers, request->headers[i]);

	struct buffer body = {0}, head = {0};
	const char *method = request->method ? request->method : "GET";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	if (request->body) {
		size_t size = request->body_size ? request->body_size : strlen(request->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	}
	CURLcode outcome = curl_easy_perform(curl);
	if (outcome != CURLE_OK) {
		snprintf(error, error_size, "%s %s: %s", method, url, curl_easy_strerror(outcome));
		free(body.data);
		free(head.data);
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return NULL;
	}

	struct http_response *response = calloc(1, sizeof *response);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
	response->body = body.data ? body.data : calloc(1, 1);
	response->body_size = body.size;
	response->headers = head.data ? head.data : calloc(1, 1);
	response->json = json_loads(response->body, JSON_DECODE_ANY, NULL);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	arena_keep(response, release_response);
	return response;
}

/* The integration suite can send the shared server's traffic through Prism's validating
 * proxy (`prism proxy --errors`, PEERD_TEST_CONTRACT_URL), which holds every request and
 * response to openapi.yaml. Prism answers itself in two cases, told apart here:
 * - it refused the request as outside the contract, and never forwarded it. The tests send
 *   such requests on purpose, to see peerd refuse them, so the request goes to peerd
 *   directly; peerd accepting what the contract refuses is a mismatch.
 * - the response peerd gave broke the contract (500, type #VIOLATIONS): the request did
 *   happen, so it cannot be sent again; the mismatch is reported instead.
 * Any other answer of Prism's (it could not reach peerd, or read its response) fails the
 * request without sending it again, since peerd may have handled it. */
static const char PRISM_ERROR_TYPE[] = "https://stoplight.io/prism/errors#";

enum contract_verdict {
	CONTRACT_KEPT,		  /* peerd's response, within the contract */
	CONTRACT_REQUEST_REFUSED, /* Prism refused the request and never forwarded it */
	CONTRACT_RESPONSE_BROKEN, /* peerd's response broke the contract */
	CONTRACT_PROXY_FAILED,	  /* Prism answered for another reason: it may have forwarded */
};

/* Prism's refusals of a request it did not forward: only these may be sent again. */
static const char *const PRISM_REFUSALS[] = {
	"UNPROCESSABLE_ENTITY",
	"UNAUTHORIZED",
	"INVALID_CONTENT_TYPE",
	"NO_PATH_MATCHED_ERROR",
	"NO_METHOD_MATCHED_ERROR",
	"PROXY_UNSUPPORTED_REQUEST_BODY",
	NULL,
};

static bool violation_is_about(const json_t *violation, const char *side)
{
	const char *first =
		json_string_value(json_array_get(json_object_get(violation, "location"), 0));
	return first && strcmp(first, side) == 0;
}

/* A response forwarded from peerd (it always sends X-Request-Id; Prism's own answers do
 * not): broken when the violations Prism let through name the response. */
static enum contract_verdict judge_forwarded(const struct http_response *response,
					     json_t **violations)
{
	char *header = http_header(response, "sl-violations");
	*violations = header ? json_loads(header, 0, NULL) : NULL;
	free(header);
	size_t index;
	json_t *violation;
	json_array_foreach (*violations, index, violation) {
		if (violation_is_about(violation, "response"))
			return CONTRACT_RESPONSE_BROKEN;
	}
	return CONTRACT_KEPT;
}

/* What Prism's answer says, with its violations (a new reference, or NULL) in *violations. */
static enum contract_verdict judge(const struct http_response *response, json_t **violations)
{
	char *request_id = http_header(response, "X-Request-Id");
	bool from_peerd = request_id != NULL;
	free(request_id);
	if (from_peerd)
		return judge_forwarded(response, violations);
	const char *type = json_string_value(json_object_get(response->json, "type"));
	*violations = json_incref(json_object_get(response->json, "validation"));
	if (!type || strncmp(type, PRISM_ERROR_TYPE, strlen(PRISM_ERROR_TYPE)) != 0)
		return CONTRACT_PROXY_FAILED;
	const char *kind = type + strlen(PRISM_ERROR_TYPE);
	if (strcmp(kind, "VIOLATIONS") == 0)
		return CONTRACT_RESPONSE_BROKEN;
	for (size_t i = 0; PRISM_REFUSALS[i]; i++) {
		if (strcmp(kind, PRISM_REFUSALS[i]) == 0)
			return CONTRACT_REQUEST_REFUSED;
	}
	return CONTRACT_PROXY_FAILED;
}

static void describe_mismatch(const struct http_request *request, const char *what,
			      const json_t *violations, char *error, size_t error_size)
{
	char *text = violations ? json_dumps(violations, JSON_COMPACT) : NULL;
	snprintf(error, error_size, "openapi.yaml mismatch: %s %s: %s: %s",
		 request->method ? request->method : "GET", request->path, what,
		 text ? text : "(Prism gave no details)");
	free(text);
}

/* Nesting deeper than any resource of the API: a test of peerd's parser, and Prism
 * overflows its stack on it. */
#define CONTRACT_MAX_DEPTH 32
/* Far above any resource; bodies this large test peerd's limit. */
#define CONTRACT_MAX_BODY  65536

static bool json_shallow(const char *text, size_t size)
{
	int depth = 0, deepest = 0;
	bool in_string = false;
	for (size_t i = 0; i < size; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			deepest = ++depth > deepest ? depth : deepest;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return deepest <= CONTRACT_MAX_DEPTH;
}

/* True for a request an HTTP client library could have sent from the contract's types:
 * no body, or a modest well-formed JSON one labelled as JSON. Anything else (malformed or
 * oversized bodies, other media types, HEAD and OPTIONS) tests peerd's own defences, and
 * Prism would answer it itself or rewrite it on the way (it parses and re-serializes
 * bodies), so it goes to peerd directly. */
static bool within_contract_scope(const struct http_request *request)
{
	const char *method = request->method ? request->method : "GET";
	if (strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0)
		return false;
	if (!request->body)
		return true;
	size_t size = request->body_size ? request->body_size : strlen(request->body);
	const char *type = request->content_type;
	if (size > CONTRACT_MAX_BODY || !type ||
	    (strcmp(type, "application/json") != 0 &&
	     strcmp(type, "application/merge-patch+json") != 0))
		return false;
	json_t *parsed = json_loadb(request->body, size, JSON_REJECT_DUPLICATES, NULL);
	bool well_formed = parsed != NULL;
	json_decref(parsed);
	return well_formed && json_shallow(request->body, size);
}

/* Sends request to the shared server through the contract proxy. */
static struct http_response *send_under_contract(const struct http_request *request,
						 const char *proxy, char *error, size_t error_size)
{
	struct http_response *response = perform(request, proxy, error, error_size);
	if (!response)
		return NULL;
	json_t *violations;
	enum contract_verdict verdict = judge(response, &violations);
	if (verdict == CONTRACT_REQUEST_REFUSED) {
		http_response_free(response);
		response = perform(request, http_base_url(), error, error_size);
		if (response && response->status < 400) {
			describe_mismatch(request, "the contract refuses a request peerd accepts",
					  violations, error, error_size);
			http_response_free(response);
			response = NULL;
		}
	} else if (verdict == CONTRACT_RESPONSE_BROKEN) {
		describe_mismatch(request, "peerd's response breaks the contract", violations,
				  error, error_size);
		http_response_free(response);
		response = NULL;
	} else if (verdict == CONTRACT_PROXY_FAILED) {
		/* Not sent again: peerd may have handled it already. */
		snprintf(error, error_size, "the contract proxy failed on %s %s: %ld %s",
			 request->method ? request->method : "GET", request->path, response->status,
			 response->body);
		http_response_free(response);
		response = NULL;
	}
	json_decref(violations);
	return response;
}

/* The proxy's URL when requests to PEERD_TEST_URL should go through it. It fronts the
 * suite's shared server only (PEERD_TEST_CONTRACT_UPSTREAM, set by suite.c): a test that
 * points PEERD_TEST_URL at a server of its own talks to that one directly. */
static const char *contract_proxy(void)
{
	const char *proxy = getenv("PEERD_TEST_CONTRACT_URL");
	const char *upstream = getenv("PEERD_TEST_CONTRACT_UPSTREAM");
	if (!proxy || !*proxy || !upstream || strcmp(upstream, http_base_url()) != 0)
		return NULL;
	return proxy;
}

struct http_response *http_try_send(const struct http_request *request, char *error,
				    size_t error_size)
{
	if (request->base_url)
		return perform(request, request->base_url, error, error_size);
	const char *proxy = contract_proxy();
	if (proxy && within_contract_scope(request))
		return send_under_contract(request, proxy, error, error_size);
	return perform(request, http_base_url(), error, error_size);
}

struct http_response *http_send(const struct http_request *request)
{
	char error[8192];
	struct http_response *response = http_try_send(request, error, sizeof error);
	cr_assert(response, "%s", error);
	return response;
}

void http_response_free(struct http_response *response)
{
	if (!response)
		return;
	arena_forget(response);
	release_response(response);
}

static void release_response(void *thing)
{
	struct http_response *response = thing;
	json_decref(response->json);
	free(response->body);
	free(response->headers);
	free(response);
}

char *http_header(const struct http_response *response, const char *name)
{
	size_t name_length = strlen(name);
	for (const char *line = response->headers; line && *line;) {
		const char *end = strstr(line, "\r\n");
		size_t length = end ? (size_t)(end - line) : strlen(line);
		if (length > name_length && line[name_length] == ':' &&
		    strncasecmp(line, name, name_length) == 0) {
			const char *value = line + name_length + 1;
			while (*value == ' ')
				value++;
			return strndup(value, (size_t)(line + length - value));
		}
		line = end ? end + 2 : NULL;
	}
	return NULL;
}

long http_status(const char *base_url, const char *path, const char *token)
{
	char error[256];
	struct http_response *response = http_try_send(
		&(struct http_request){.path = path, .token = token, .base_url = base_url}, error,
		sizeof error);
	long status = response ? response->status : -1;
	http_response_free(response);
	return status;
}

struct http_response *http_get(const char *path, const char *token)
{
	return http_send(&(struct http_request){.path = path, .token = token});
}

/* Sends body as application/json, with one more header line when it is not NULL. */
static struct http_response *send_json_with(const char *method, const char *path, const char *token,
					    const json_t *body, const char *header)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	struct http_response *response = http_send(&(struct http_request){
		.method = method,
		.path = path,
		.token = token,
		.content_type = "application/json",
		.body = text,
		.headers = {header},
	});
	free(text);
	return response;
}

struct http_response *http_send_json(const char *method, const char *path, const char *token,
				     const json_t *body)
{
	return send_json_with(method, path, token, body, NULL);
}

struct http_response *http_post_keyed(const char *path, const char *token, const json_t *body,
				      const char *key)
{
	char header[512];
	if (key)
		snprintf(header, sizeof header, "Idempotency-Key: %s", key);
	return send_json_with("POST", path, token, body, key ? header : NULL);
}

/* Sends body as content_type, with If-Match: if_match when it is not NULL. */
static struct http_response *send_if_match(const char *method, const char *path, const char *token,
					   const char *content_type, const char *body,
					   const char *if_match)
{
	char header[128];
	snprintf(header, sizeof header, "If-Match: %s", if_match ? if_match : "");
	return http_send(&(struct http_request){.method = method,
						.path = path,
						.token = token,
						.content_type = content_type,
						.body = body,
						.headers = {if_match ? header : NULL}});
}

struct http_response *http_patch(const char *path, const char *token, const char *body,
				 const char *if_match)
{
	return send_if_match("PATCH", path, token, "application/merge-patch+json", body, if_match);
}

const char *http_string(const struct http_response *response, const char *key)
{
	return json_string_value(json_object_get(response->json, key));
}

struct http_response *http_post(const char *path, const char *token, const char *body)
{
	return http_send(&(struct http_request){.method = "POST",
						.path = path,
						.token = token,
						.content_type = "application/json",
						.body = body});
}

struct http_response *http_post_if_match(const char *path, const char *token, const char *body,
					 const char *if_match)
{
	return send_if_match("POST", path, token, body ? "application/json" : NULL, body, if_match);
}

char *http_etag(const char *resource, const char *token)
{
	struct http_response *read = http_get(resource, token);
	cr_assert_eq(read->status, 200, "GET %s: %s", resource, read->body);
	char *etag = http_header(read, "ETag");
	cr_assert(etag, "GET %s sends no ETag", resource);
	http_response_free(read);
	return etag;
}

struct http_response *http_post_as_read(const char *resource, const char *suffix, const char *token,
					const char *body)
{
	char *etag = http_etag(resource, token);
	char path[512];
	snprintf(path, sizeof path, "%s%s", resource, suffix);
	struct http_response *response = http_post_if_match(path, token, body, etag);
	free(etag);
	return response;
}

struct http_response *http_patch_as_read(const char *path, const char *token, const char *body)
{
	char *etag = http_etag(path, token);
	struct http_response *response = http_patch(path, token, body, etag);
	free(etag);
	return response;
}

/* The lines of an NDJSON body, parsed; asserts each is one JSON object. Decref it. */
json_t *ndjson_lines(const struct http_response *response)
{
	json_t *lines = json_array();
	const char *line = response->body;
	cr_assert(response->body_size == 0 || response->body[response->body_size - 1] == '\n',
		  "the export ends with a newline");
	while (*line) {
		const char *end = strchr(line, '\n');
		cr_assert(end, "an unterminated line: %s", line);
		json_error_t error;
		json_t *object = json_loadb(line, (size_t)(end - line), 0, &error);
		cr_assert(json_is_object(object), "line %zu is not a JSON object: %.*s (%s)",
			  json_array_size(lines) + 1, (int)(end - line), line, error.text);
		json_array_append_new(lines, object);
		line = end + 1;
	}
	return lines;
}
