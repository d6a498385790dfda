#include "base64url.h"

#include <stdlib.h>
#include <string.h>

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64url_encode(const unsigned char *data, size_t size)
{
	size_t length = size / 3 * 4 + (size % 3 ? size % 3 + 1 : 0);
	char *out = malloc(length + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	size_t i = 0;
	for (; i + 2 < size; i += 3) {
		unsigned long triple = (unsigned long)data[i] << 16 |
				       (unsigned long)data[i + 1] << 8 | data[i + 2];
		out[o++] = ALPHABET[triple >> 18 & 63];
		out[o++] = ALPHABET[triple >> 12 & 63];
		out[o++] = ALPHABET[triple >> 6 & 63];
		out[o++] = ALPHABET[triple & 63];
	}
	if (size - i == 1) {
		unsigned long single = (unsigned long)data[i] << 16;
		out[o++] = ALPHABET[single >> 18 & 63];
		out[o++] = ALPHABET[single >> 12 & 63];
	} else if (size - i == 2) {
		unsigned long pair = (unsigned long)data[i] << 16 | (unsigned long)data[i + 1] << 8;
		out[o++] = ALPHABET[pair >> 18 & 63];
		out[o++] = ALPHABET[pair >> 12 & 63];
		out[o++] = ALPHABET[pair >> 6 & 63];
	}
	out[o] = '\0';
	return out;
}

bool base64url_is_char(char c)
{
	return c && strchr(ALPHABET, c);
}

static int sextet(char c)
{
	return base64url_is_char(c) ? (int)(strchr(ALPHABET, c) - ALPHABET) : -1;
}

unsigned char *base64url_decode(const char *text, size_t *size)
{
	size_t length = strlen(text);
	if (length % 4 == 1)
		return NULL;
	unsigned char *out = malloc(length / 4 * 3 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	unsigned long buffer = 0;
	int bits = 0;
	for (size_t i = 0; i < length; i++) {
		int value = sextet(text[i]);
		if (value < 0) {
			free(out);
			return NULL;
		}
		buffer = (buffer << 6 | (unsigned long)value) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(buffer >> bits & 0xff);
		}
	}
	/* Leftover bits must be zero, or two texts would decode to the same bytes. */
	if (bits > 0 && (buffer & ((1UL << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*size = o;
	return out;
}
