#include "network_address.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct range {
	unsigned char prefix[16];
	unsigned bits;
	enum network_address_kind kind;
};

/* IANA's special-purpose registries (RFC 6890 and successors), the parts that matter for
 * reaching something peerd should not. */
static const struct range ipv4_ranges[] = {
	{{0}, 8, NETWORK_ADDRESS_UNSPECIFIED},
	{{10}, 8, NETWORK_ADDRESS_PRIVATE},
	{{100, 64}, 10, NETWORK_ADDRESS_SHARED},
	{{127}, 8, NETWORK_ADDRESS_LOOPBACK},
	{{169, 254}, 16, NETWORK_ADDRESS_LINK_LOCAL},
	{{172, 16}, 12, NETWORK_ADDRESS_PRIVATE},
	{{192, 0, 0}, 24, NETWORK_ADDRESS_RESERVED},
	{{192, 0, 2}, 24, NETWORK_ADDRESS_RESERVED},
	{{192, 88, 99}, 24, NETWORK_ADDRESS_RESERVED},
	{{192, 168}, 16, NETWORK_ADDRESS_PRIVATE},
	{{198, 18}, 15, NETWORK_ADDRESS_RESERVED},
	{{198, 51, 100}, 24, NETWORK_ADDRESS_RESERVED},
	{{203, 0, 113}, 24, NETWORK_ADDRESS_RESERVED},
	{{224}, 4, NETWORK_ADDRESS_MULTICAST},
	{{255, 255, 255, 255}, 32, NETWORK_ADDRESS_BROADCAST},
	{{240}, 4, NETWORK_ADDRESS_RESERVED},
};

static const struct range ipv6_ranges[] = {
	{{0}, 128, NETWORK_ADDRESS_UNSPECIFIED},
	{{[15] = 1}, 128, NETWORK_ADDRESS_LOOPBACK},
	{{0xfc}, 7, NETWORK_ADDRESS_PRIVATE},
	{{0xfe, 0x80}, 10, NETWORK_ADDRESS_LINK_LOCAL},
	{{0xfe, 0xc0}, 10, NETWORK_ADDRESS_PRIVATE},
	{{0xff}, 8, NETWORK_ADDRESS_MULTICAST},
	{{0x20, 0x01, 0x0d, 0xb8}, 32, NETWORK_ADDRESS_RESERVED},
	{{0x01}, 64, NETWORK_ADDRESS_RESERVED}, /* 100::/64, discard-only */
};

/* IPv6 prefixes whose addresses carry an IPv4 address, and where it starts. */
static const struct embedding {
	unsigned char prefix[16];
	unsigned bits;
	size_t ipv4_at;
} ipv6_embeddings[] = {
	{{[10] = 0xff, [11] = 0xff}, 96, 12},	       /* ::ffff:0:0/96, IPv4-mapped */
	{{0}, 96, 12},				       /* ::/96, IPv4-compatible */
	{{0x00, 0x64, 0xff, 0x9b}, 96, 12},	       /* 64:ff9b::/96, NAT64 */
	{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, 6}, /* 64:ff9b:1::/48, local NAT64 */
	{{0x20, 0x02}, 16, 2},			       /* 2002::/16, 6to4 */
};

static bool has_prefix(const unsigned char *address, const unsigned char *prefix, unsigned bits)
{
	size_t whole = bits / 8;
	if (memcmp(address, prefix, whole) != 0)
		return false;
	unsigned rest = bits % 8;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (address[whole] & mask) == (prefix[whole] & mask);
}

static enum network_address_kind kind_in(const struct range *ranges, size_t count,
					 const unsigned char *address)
{
	for (size_t i = 0; i < count; i++)
		if (has_prefix(address, ranges[i].prefix, ranges[i].bits))
			return ranges[i].kind;
	return NETWORK_ADDRESS_PUBLIC;
}

enum network_address_kind network_address_kind_ipv4(const unsigned char address[4])
{
	return kind_in(ipv4_ranges, sizeof ipv4_ranges / sizeof *ipv4_ranges, address);
}

enum network_address_kind network_address_kind_ipv6(const unsigned char address[16])
{
	enum network_address_kind own =
		kind_in(ipv6_ranges, sizeof ipv6_ranges / sizeof *ipv6_ranges, address);
	if (own != NETWORK_ADDRESS_PUBLIC)
		return own;
	for (size_t i = 0; i < sizeof ipv6_embeddings / sizeof *ipv6_embeddings; i++)
		if (has_prefix(address, ipv6_embeddings[i].prefix, ipv6_embeddings[i].bits))
			return network_address_kind_ipv4(address + ipv6_embeddings[i].ipv4_at);
	return NETWORK_ADDRESS_PUBLIC;
}

enum network_address_kind network_address_kind_of(const struct sockaddr *address)
{
	if (address->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)address;
		unsigned char bytes[4];
		memcpy(bytes, &in->sin_addr.s_addr, sizeof bytes);
		return network_address_kind_ipv4(bytes);
	}
	if (address->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)address;
		return network_address_kind_ipv6(in6->sin6_addr.s6_addr);
	}
	return NETWORK_ADDRESS_RESERVED;
}

bool network_address_is_allowed(enum network_address_kind kind, bool allow_loopback)
{
	return kind == NETWORK_ADDRESS_PUBLIC ||
	       (allow_loopback && kind == NETWORK_ADDRESS_LOOPBACK);
}

static const char *const kind_names[] = {
	[NETWORK_ADDRESS_PUBLIC] = "public",
	[NETWORK_ADDRESS_LOOPBACK] = "loopback",
	[NETWORK_ADDRESS_PRIVATE] = "private",
	[NETWORK_ADDRESS_SHARED] = "shared (carrier-grade NAT)",
	[NETWORK_ADDRESS_LINK_LOCAL] = "link-local",
	[NETWORK_ADDRESS_UNSPECIFIED] = "unspecified",
	[NETWORK_ADDRESS_MULTICAST] = "multicast",
	[NETWORK_ADDRESS_BROADCAST] = "broadcast",
	[NETWORK_ADDRESS_RESERVED] = "reserved",
};

const char *network_address_kind_name(enum network_address_kind kind)
{
	return (size_t)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind]
								     : "reserved";
}
