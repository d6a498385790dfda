/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for tables whose keys
 * a client chooses. Without the key no one can pick keys that land together, which a
 * plain hash such as FNV-1a lets anyone do. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_BYTES 16

/* The SipHash-2-4 of length bytes of data under key. */
uint64_t siphash24(const unsigned char key[SIPHASH_KEY_BYTES], const void *data, size_t length);
