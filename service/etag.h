/* Entity tags from a resource's integer version (API.md: `ETag: "<version>"`). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Writes "\"<version>\"" into out. */
void etag_format(long long version, char *out, size_t size);

/* If-Match (RFC 9110 13.1.1, strong comparison): true when header is NULL, "*", or lists
 * the version's tag. A weak tag (W/"3") never matches. */
bool etag_if_match_allows(const char *header, long long version);

/* If-None-Match (weak comparison): true when header is "*" or lists the version's tag,
 * i.e. the client's copy is current. */
bool etag_none_match_hits(const char *header, long long version);
