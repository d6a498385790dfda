#include "siphash.h"

#include <endian.h>
#include <string.h>

#define ROTATE(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* The reference's SIPROUND, on four locals so that they stay in registers: the hash runs
 * on every request the rate limiter sees. */
#define SIP_ROUND                    \
	do {                         \
		v0 += v1;            \
		v1 = ROTATE(v1, 13); \
		v1 ^= v0;            \
		v0 = ROTATE(v0, 32); \
		v2 += v3;            \
		v3 = ROTATE(v3, 16); \
		v3 ^= v2;            \
		v0 += v3;            \
		v3 = ROTATE(v3, 21); \
		v3 ^= v0;            \
		v2 += v1;            \
		v1 = ROTATE(v1, 17); \
		v1 ^= v2;            \
		v2 = ROTATE(v2, 32); \
	} while (0)

/* Little-endian, whatever the machine's order: the hash is defined on bytes. */
static uint64_t load_word(const unsigned char *bytes)
{
	uint64_t word;
	memcpy(&word, bytes, sizeof word);
	return le64toh(word);
}

/* The last count (0 to 7) bytes, as the low bytes of a little-endian word. */
static uint64_t load_tail(const unsigned char *bytes, size_t count)
{
	uint64_t value = 0;
	for (size_t i = 0; i < count; i++)
		value |= (uint64_t)bytes[i] << (8 * i);
	return value;
}

uint64_t siphash24(const unsigned char key[SIPHASH_KEY_BYTES], const void *data, size_t length)
{
	uint64_t k0 = load_word(key), k1 = load_word(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL,
		 v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	const unsigned char *in = data;
	size_t whole = length - length % 8;
	/* Every 8-byte word, then the last bytes with the length in the top byte. */
	for (size_t i = 0; i <= whole; i += 8) {
		uint64_t word = i < whole ? load_word(in + i)
					  : load_tail(in + whole, length % 8) |
						    (uint64_t)(length & 0xff) << 56;
		v3 ^= word;
		SIP_ROUND;
		SIP_ROUND;
		v0 ^= word;
	}
	v2 ^= 0xff;
	SIP_ROUND;
	SIP_ROUND;
	SIP_ROUND;
	SIP_ROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
