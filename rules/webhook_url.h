/* The parts of a webhook URL that peerd checks before it posts to it (API.md
 * "Subscriptions"): the scheme, the host it will resolve and connect to, and that no
 * credentials ride in it. Pure; service/webhook_target.c resolves the host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define WEBHOOK_URL_MAX	     2048
#define WEBHOOK_URL_HOST_MAX 255

struct webhook_url {
	bool https;			     /* else http */
	char host[WEBHOOK_URL_HOST_MAX + 1]; /* a name, or an address without its brackets */
	unsigned port;			     /* the URL's, else 443 or 80 */
};

/* Parses url into out; NULL when it is an absolute http or https URL with a host, no
 * userinfo (user:password@), no fragment, no spaces or control characters, else what is
 * wrong with it (a static message for a 422). */
const char *webhook_url_parse(const char *url, struct webhook_url *out);
