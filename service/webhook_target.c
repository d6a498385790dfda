#include "webhook_target.h"

#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>

#include "network_address.h"
#include "webhook_url.h"

const char *webhook_target_refusal(const char *url, bool allow_http, char *why, size_t why_size)
{
	struct webhook_url parsed;
	const char *wrong = webhook_url_parse(url, &parsed);
	if (wrong) {
		snprintf(why, why_size, "%s", wrong);
		return why;
	}
	if (!parsed.https && !allow_http) {
		snprintf(why, why_size, "must be an https URL");
		return why;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *found = NULL;
	if (getaddrinfo(parsed.host, NULL, &hints, &found) != 0 || !found) {
		snprintf(why, why_size, "has a host that does not resolve");
		return why;
	}
	const char *refused = NULL;
	for (const struct addrinfo *each = found; each && !refused; each = each->ai_next) {
		enum network_address_kind kind = network_address_kind_of(each->ai_addr);
		if (!network_address_is_allowed(kind, allow_http))
			refused = network_address_kind_name(kind);
		else if (!parsed.https && kind != NETWORK_ADDRESS_LOOPBACK)
			refused = "not loopback, and http goes only to loopback";
	}
	freeaddrinfo(found);
	if (!refused)
		return NULL;
	snprintf(why, why_size, "resolves to an address peerd does not post to (%s)", refused);
	return why;
}
