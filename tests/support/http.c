#include "http.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

struct http_response *http_try_send(const struct http_request *request, char *error,
				    size_t error_size)
{
	CURL *curl = curl_easy_init();
	cr_assert(curl);
	char url[2048];
	snprintf(url, sizeof url, "%s%s", request->base_url ? request->base_url : http_base_url(),
		 request->path);
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
	return response;
}

struct http_response *http_send(const struct http_request *request)
{
	char error[2400];
	struct http_response *response = http_try_send(request, error, sizeof error);
	cr_assert(response, "%s", error);
	return response;
}

void http_response_free(struct http_response *response)
{
	if (!response)
		return;
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

struct http_response *http_patch(const char *path, const char *token, const char *body,
				 const char *if_match)
{
	char header[128];
	snprintf(header, sizeof header, "If-Match: %s", if_match ? if_match : "");
	return http_send(&(struct http_request){.method = "PATCH",
						.path = path,
						.token = token,
						.content_type = "application/merge-patch+json",
						.body = body,
						.headers = {if_match ? header : NULL}});
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
