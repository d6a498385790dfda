/* What kind of network an IP address belongs to, for the webhook SSRF checks (API.md
 * "Subscriptions"): peerd posts only to public addresses, so that a subscription cannot
 * make it reach its own host, the private network it runs in, or a cloud metadata
 * service. Pure: the caller resolves names (service/webhook_url.c at creation, the
 * delivery worker at each attempt) and classifies every address it got. */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

enum network_address_kind {
	NETWORK_ADDRESS_PUBLIC,
	NETWORK_ADDRESS_LOOPBACK,    /* 127/8, ::1 */
	NETWORK_ADDRESS_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
	NETWORK_ADDRESS_SHARED,	     /* 100.64/10, carrier-grade NAT */
	NETWORK_ADDRESS_LINK_LOCAL,  /* 169.254/16 (the metadata address), fe80::/10 */
	NETWORK_ADDRESS_UNSPECIFIED, /* 0/8, :: */
	NETWORK_ADDRESS_MULTICAST,   /* 224/4, ff00::/8 */
	NETWORK_ADDRESS_BROADCAST,   /* 255.255.255.255 */
	NETWORK_ADDRESS_RESERVED,    /* documentation, benchmarking, 240/4, other families */
};

/* The kind of a 4-byte IPv4 address, in network order. */
enum network_address_kind network_address_kind_ipv4(const unsigned char address[4]);

/* The kind of a 16-byte IPv6 address; one that embeds an IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4) has the kind of the address it embeds when that is not
 * public, since a route to it may reach that address. */
enum network_address_kind network_address_kind_ipv6(const unsigned char address[16]);

/* The kind of an AF_INET or AF_INET6 socket address (as getaddrinfo gives); any other
 * family is RESERVED. */
enum network_address_kind network_address_kind_of(const struct sockaddr *address);

/* True when peerd may connect to an address of this kind: a public one, or a loopback
 * one when `allow_loopback` (PEERD_WEBHOOKS_ALLOW_HTTP, for development and tests). */
bool network_address_is_allowed(enum network_address_kind kind, bool allow_loopback);

/* A short name of the kind ("loopback", "link-local", ...), for errors and logs. */
const char *network_address_kind_name(enum network_address_kind kind);
