/* One webhook POST over libcurl (API.md "Subscriptions"): https only unless http is
 * allowed, 5 s to connect and 10 s in all, no redirect followed, no proxy, and the host
 * resolved here, each of its addresses checked against SSRF, and the connection pinned to
 * the address checked, so DNS cannot answer differently between the check and the
 * connect. A well-kept library does TLS and HTTP; peerd does only the policy. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* True when peerd may connect to address (the SSRF rule; allow_loopback under
 * PEERD_WEBHOOKS_ALLOW_HTTP). */
typedef bool webhook_address_allowed(const struct sockaddr *address, bool allow_loopback);

struct webhook_request {
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const char *body;
	size_t body_size;
	bool allow_http; /* http:// and loopback too (PEERD_WEBHOOKS_ALLOW_HTTP) */
	webhook_address_allowed *address_allowed;
	const atomic_bool *cancel; /* when it becomes true, a transfer under way stops */
};

struct webhook_response {
	long status_code; /* 0 when no answer came */
	char error[256];  /* "" when an answer came; else why not, for the deliveries log */
};

/* Once per process, before any thread sends (libcurl's global setup). False when it
 * fails. */
bool webhook_client_init(void);
void webhook_client_cleanup(void);

/* Sends the request and fills response. True when an HTTP answer came (any status). */
bool webhook_post(const struct webhook_request *request, struct webhook_response *response);
