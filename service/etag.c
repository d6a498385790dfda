#include "etag.h"

#include <stdio.h>
#include <string.h>

void etag_format(long long version, char *out, size_t size)
{
	snprintf(out, size, "\"%lld\"", version);
}

/* Walks a comma-separated list of entity tags; true when one equals the version's tag.
 * weak_allowed decides whether W/"n" counts. */
static bool list_contains(const char *header, long long version, bool weak_allowed)
{
	char wanted[32];
	etag_format(version, wanted, sizeof wanted);
	size_t wanted_length = strlen(wanted);
	const char *cursor = header;
	while (*cursor) {
		cursor += strspn(cursor, " \t,");
		if (!*cursor)
			break;
		size_t length = strcspn(cursor, ",");
		while (length > 0 && (cursor[length - 1] == ' ' || cursor[length - 1] == '\t'))
			length--;
		const char *tag = cursor;
		bool weak = length > 2 && strncmp(tag, "W/", 2) == 0;
		if (weak) {
			tag += 2;
			length -= 2;
		}
		if ((!weak || weak_allowed) && length == wanted_length &&
		    memcmp(tag, wanted, length) == 0)
			return true;
		cursor = tag + length;
		cursor += strcspn(cursor, ",");
	}
	return false;
}

static bool is_wildcard(const char *header)
{
	header += strspn(header, " \t");
	return header[0] == '*' && header[1 + strspn(header + 1, " \t")] == '\0';
}

bool etag_if_match_allows(const char *header, long long version)
{
	if (!header)
		return true;
	return is_wildcard(header) || list_contains(header, version, false);
}

bool etag_none_match_hits(const char *header, long long version)
{
	if (!header)
		return false;
	return is_wildcard(header) || list_contains(header, version, true);
}
