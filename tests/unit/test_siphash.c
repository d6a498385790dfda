#include <criterion/criterion.h>

#include "siphash.h"

/* The reference implementation's vectors (vectors.h of github.com/veorq/SipHash): key
 * 00 01 .. 0f, message 00 01 .. (length - 1), the hash read as little-endian bytes. */
Test(siphash, the_reference_vectors)
{
	unsigned char key[SIPHASH_KEY_BYTES], message[64];
	for (unsigned i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	for (unsigned i = 0; i < sizeof message; i++)
		message[i] = (unsigned char)i;
	const struct {
		size_t length;
		uint64_t hash;
	} cases[] = {
		{0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},
		{7, 0xab0200f58b01d137ULL},  {8, 0x93f5f5799a932462ULL},
		{15, 0xa129ca6149be45e5ULL}, {63, 0x958a324ceb064572ULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(siphash24(key, message, cases[i].length), cases[i].hash,
			     "length %zu: %016llx", cases[i].length,
			     (unsigned long long)siphash24(key, message, cases[i].length));
}
