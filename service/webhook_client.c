#include "webhook_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 5000L
#define TOTAL_TIMEOUT_MS   10000L
/* What of an answer's body is read: nothing of it is kept, only whether it came. */
#define MAX_ANSWER_BYTES   65536

bool webhook_client_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void webhook_client_cleanup(void)
{
	curl_global_cleanup();
}

/* The URL's scheme, host and port, each newly allocated by libcurl into parts. */
struct url_parts {
	char *scheme;
	char *host;
	char *port;
};

static void url_parts_free(struct url_parts *parts)
{
	curl_free(parts->scheme);
	curl_free(parts->host);
	curl_free(parts->port);
}

static bool parse_url(const char *url, struct url_parts *parts)
{
	CURLU *handle = curl_url();
	bool parsed =
		handle && curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(handle, CURLUPART_SCHEME, &parts->scheme, 0) == CURLUE_OK &&
		curl_url_get(handle, CURLUPART_HOST, &parts->host, 0) == CURLUE_OK &&
		curl_url_get(handle, CURLUPART_PORT, &parts->port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	curl_url_cleanup(handle);
	return parsed;
}

/* The host without the brackets of an IPv6 literal, into name. */
static void bare_host(const char *host, char *name, size_t size)
{
	size_t length = strlen(host);
	if (length >= 2 && host[0] == '[' && host[length - 1] == ']')
		snprintf(name, size, "%.*s", (int)(length - 2), host + 1);
	else
		snprintf(name, size, "%s", host);
}

/* Resolves host and checks every address it has: one forbidden address refuses the host
 * (a name that resolves to both is an attack, not a choice). On success, writes the first
 * address as text (brackets around IPv6, as CURLOPT_RESOLVE takes it) to pinned. */
static bool resolve_and_check(const struct webhook_request *request, const char *host, char *pinned,
			      size_t pinned_size, char *error, size_t error_size)
{
	char name[256];
	bare_host(host, name, sizeof name);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *found = NULL;
	int failed = getaddrinfo(name, NULL, &hints, &found);
	if (failed != 0) {
		snprintf(error, error_size, "could not resolve the host: %s", gai_strerror(failed));
		return false;
	}
	bool allowed = found != NULL;
	for (const struct addrinfo *at = found; at && allowed; at = at->ai_next)
		allowed = request->address_allowed(at->ai_addr, request->allow_http);
	if (!allowed) {
		snprintf(error, error_size,
			 "the host resolves to an address peerd may not call (private, loopback, "
			 "link-local or metadata)");
	} else {
		char text[INET6_ADDRSTRLEN];
		const void *raw =
			found->ai_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)found->ai_addr)->sin6_addr
				: (const void *)&((struct sockaddr_in *)found->ai_addr)->sin_addr;
		inet_ntop(found->ai_family, raw, text, sizeof text);
		snprintf(pinned, pinned_size, found->ai_family == AF_INET6 ? "[%s]" : "%s", text);
	}
	freeaddrinfo(found);
	return allowed;
}

/* Reads the answer's body and drops it, up to a bound. */
static size_t discard(char *data, size_t size, size_t count, void *context)
{
	(void)data;
	size_t *total = context;
	*total += size * count;
	return *total > MAX_ANSWER_BYTES ? 0 : size * count;
}

/* Stops a transfer when the process stops. */
static int progress(void *context, curl_off_t download_total, curl_off_t downloaded,
		    curl_off_t upload_total, curl_off_t uploaded)
{
	(void)download_total;
	(void)downloaded;
	(void)upload_total;
	(void)uploaded;
	const atomic_bool *cancel = context;
	return cancel && atomic_load(cancel) ? 1 : 0;
}

static bool perform(const struct webhook_request *request, const char *resolve_entry,
		    struct webhook_response *response)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *resolve = curl_slist_append(NULL, resolve_entry);
	struct curl_slist *headers = NULL;
	bool ready = curl && resolve;
	for (const char *const *header = request->headers; ready && *header; header++) {
		struct curl_slist *more = curl_slist_append(headers, *header);
		ready = more != NULL;
		if (more)
			headers = more;
	}
	bool answered = false;
	if (!ready) {
		snprintf(response->error, sizeof response->error, "out of memory");
	} else {
		size_t received = 0;
		curl_easy_setopt(curl, CURLOPT_URL, request->url);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
				 request->allow_http ? "http,https" : "https");
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
		/* A proxy from the environment would connect where peerd did not check. */
		curl_easy_setopt(curl, CURLOPT_PROXY, "");
		curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_size);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "peerd-webhooks/1");
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)request->cancel);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		CURLcode code = curl_easy_perform(curl);
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status_code);
		/* An answer too long to read is still an answer. */
		answered = response->status_code > 0 &&
			   (code == CURLE_OK || code == CURLE_WRITE_ERROR);
		if (!answered)
			snprintf(response->error, sizeof response->error, "%s",
				 curl_easy_strerror(code));
	}
	curl_slist_free_all(headers);
	curl_slist_free_all(resolve);
	curl_easy_cleanup(curl);
	return answered;
}

bool webhook_post(const struct webhook_request *request, struct webhook_response *response)
{
	*response = (struct webhook_response){0};
	struct url_parts parts = {0};
	bool answered = false;
	if (!parse_url(request->url, &parts)) {
		snprintf(response->error, sizeof response->error, "the URL could not be read");
	} else if (strcmp(parts.scheme, "https") != 0 &&
		   !(request->allow_http && strcmp(parts.scheme, "http") == 0)) {
		snprintf(response->error, sizeof response->error, "the URL is not https");
	} else {
		char pinned[INET6_ADDRSTRLEN + 2];
		if (resolve_and_check(request, parts.host, pinned, sizeof pinned, response->error,
				      sizeof response->error)) {
			char entry[512];
			snprintf(entry, sizeof entry, "%s:%s:%s", parts.host, parts.port, pinned);
			answered = perform(request, entry, response);
		}
	}
	url_parts_free(&parts);
	return answered;
}
