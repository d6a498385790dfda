/* A resource's columns, described once, and one row of them as the API's JSON.
 *
 * Each resource writes its columns as one X-macro list, in the order of its JSON:
 *
 *	#define THING_COLUMN_LIST(X, _)                                          \
 *		X(THING_ID, "t.id", "id", ROW_STRING)                            \
 *		_ X(THING_VERSION, "t.version", "version", ROW_INTEGER)          \
 *		_ X(THING_POSITION, "peerd_position(t.created_at)", NULL, ROW_HIDDEN)
 *
 * X(enumerator, SQL expression, JSON member, kind), entries separated by _ (the SELECT
 * list needs a comma between columns and none after the last). Like PostgreSQL's
 * kwlist.h, the one list is expanded several ways: the column enum
 * (THING_COLUMN_LIST(ROW_COLUMN_ENUM, )), the SELECT list
 * (THING_COLUMN_LIST(ROW_COLUMN_SQL, ", ")) and the table row_json_render reads
 * (THING_COLUMN_LIST(ROW_COLUMN_MEMBER, )), so a column is added, moved or dropped on one
 * line. The lists are kept out of clang-format, which cannot lay out a separator that is
 * not an operator. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf;

enum row_json_kind {
	ROW_JSON_STRING,  /* the text as a string */
	ROW_JSON_INTEGER, /* an integer column */
	ROW_JSON_BOOLEAN, /* a boolean column: 't' is true */
	ROW_JSON_TEXT,	  /* JSON made in SQL, parsed; null when it does not parse */
	ROW_JSON_CUSTOM,  /* what render makes of the row */
	ROW_JSON_HIDDEN,  /* selected for C, not shown */
};

/* One member of the JSON: SQL NULL is JSON null for every kind but ROW_JSON_CUSTOM. */
struct row_json_member {
	/* The member's name; "a.b" is member b of the object a, made where a first comes. */
	const char *name;
	int column;
	enum row_json_kind kind;
	/* ROW_JSON_CUSTOM: the value of column in row (a new reference), or NULL when out of
	 * memory. */
	json_t *(*render)(const PGresult *res, int row, int column);
};

/* The members a list's rows are written with: the first count of members. */
struct row_json_table {
	const struct row_json_member *members;
	size_t count;
};

/* All of an array of members. */
#define ROW_JSON_TABLE(array)                            \
	{                                                \
		(array), sizeof(array) / sizeof *(array) \
	}

/* The kinds, as a column list writes them. */
#define ROW_STRING	    .kind = ROW_JSON_STRING
#define ROW_INTEGER	    .kind = ROW_JSON_INTEGER
#define ROW_BOOLEAN	    .kind = ROW_JSON_BOOLEAN
#define ROW_JSON	    .kind = ROW_JSON_TEXT
#define ROW_CUSTOM(render_) .kind = ROW_JSON_CUSTOM, .render = (render_)
#define ROW_HIDDEN	    .kind = ROW_JSON_HIDDEN

/* The three expansions of a column list. */
#define ROW_COLUMN_ENUM(id, sql, member, kind)	 id,
#define ROW_COLUMN_SQL(id, sql, member, kind)	 sql
#define ROW_COLUMN_MEMBER(id, sql, member, kind) {.name = (member), .column = (id), kind},

/* Row row of res as a JSON object with members[0 .. count - 1] in that order; a new
 * reference, or NULL when out of memory. */
json_t *row_json_render(const struct row_json_member *members, size_t count, const PGresult *res,
			int row);

/* Appends to out the text json_text writes for row_json_render's object (reals as
 * JSON_REAL_PRECISION(real_precision)), straight from the row: a single read answers with it,
 * and building the document first cost more than the rest of the handler. Member names are
 * distinct and no member is named as a nested object is. False when out of memory (out may
 * hold part of the row). */
bool row_json_write(const struct row_json_member *members, size_t count, const PGresult *res,
		    int row, unsigned real_precision, struct strbuf *out);
