#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *buffer)
{
	memset(buffer, 0, sizeof *buffer);
}

void strbuf_free(struct strbuf *buffer)
{
	free(buffer->data);
	memset(buffer, 0, sizeof *buffer);
}

static bool reserve(struct strbuf *buffer, size_t extra)
{
	if (buffer->failed)
		return false;
	size_t needed = buffer->length + extra + 1;
	if (needed <= buffer->capacity)
		return true;
	size_t capacity = buffer->capacity ? buffer->capacity : 256;
	while (capacity < needed)
		capacity *= 2;
	char *grown = realloc(buffer->data, capacity);
	if (!grown) {
		buffer->failed = true;
		return false;
	}
	buffer->data = grown;
	buffer->capacity = capacity;
	return true;
}

void strbuf_append(struct strbuf *buffer, const char *text, size_t length)
{
	if (!reserve(buffer, length))
		return;
	memcpy(buffer->data + buffer->length, text, length);
	buffer->length += length;
	buffer->data[buffer->length] = '\0';
}

void strbuf_appendf(struct strbuf *buffer, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	va_list again;
	va_copy(again, args);
	int needed = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (needed >= 0 && reserve(buffer, (size_t)needed)) {
		vsnprintf(buffer->data + buffer->length, (size_t)needed + 1, format, again);
		buffer->length += (size_t)needed;
	}
	va_end(again);
}

char *strbuf_take(struct strbuf *buffer)
{
	char *text = buffer->failed ? NULL : buffer->data;
	if (buffer->failed)
		free(buffer->data);
	if (!buffer->failed && !text)
		text = calloc(1, 1);
	memset(buffer, 0, sizeof *buffer);
	return text;
}

void text_copy(char *out, size_t size, const char *text)
{
	size_t length = strnlen(text, size - 1);
	memcpy(out, text, length);
	out[length] = '\0';
}
