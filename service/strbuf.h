/* A growable string. Appends after an allocation failure are ignored and remembered, so a
 * caller checks once at the end instead of after every append. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *data; /* NUL-terminated once anything was appended */
	size_t length;
	size_t capacity;
	bool failed;
};

void strbuf_init(struct strbuf *buffer);
void strbuf_free(struct strbuf *buffer);

void strbuf_append(struct strbuf *buffer, const char *text, size_t length);
void strbuf_appendf(struct strbuf *buffer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Hands the text to the caller (who frees it) and empties the buffer. Returns NULL when an
 * allocation failed along the way. */
char *strbuf_take(struct strbuf *buffer);

/* Copies text into out[size] (size > 0), cut to size - 1 bytes as snprintf(out, size, "%s",
 * text) would: that call is a format parse, and the pool and the scope copy such names on
 * every request. */
void text_copy(char *out, size_t size, const char *text);
