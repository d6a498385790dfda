#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "network_address.h"

struct example {
	const char *address;
	enum network_address_kind kind;
};

/* The kind of a literal address, through the socket-address entry point getaddrinfo's
 * results go through. */
static enum network_address_kind kind_of_literal(const char *text)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return network_address_kind_of((struct sockaddr *)&in);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	cr_assert_eq(inet_pton(AF_INET6, text, &in6.sin6_addr), 1, "%s", text);
	return network_address_kind_of((struct sockaddr *)&in6);
}

static void check(const struct example *examples, size_t count)
{
	for (size_t i = 0; i < count; i++)
		cr_expect_eq(kind_of_literal(examples[i].address), examples[i].kind, "%s: %s",
			     examples[i].address,
			     network_address_kind_name(kind_of_literal(examples[i].address)));
}

Test(network_address, classifies_ipv4)
{
	const struct example examples[] = {
		{"8.8.8.8", NETWORK_ADDRESS_PUBLIC},
		{"93.184.216.34", NETWORK_ADDRESS_PUBLIC},
		{"0.0.0.0", NETWORK_ADDRESS_UNSPECIFIED},
		{"0.1.2.3", NETWORK_ADDRESS_UNSPECIFIED},
		{"10.0.0.1", NETWORK_ADDRESS_PRIVATE},
		{"10.255.255.255", NETWORK_ADDRESS_PRIVATE},
		{"11.0.0.1", NETWORK_ADDRESS_PUBLIC},
		{"100.63.255.255", NETWORK_ADDRESS_PUBLIC},
		{"100.64.0.1", NETWORK_ADDRESS_SHARED},
		{"100.127.255.255", NETWORK_ADDRESS_SHARED},
		{"100.128.0.0", NETWORK_ADDRESS_PUBLIC},
		{"127.0.0.1", NETWORK_ADDRESS_LOOPBACK},
		{"127.255.255.254", NETWORK_ADDRESS_LOOPBACK},
		{"169.254.169.254", NETWORK_ADDRESS_LINK_LOCAL},
		{"169.254.0.1", NETWORK_ADDRESS_LINK_LOCAL},
		{"172.15.255.255", NETWORK_ADDRESS_PUBLIC},
		{"172.16.0.1", NETWORK_ADDRESS_PRIVATE},
		{"172.31.255.255", NETWORK_ADDRESS_PRIVATE},
		{"172.32.0.0", NETWORK_ADDRESS_PUBLIC},
		{"192.168.1.1", NETWORK_ADDRESS_PRIVATE},
		{"192.169.0.1", NETWORK_ADDRESS_PUBLIC},
		{"192.0.2.1", NETWORK_ADDRESS_RESERVED},
		{"198.18.0.1", NETWORK_ADDRESS_RESERVED},
		{"224.0.0.1", NETWORK_ADDRESS_MULTICAST},
		{"239.255.255.250", NETWORK_ADDRESS_MULTICAST},
		{"240.0.0.1", NETWORK_ADDRESS_RESERVED},
		{"255.255.255.255", NETWORK_ADDRESS_BROADCAST},
	};
	check(examples, sizeof examples / sizeof *examples);
}

Test(network_address, classifies_ipv6)
{
	const struct example examples[] = {
		{"2606:4700:4700::1111", NETWORK_ADDRESS_PUBLIC},
		{"::", NETWORK_ADDRESS_UNSPECIFIED},
		{"::1", NETWORK_ADDRESS_LOOPBACK},
		{"fc00::1", NETWORK_ADDRESS_PRIVATE},
		{"fd12:3456::1", NETWORK_ADDRESS_PRIVATE},
		{"fe80::1", NETWORK_ADDRESS_LINK_LOCAL},
		{"febf::1", NETWORK_ADDRESS_LINK_LOCAL},
		{"fec0::1", NETWORK_ADDRESS_PRIVATE},
		{"ff02::1", NETWORK_ADDRESS_MULTICAST},
		{"2001:db8::1", NETWORK_ADDRESS_RESERVED},
	};
	check(examples, sizeof examples / sizeof *examples);
}

Test(network_address, classifies_ipv4_inside_ipv6_as_the_ipv4)
{
	const struct example examples[] = {
		{"::ffff:127.0.0.1", NETWORK_ADDRESS_LOOPBACK},
		{"::ffff:10.1.2.3", NETWORK_ADDRESS_PRIVATE},
		{"::ffff:169.254.169.254", NETWORK_ADDRESS_LINK_LOCAL},
		{"::ffff:100.64.0.1", NETWORK_ADDRESS_SHARED},
		{"::ffff:8.8.8.8", NETWORK_ADDRESS_PUBLIC},
		{"::127.0.0.1", NETWORK_ADDRESS_LOOPBACK},
		{"64:ff9b::192.168.0.1", NETWORK_ADDRESS_PRIVATE},
		{"2002:a9fe:a9fe::1", NETWORK_ADDRESS_LINK_LOCAL},
		{"2002:0808:0808::1", NETWORK_ADDRESS_PUBLIC},
	};
	check(examples, sizeof examples / sizeof *examples);
}

Test(network_address, allows_public_and_loopback_only_when_asked)
{
	cr_assert(network_address_is_allowed(NETWORK_ADDRESS_PUBLIC, false));
	cr_assert_not(network_address_is_allowed(NETWORK_ADDRESS_LOOPBACK, false));
	cr_assert(network_address_is_allowed(NETWORK_ADDRESS_LOOPBACK, true));
	for (int kind = NETWORK_ADDRESS_PRIVATE; kind <= NETWORK_ADDRESS_RESERVED; kind++)
		cr_assert_not(network_address_is_allowed((enum network_address_kind)kind, true),
			      "%d", kind);
}

Test(network_address, other_families_are_reserved)
{
	struct sockaddr unix_address = {.sa_family = AF_UNIX};
	cr_assert_eq(network_address_kind_of(&unix_address), NETWORK_ADDRESS_RESERVED);
}
