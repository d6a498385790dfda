/* Cursor pagination (API.md "Lists"): ?limit= (1..200, default 50) and an opaque ?cursor=
 * that names the last row of the previous page by its sort position and id. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "uuid.h"

struct row_json_member;
struct strbuf;

#define PAGE_LIMIT_DEFAULT 50
#define PAGE_LIMIT_MAX	   200

struct page_cursor {
	bool changes;	    /* a position in the changes order (updated_since), not the newest */
	long long position; /* the sort key, e.g. created_at in microseconds since 1970 */
	char id[UUID_TEXT_SIZE];
};

struct page_request {
	int limit;
	bool has_cursor;
	struct page_cursor after;
	/* ?updated_since= (a sync): rows changed at or after it, oldest change first, and the
	 * cursor's position is updated_at. NULL for the list's usual order. */
	const char *since;
	/* Text forms for SQL parameters: LIMIT takes limit + 1 to learn if a page follows. */
	char fetch_text[16];
	char position_text[24];
};

/* Returns a newly allocated cursor text (the caller frees it), or NULL when out of memory. */
char *cursor_encode(const struct page_cursor *cursor);

/* Reads a cursor made by cursor_encode. Returns false for anything else. */
bool cursor_decode(const char *text, struct page_cursor *out);

/* Reads limit, cursor and updated_since (an RFC 3339 timestamp), all optional. Returns
 * false for a malformed one, or a cursor made for the other order, and writes which into
 * error. */
bool page_request_parse(const char *limit, const char *cursor, const char *since,
			struct page_request *out, char *error, size_t error_size);

/* Renders rows of res as {"items": [...], "next_cursor": ...}. res holds up to limit + 1
 * rows; the extra one only proves that another page follows. render turns one row into a
 * JSON object (a new reference). position_column and id_column locate the sort key (in the
 * changes order the position is that of PAGE_KEY, which a list selects last). A page whose
 * rows are a member table's is written by page_write instead. */
json_t *page_render(const PGresult *res, const struct page_request *page,
		    json_t *(*render)(const PGresult *res, int row), int position_column,
		    int id_column);

/* Appends to out the text json_text writes for page_render's document, rows written by
 * row_json_write (members[0 .. count - 1]), straight from res: building a document per row
 * and then its text was most of a list's CPU time. False when out of memory. */
bool page_write(const PGresult *res, const struct page_request *page,
		const struct row_json_member *members, size_t count, unsigned real_precision,
		int position_column, int id_column, struct strbuf *out);

/* The cursor's SQL parameters, position then id (both NULL on the first page), and the
 * row count: for DB_ARGS(..., PAGE_SQL_ARGS(page)). */
#define PAGE_SQL_ARGS(page)                              \
	(page).has_cursor ? (page).position_text : NULL, \
		(page).has_cursor ? (page).after.id : NULL, (page).fetch_text

/* A list that also syncs (?updated_since=) runs one of four statements: NEWEST (created_at,
 * id descending: the usual order) or CHANGES (updated_at, id ascending, from updated_since
 * on), each as a FIRST page or one AFTER a cursor. PAGE_STATEMENTS makes the four of one list:
 * SELECT columns, then the position of the order (PAGE_KEY, last: page_render reads it there
 * in the changes order), then from_where (FROM and WHERE with the list's filters), then the
 * cursor's condition and the order. at, id, limit and since are the numbers ("$6") of the
 * parameters PAGE_SYNC_ARGS gives. Every statement takes every parameter, so the handler
 * passes the same arguments to any.
 *
 * Why four and not one with "($at IS NULL OR ...)": a prepared statement falls into a
 * generic plan after five calls, and there such a condition is a filter, never an index
 * condition, so a deep page would read every row before it. In a statement of one shape the
 * cursor bounds the index scan. A parameter a shape does not use is still named, as a
 * condition on it alone ("$at IS NULL"): PostgreSQL then knows its type, and the plan tests
 * it once (a one-time filter), not per row.
 *
 * A custom plan knows the LIMIT, the cursor's position and updated_since; a generic plan
 * does not, and costs a page as a tenth of the rows. When that makes the custom plan look
 * cheaper every time, the statement is planned again on every call (1 to 5 ms for the
 * referral list, more than its execution). A list whose statements have no other
 * parameter that sways its plan can pass these as PAGE_UNSEEN(...): a sub-select, run once
 * before the scan, which either plan costs alike, so the generic plan is kept. */
#define PAGE_UNSEEN(param, type)		"(SELECT " param "::" type ")"
#define PAGE_KEY(order, alias)			PAGE_KEY_##order(alias)
#define PAGE_KEY_NEWEST(alias)			"peerd_position(" alias ".created_at)"
#define PAGE_KEY_CHANGES(alias)			"peerd_position(" alias ".updated_at)"
#define PAGE_SINCE(order, alias, since)		PAGE_SINCE_##order(alias, since)
#define PAGE_SINCE_NEWEST(alias, since)		" AND " since "::timestamptz IS NULL"
#define PAGE_SINCE_CHANGES(alias, since)	" AND " alias ".updated_at >= " since "::timestamptz"
#define PAGE_AFTER(order, alias, at, id, since) PAGE_AFTER_##order(alias, at, id, since)
#define PAGE_AFTER_FIRST(alias, at, id, since) \
	" AND " at "::bigint IS NULL AND " id "::uuid IS NULL"
#define PAGE_AFTER_NEWEST(alias, at, id, since)                                                 \
	" AND (" alias ".created_at, " alias ".id) < (peerd_from_position(" at "::bigint), " id \
	"::uuid)"
#define PAGE_AFTER_CHANGES(alias, at, id, since)                                                \
	" AND (" alias ".updated_at, " alias ".id) > (peerd_from_position(" at "::bigint), " id \
	"::uuid)"
#define PAGE_ORDER(order, alias, limit) PAGE_ORDER_##order(alias, limit)
#define PAGE_ORDER_NEWEST(alias, limit) \
	" ORDER BY " alias ".created_at DESC, " alias ".id DESC LIMIT " limit "::int"
#define PAGE_ORDER_CHANGES(alias, limit) \
	" ORDER BY " alias ".updated_at, " alias ".id LIMIT " limit "::int"
/* One statement: order NEWEST or CHANGES, after FIRST or that order again (a cursor). */
#define PAGE_SQL_AT(order, after, columns, alias, from_where, at, id, limit, since)              \
	"SELECT " columns ", " PAGE_KEY(order, alias) from_where PAGE_SINCE(order, alias, since) \
		PAGE_AFTER(after, alias, at, id, since) PAGE_ORDER(order, alias, limit)
/* The statement after a cursor of order. */
#define PAGE_SQL(order, columns, alias, from_where, at, id, limit, since) \
	PAGE_SQL_AT(order, order, columns, alias, from_where, at, id, limit, since)

/* The four statements of a syncing list, in the order PAGE_STATEMENT indexes them. */
#define PAGE_STATEMENTS(variable, name, columns, alias, from_where, at, id, limit, since)        \
	static const struct db_statement variable[4] = {                                         \
		{name,                                                                           \
		 PAGE_SQL_AT(NEWEST, FIRST, columns, alias, from_where, at, id, limit, since)},  \
		{name "_after",                                                                  \
		 PAGE_SQL(NEWEST, columns, alias, from_where, at, id, limit, since)},            \
		{name "_changes",                                                                \
		 PAGE_SQL_AT(CHANGES, FIRST, columns, alias, from_where, at, id, limit, since)}, \
		{name "_changes_after",                                                          \
		 PAGE_SQL(CHANGES, columns, alias, from_where, at, id, limit, since)}}

/* The statement of variable (PAGE_STATEMENTS) for page. */
#define PAGE_STATEMENT(variable, page) (&(variable)[2 * ((page).since != NULL) + (page).has_cursor])

/* PAGE_SQL_ARGS and then updated_since (NULL when not given). */
#define PAGE_SYNC_ARGS(page) PAGE_SQL_ARGS(page), (page).since
