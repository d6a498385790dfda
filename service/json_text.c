#include "json_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static void append_escaped(struct strbuf *out, unsigned char c)
{
	switch (c) {
	case '"':
		strbuf_append(out, "\\\"", 2);
		return;
	case '\\':
		strbuf_append(out, "\\\\", 2);
		return;
	case '\b':
		strbuf_append(out, "\\b", 2);
		return;
	case '\f':
		strbuf_append(out, "\\f", 2);
		return;
	case '\n':
		strbuf_append(out, "\\n", 2);
		return;
	case '\r':
		strbuf_append(out, "\\r", 2);
		return;
	case '\t':
		strbuf_append(out, "\\t", 2);
		return;
	default: {
		char escape[8];
		int written = snprintf(escape, sizeof escape, "\\u%04X", c);
		strbuf_append(out, escape, (size_t)written);
	}
	}
}

/* Whether any of the 8 bytes of word is below 0x20, a quote or a backslash (the "has less"
 * and "has zero" tests of Bit Twiddling Hacks: no byte that needs escaping is missed; a
 * flagged word is looked at byte by byte). */
static bool any_to_escape(uint64_t word)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
	uint64_t flagged = ((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) |
			   ((backslash - ones) & ~backslash);
	return (flagged & highs) != 0;
}

/* jansson holds strings as valid UTF-8, so only quotes, backslashes and control
 * characters need escaping; every other byte is copied in runs, found 8 bytes at a time:
 * this is every string of every answer and of every access line. */
void json_text_append_string(struct strbuf *out, const char *text, size_t length)
{
	strbuf_append(out, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < length;) {
		uint64_t word;
		if (length - i >= sizeof word) {
			memcpy(&word, text + i, sizeof word);
			if (!any_to_escape(word)) {
				i += sizeof word;
				continue;
			}
		}
		unsigned char c = (unsigned char)text[i++];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_append(out, text + run, i - 1 - run);
		append_escaped(out, c);
		run = i;
	}
	strbuf_append(out, text + run, length - run);
	strbuf_append(out, "\"", 1);
}

/* Reals are rare (hours): jansson's own formatting keeps them byte for byte the same. */
static bool append_real(struct strbuf *out, const json_t *real, unsigned precision)
{
	char *text = json_dumps(real, JSON_ENCODE_ANY | JSON_REAL_PRECISION(precision));
	if (text)
		strbuf_append(out, text, strlen(text));
	free(text);
	return text != NULL;
}

static bool append_value(struct strbuf *out, const json_t *json, unsigned precision, int depth);

static bool append_array(struct strbuf *out, const json_t *array, unsigned precision, int depth)
{
	strbuf_append(out, "[", 1);
	size_t index;
	const json_t *item;
	json_array_foreach (array, index, item) {
		if (index > 0)
			strbuf_append(out, ",", 1);
		if (!append_value(out, item, precision, depth + 1))
			return false;
	}
	strbuf_append(out, "]", 1);
	return true;
}

static bool append_object(struct strbuf *out, const json_t *object, unsigned precision, int depth)
{
	strbuf_append(out, "{", 1);
	bool first = true;
	for (void *member = json_object_iter((json_t *)object); member;
	     member = json_object_iter_next((json_t *)object, member)) {
		if (!first)
			strbuf_append(out, ",", 1);
		first = false;
		json_text_append_string(out, json_object_iter_key(member),
					json_object_iter_key_len(member));
		strbuf_append(out, ":", 1);
		if (!append_value(out, json_object_iter_value(member), precision, depth + 1))
			return false;
	}
	strbuf_append(out, "}", 1);
	return true;
}

static bool append_value(struct strbuf *out, const json_t *json, unsigned precision, int depth)
{
	if (!json || depth > JSON_TEXT_MAX_DEPTH)
		return false;
	switch (json_typeof(json)) {
	case JSON_OBJECT:
		return append_object(out, json, precision, depth);
	case JSON_ARRAY:
		return append_array(out, json, precision, depth);
	case JSON_STRING:
		json_text_append_string(out, json_string_value(json), json_string_length(json));
		return true;
	case JSON_INTEGER: {
		char digits[24];
		int written = snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT,
				       json_integer_value(json));
		strbuf_append(out, digits, (size_t)written);
		return true;
	}
	case JSON_REAL:
		return append_real(out, json, precision);
	case JSON_TRUE:
		strbuf_append(out, "true", 4);
		return true;
	case JSON_FALSE:
		strbuf_append(out, "false", 5);
		return true;
	case JSON_NULL:
		strbuf_append(out, "null", 4);
		return true;
	}
	return false;
}

bool json_text_append(struct strbuf *out, const json_t *json, unsigned real_precision)
{
	return append_value(out, json, real_precision, 0);
}

char *json_text(const json_t *json, unsigned real_precision, size_t *length)
{
	struct strbuf out;
	strbuf_init(&out);
	bool written = json_text_append(&out, json, real_precision);
	size_t size = out.length;
	char *text = written ? strbuf_take(&out) : NULL;
	strbuf_free(&out);
	if (text && length)
		*length = size;
	return text;
}
