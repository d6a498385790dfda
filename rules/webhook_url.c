#include "webhook_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The scheme's length, setting https; 0 when it is neither http nor https. */
static size_t scheme_length(const char *url, bool *https)
{
	if (strncasecmp(url, "https://", 8) == 0) {
		*https = true;
		return 8;
	}
	*https = false;
	return strncasecmp(url, "http://", 7) == 0 ? 7 : 0;
}

/* Copies the host of authority (length n, port excluded) into out; false when empty, too
 * long, or an unclosed or misplaced bracket. Sets *port_at to the ':' after it, or NULL. */
static bool split_host(const char *authority, size_t n, char *out, const char **port_at)
{
	const char *host = authority;
	size_t host_length;
	*port_at = NULL;
	if (n > 0 && authority[0] == '[') {
		const char *close = memchr(authority, ']', n);
		if (!close)
			return false;
		host = authority + 1;
		host_length = (size_t)(close - host);
		const char *after = close + 1;
		if (after < authority + n) {
			if (*after != ':')
				return false;
			*port_at = after;
		}
	} else {
		const char *colon = memchr(authority, ':', n);
		host_length = colon ? (size_t)(colon - authority) : n;
		*port_at = colon;
		if (memchr(host, '[', host_length) || memchr(host, ']', host_length))
			return false;
	}
	if (host_length == 0 || host_length > WEBHOOK_URL_HOST_MAX)
		return false;
	memcpy(out, host, host_length);
	out[host_length] = '\0';
	return true;
}

/* The port of digits in [from, end), or 0 when it is not 1..65535. */
static unsigned parse_port(const char *from, const char *end)
{
	if (from == end || end - from > 5)
		return 0;
	unsigned port = 0;
	for (const char *c = from; c < end; c++) {
		if (!isdigit((unsigned char)*c))
			return 0;
		port = port * 10 + (unsigned)(*c - '0');
	}
	return port <= 65535 ? port : 0;
}

const char *webhook_url_parse(const char *url, struct webhook_url *out)
{
	size_t length = strlen(url);
	if (length == 0 || length > WEBHOOK_URL_MAX)
		return "must be a URL of at most 2048 characters";
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return "cannot hold spaces or control characters";
	size_t skip = scheme_length(url, &out->https);
	if (skip == 0)
		return "must be an https URL";
	if (strchr(url, '#'))
		return "cannot hold a fragment (#)";
	const char *authority = url + skip;
	size_t n = strcspn(authority, "/?");
	if (memchr(authority, '@', n))
		return "cannot hold a user name or password";
	const char *port_at;
	if (!split_host(authority, n, out->host, &port_at))
		return "must name a host";
	out->port = out->https ? 443 : 80;
	if (port_at) {
		out->port = parse_port(port_at + 1, authority + n);
		if (out->port == 0)
			return "has a port that is not 1 to 65535";
	}
	return NULL;
}
