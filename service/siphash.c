#include "siphash.h"

#define ROTATE(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

/* The reference's SIPROUND. */
static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTATE(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTATE(v[0], 32);
	v[2] += v[3];
	v[3] = ROTATE(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTATE(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTATE(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTATE(v[2], 32);
}

/* Little-endian, whatever the machine's order: the hash is defined on bytes. */
static uint64_t load_le(const unsigned char *bytes, size_t count)
{
	uint64_t value = 0;
	for (size_t i = 0; i < count; i++)
		value |= (uint64_t)bytes[i] << (8 * i);
	return value;
}

static void absorb(uint64_t v[4], uint64_t word)
{
	v[3] ^= word;
	sip_round(v);
	sip_round(v);
	v[0] ^= word;
}

uint64_t siphash24(const unsigned char key[SIPHASH_KEY_BYTES], const void *data, size_t length)
{
	uint64_t k0 = load_le(key, 8), k1 = load_le(key + 8, 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	const unsigned char *in = data;
	size_t whole = length - length % 8;
	for (size_t i = 0; i < whole; i += 8)
		absorb(v, load_le(in + i, 8));
	absorb(v, load_le(in + whole, length % 8) | (uint64_t)(length & 0xff) << 56);
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
