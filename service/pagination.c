#include "pagination.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"

/* A version letter lets the cursor format change without old cursors being misread. */
#define CURSOR_PREFIX "1:"

/* 9999-12-31T23:59:59.999999Z in microseconds: the last instant PostgreSQL's
 * timestamptz arithmetic in a cursor comparison can hold without overflowing. */
#define CURSOR_POSITION_MAX 253402300799999999LL

char *cursor_encode(const struct page_cursor *cursor)
{
	char plain[80];
	int length = snprintf(plain, sizeof plain, CURSOR_PREFIX "%lld:%s", cursor->position,
			      cursor->id);
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
	if (size == strlen(plain) && strncmp(plain, CURSOR_PREFIX, 2) == 0) {
		char *end = NULL;
		errno = 0;
		long long position = strtoll(plain + 2, &end, 10);
		if (errno == 0 && end != plain + 2 && *end == ':' && position >= 0 &&
		    position <= CURSOR_POSITION_MAX && uuid_is_valid(end + 1)) {
			out->position = position;
			uuid_normalize(end + 1, out->id);
			ok = true;
		}
	}
	free(plain);
	return ok;
}

bool page_request_parse(const char *limit, const char *cursor, struct page_request *out,
			char *error, size_t error_size)
{
	memset(out, 0, sizeof *out);
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
		if (!cursor_decode(cursor, &out->after)) {
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

json_t *page_render(const PGresult *res, const struct page_request *page,
		    json_t *(*render)(const PGresult *res, int row), int position_column,
		    int id_column)
{
	int rows = PQntuples(res);
	int shown = rows > page->limit ? page->limit : rows;
	json_t *items = json_array();
	for (int row = 0; items && row < shown; row++)
		json_array_append_new(items, render(res, row));
	return page_render_items(res, page, items, position_column, id_column);
}

json_t *page_render_items(const PGresult *res, const struct page_request *page, json_t *items,
			  int position_column, int id_column)
{
	int rows = PQntuples(res);
	bool more = rows > page->limit;
	int shown = more ? page->limit : rows;
	json_t *next = json_null();
	if (more) {
		struct page_cursor last = {
			.position = strtoll(PQgetvalue(res, shown - 1, position_column), NULL, 10)};
		snprintf(last.id, sizeof last.id, "%s", PQgetvalue(res, shown - 1, id_column));
		char *text = cursor_encode(&last);
		json_decref(next);
		next = text ? json_string(text) : json_null();
		free(text);
	}
	return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}
