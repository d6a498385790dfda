/* Base64url without padding (RFC 4648 section 5), as JWTs and page cursors use it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True when c belongs to the base64url alphabet (A-Z a-z 0-9 - _). */
bool base64url_is_char(char c);

/* Returns a newly allocated NUL-terminated encoding of data, or NULL when out of memory.
 * The caller frees it. */
char *base64url_encode(const unsigned char *data, size_t size);

/* Decodes text (no padding, no whitespace) into a newly allocated buffer with a NUL after
 * the last byte, and stores its length in size. Returns NULL when text is not valid
 * base64url or memory runs out; the caller frees the result. */
unsigned char *base64url_decode(const char *text, size_t *size);
