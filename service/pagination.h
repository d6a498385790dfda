/* Cursor pagination (API.md "Lists"): ?limit= (1..200, default 50) and an opaque ?cursor=
 * that names the last row of the previous page by its sort position and id. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "uuid.h"

#define PAGE_LIMIT_DEFAULT 50
#define PAGE_LIMIT_MAX	   200

struct page_cursor {
	long long position; /* the sort key, e.g. created_at in microseconds since 1970 */
	char id[UUID_TEXT_SIZE];
};

struct page_request {
	int limit;
	bool has_cursor;
	struct page_cursor after;
	/* Text forms for SQL parameters: LIMIT takes limit + 1 to learn if a page follows. */
	char fetch_text[16];
	char position_text[24];
};

/* Returns a newly allocated cursor text (the caller frees it), or NULL when out of memory. */
char *cursor_encode(const struct page_cursor *cursor);

/* Reads a cursor made by cursor_encode. Returns false for anything else. */
bool cursor_decode(const char *text, struct page_cursor *out);

/* Reads limit and cursor, both optional. Returns false for a malformed one and writes
 * which into error. */
bool page_request_parse(const char *limit, const char *cursor, struct page_request *out,
			char *error, size_t error_size);

/* Renders rows of res as {"items": [...], "next_cursor": ...}. res holds up to limit + 1
 * rows; the extra one only proves that another page follows. render turns one row into a
 * JSON object (a new reference). position_column and id_column locate the sort key. */
json_t *page_render(const PGresult *res, const struct page_request *page,
		    json_t *(*render)(const PGresult *res, int row), int position_column,
		    int id_column);

/* As page_render, for items the caller rendered from the first limit rows of res (taken
 * over). */
json_t *page_render_items(const PGresult *res, const struct page_request *page, json_t *items,
			  int position_column, int id_column);

/* The cursor's SQL parameters, position then id (both NULL on the first page), and the
 * row count: for DB_ARGS(..., PAGE_SQL_ARGS(page)). */
#define PAGE_SQL_ARGS(page)                              \
	(page).has_cursor ? (page).position_text : NULL, \
		(page).has_cursor ? (page).after.id : NULL, (page).fetch_text
