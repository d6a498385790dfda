#include "language_tag.h"

#include <ctype.h>
#include <string.h>

static size_t span_of(const char *text, int (*accepts)(int))
{
	size_t length = 0;
	while (text[length] && accepts((unsigned char)text[length]))
		length++;
	return length;
}

bool language_tag_is_valid(const char *tag)
{
	if (strlen(tag) > LANGUAGE_TAG_MAX)
		return false;
	size_t language = span_of(tag, isalpha);
	if (language < 2 || language > 3)
		return false;
	const char *p = tag + language;
	while (*p == '-') {
		size_t subtag = span_of(p + 1, isalnum);
		if (subtag < 1 || subtag > 8)
			return false;
		p += 1 + subtag;
	}
	return *p == '\0';
}
