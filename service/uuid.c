#include "uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

bool uuid_is_valid(const char *text)
{
	if (!text || strlen(text) != UUID_TEXT_SIZE - 1)
		return false;
	for (size_t i = 0; i < UUID_TEXT_SIZE - 1; i++) {
		bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash_position ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
			return false;
	}
	return true;
}

/* Random bytes drawn from the kernel 256 at a time, per thread: every request names itself
 * with a UUID, and a getrandom() call each was a system call per request. The bytes are
 * the kernel's CSPRNG output all the same, each handed out once. No more than 256 at a
 * time: getrandom(2) then always gives all it was asked, never cut short by a signal, once
 * the kernel's pool is ready, so a request's own id (server_request_id) can always be
 * made. */
static bool random_bytes(unsigned char *out, size_t count)
{
	static _Thread_local unsigned char pool[256];
	static _Thread_local size_t left;
	if (count > sizeof pool)
		return getrandom(out, count, 0) == (ssize_t)count;
	if (left < count) {
		if (getrandom(pool, sizeof pool, 0) != (ssize_t)sizeof pool)
			return false;
		left = sizeof pool;
	}
	memcpy(out, pool + sizeof pool - left, count);
	/* Not kept once handed out. */
	memset(pool + sizeof pool - left, 0, count);
	left -= count;
	return true;
}

bool uuid_generate_v4(char out[UUID_TEXT_SIZE])
{
	unsigned char bytes[16];
	if (!random_bytes(bytes, sizeof bytes))
		return false;
	bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);
	bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);
	/* By hand: snprintf's 16 conversions were most of the cost of naming a request. */
	static const char HEX[] = "0123456789abcdef";
	char *at = out;
	for (size_t i = 0; i < sizeof bytes; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*at++ = '-';
		*at++ = HEX[bytes[i] >> 4];
		*at++ = HEX[bytes[i] & 0x0f];
	}
	*at = '\0';
	return true;
}

void uuid_normalize(const char *text, char out[UUID_TEXT_SIZE])
{
	for (size_t i = 0; i < UUID_TEXT_SIZE - 1; i++)
		out[i] = (char)tolower((unsigned char)text[i]);
	out[UUID_TEXT_SIZE - 1] = '\0';
}
