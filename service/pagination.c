#include "pagination.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "json_text.h"
#include "row_json.h"
#include "strbuf.h"
#include "validate.h"

/* A version letter lets the cursor format change without old cursors being misread; a
 * position in the changes order (updated_since) has its own, so that a cursor of one order
 * is never read as a position in the other. */
#define CURSOR_PREFIX	      "1:"
#define CURSOR_PREFIX_CHANGES "u:"

/* 9999-12-31T23:59:59.999999Z in microseconds: the last instant PostgreSQL's
 * timestamptz arithmetic in a cursor comparison can hold without overflowing. */
#define CURSOR_POSITION_MAX 253402300799999999LL

char *cursor_encode(const struct page_cursor *cursor)
{
	char plain[80];
	int length = snprintf(plain, sizeof plain, "%s%lld:%s",
			      cursor->changes ? CURSOR_PREFIX_CHANGES : CURSOR_PREFIX,
			      cursor->position, cursor->id);
	return base64url_encode((const unsigned char *)plain, (size_t)length);
}

bool cursor_decode(const char *text, struct page_cursor *out)
{
	if (!text || strlen(text) > 120)
		return false;
	size_t size = 0;
	char *plain = (char *)base64url_decode(text, &size);
	if (!plain)
		return false;
	bool ok = false;
	bool changes = size == strlen(plain) && strncmp(plain, CURSOR_PREFIX_CHANGES, 2) == 0;
	if (size == strlen(plain) && (changes || strncmp(plain, CURSOR_PREFIX, 2) == 0)) {
		char *end = NULL;
		errno = 0;
		long long position = strtoll(plain + 2, &end, 10);
		if (errno == 0 && end != plain + 2 && *end == ':' && position >= 0 &&
		    position <= CURSOR_POSITION_MAX && uuid_is_valid(end + 1)) {
			out->changes = changes;
			out->position = position;
			uuid_normalize(end + 1, out->id);
			ok = true;
		}
	}
	free(plain);
	return ok;
}

bool page_request_parse(const char *limit, const char *cursor, const char *since,
			struct page_request *out, char *error, size_t error_size)
{
	memset(out, 0, sizeof *out);
	if (since && !timestamp_is_valid(since)) {
		snprintf(
			error, error_size,
			"updated_since must be an RFC 3339 timestamp such as 2026-11-23T14:05:00Z");
		return false;
	}
	out->since = since;
	out->limit = PAGE_LIMIT_DEFAULT;
	if (limit) {
		char *end = NULL;
		errno = 0;
		long parsed = strtol(limit, &end, 10);
		if (!isdigit((unsigned char)limit[0]) || errno != 0 || *end != '\0' || parsed < 1 ||
		    parsed > PAGE_LIMIT_MAX) {
			snprintf(error, error_size, "limit must be a whole number from 1 to %d",
				 PAGE_LIMIT_MAX);
			return false;
		}
		out->limit = (int)parsed;
	}
	if (cursor) {
		if (!cursor_decode(cursor, &out->after) || out->after.changes != (since != NULL)) {
			snprintf(error, error_size,
				 "cursor is not one this API made; use next_cursor from a page");
			return false;
		}
		out->has_cursor = true;
		snprintf(out->position_text, sizeof out->position_text, "%lld",
			 out->after.position);
	}
	snprintf(out->fetch_text, sizeof out->fetch_text, "%d", out->limit + 1);
	return true;
}

/* The next page's cursor text (the caller frees it) when res holds a row past the page; NULL
 * when none follows (or out of memory): next_cursor is null then. */
static char *next_cursor(const PGresult *res, const struct page_request *page, int position_column,
			 int id_column)
{
	if (PQntuples(res) <= page->limit)
		return NULL;
	if (page->since)
		position_column = PQnfields(res) - 1; /* PAGE_KEY */
	int last_row = page->limit - 1;
	struct page_cursor last = {
		.changes = page->since != NULL,
		.position = strtoll(PQgetvalue(res, last_row, position_column), NULL, 10)};
	snprintf(last.id, sizeof last.id, "%s", PQgetvalue(res, last_row, id_column));
	return cursor_encode(&last);
}

json_t *page_render(const PGresult *res, const struct page_request *page,
		    json_t *(*render)(const PGresult *res, int row), int position_column,
		    int id_column)
{
	int rows = PQntuples(res);
	int shown = rows > page->limit ? page->limit : rows;
	json_t *items = json_array();
	for (int row = 0; items && row < shown; row++)
		json_array_append_new(items, render(res, row));
	char *text = next_cursor(res, page, position_column, id_column);
	json_t *next = text ? json_string(text) : json_null();
	free(text);
	return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}

bool page_write(const PGresult *res, const struct page_request *page,
		const struct row_json_member *members, size_t count, unsigned real_precision,
		int position_column, int id_column, struct strbuf *out)
{
	int rows = PQntuples(res);
	int shown = rows > page->limit ? page->limit : rows;
	strbuf_append(out, "{\"items\":[", 10);
	bool ok = true;
	for (int row = 0; ok && row < shown; row++) {
		if (row > 0)
			strbuf_append(out, ",", 1);
		ok = row_json_write(members, count, res, row, real_precision, out);
	}
	strbuf_append(out, "],\"next_cursor\":", 16);
	char *text = next_cursor(res, page, position_column, id_column);
	if (text)
		json_text_append_string(out, text, strlen(text));
	else
		strbuf_append(out, "null", 4);
	free(text);
	strbuf_append(out, "}", 1);
	return ok && !out->failed;
}
