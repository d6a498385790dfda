/* row_json_render: one row of a result as the API's JSON, by a render table. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "row_json.h"
#include "strbuf.h"

/* A one-row result of text columns; NULL in values is SQL NULL. */
static PGresult *one_row(const char *const *values, int count)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	cr_assert_not_null(res);
	PGresAttDesc attributes[16] = {0};
	cr_assert(count <= 16);
	for (int i = 0; i < count; i++)
		attributes[i] =
			(PGresAttDesc){.name = "c", .format = 0, .typlen = -1, .atttypmod = -1};
	cr_assert(PQsetResultAttrs(res, count, attributes));
	for (int i = 0; i < count; i++)
		cr_assert(PQsetvalue(res, 0, i, (char *)values[i],
				     values[i] ? (int)strlen(values[i]) : -1));
	return res;
}

static void expect_json(const struct row_json_member *members, size_t count,
			const char *const *values, int columns, const char *expected)
{
	PGresult *res = one_row(values, columns);
	json_t *doc = row_json_render(members, count, res, 0);
	cr_assert_not_null(doc);
	char *text = json_dumps(doc, JSON_COMPACT);
	cr_expect_str_eq(text, expected);
	free(text);
	json_decref(doc);
	/* Written straight from the row: the same bytes. */
	struct strbuf direct;
	strbuf_init(&direct);
	cr_expect(row_json_write(members, count, res, 0, 15, &direct));
	cr_expect_str_eq(direct.data, expected);
	strbuf_free(&direct);
	PQclear(res);
}

#define COUNT(array) (sizeof(array) / sizeof *(array))

struct row_json_case {
	enum row_json_kind kind;
	const char *value;
	const char *expected;
};

Test(row_json, renders_each_kind_and_null_as_null)
{
	static const struct row_json_case cases[] = {
		{ROW_JSON_STRING, "Maria", "{\"m\":\"Maria\"}"},
		{ROW_JSON_STRING, "", "{\"m\":\"\"}"},
		{ROW_JSON_STRING, "say \"hi\"", "{\"m\":\"say \\\"hi\\\"\"}"},
		{ROW_JSON_STRING, "a\tb\x01\\ \u00e9", "{\"m\":\"a\\tb\\u0001\\\\ \u00e9\"}"},
		{ROW_JSON_STRING, NULL, "{\"m\":null}"},
		{ROW_JSON_INTEGER, "15", "{\"m\":15}"},
		{ROW_JSON_INTEGER, "-9223372036854775807", "{\"m\":-9223372036854775807}"},
		{ROW_JSON_INTEGER, NULL, "{\"m\":null}"},
		{ROW_JSON_INTEGER, "007", "{\"m\":7}"},
		{ROW_JSON_INTEGER, "-0", "{\"m\":0}"},
		{ROW_JSON_INTEGER, "12.7", "{\"m\":12}"},
		{ROW_JSON_BOOLEAN, "t", "{\"m\":true}"},
		{ROW_JSON_BOOLEAN, "f", "{\"m\":false}"},
		{ROW_JSON_BOOLEAN, NULL, "{\"m\":null}"},
		{ROW_JSON_TEXT, "[\"es\",\"en\"]", "{\"m\":[\"es\",\"en\"]}"},
		{ROW_JSON_TEXT, "{\"b\":1,\"a\":[true,null]}",
		 "{\"m\":{\"b\":1,\"a\":[true,null]}}"},
		{ROW_JSON_TEXT, "\"text\"", "{\"m\":\"text\"}"},
		{ROW_JSON_TEXT, "[1,", "{\"m\":null}"},
		/* What parsing and writing again changes: white space, escapes, reals. */
		{ROW_JSON_TEXT, " [ \"a\" , [ ], [null,[-1, 0]] ] ",
		 "{\"m\":[\"a\",[],[null,[-1,0]]]}"},
		{ROW_JSON_TEXT, "[\"\\u00e9\\u001f\\/\"]", "{\"m\":[\"\u00e9\\u001F/\"]}"},
		{ROW_JSON_TEXT, "[1.50, -0, 1e2]", "{\"m\":[1.5,0,100.0]}"},
		{ROW_JSON_TEXT, "[123456789012345678901]", "{\"m\":null}"},
		{ROW_JSON_TEXT, "{\"a\" : [1], \"b\" : 2}", "{\"m\":{\"a\":[1],\"b\":2}}"},
		{ROW_JSON_TEXT, "[1,]", "{\"m\":null}"},
		{ROW_JSON_TEXT, "[1] x", "{\"m\":null}"},
		{ROW_JSON_TEXT, "[] []", "{\"m\":null}"},
		{ROW_JSON_TEXT, "[[1]", "{\"m\":null}"},
		{ROW_JSON_TEXT, "", "{\"m\":null}"},
		{ROW_JSON_TEXT, NULL, "{\"m\":null}"},
		{ROW_JSON_HIDDEN, "secret", "{}"},
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		const struct row_json_member member = {
			.name = "m", .column = 0, .kind = cases[i].kind};
		const char *values[] = {cases[i].value};
		expect_json(&member, 1, values, 1, cases[i].expected);
	}
}

static json_t *shout(const PGresult *res, int row, int column)
{
	const char *text = PQgetisnull(res, row, column) ? "nothing" : PQgetvalue(res, row, column);
	char buffer[32];
	snprintf(buffer, sizeof buffer, "%s!", text);
	return json_string(buffer);
}

Test(row_json, keeps_the_table_order_and_nests_dotted_names)
{
	/* Columns in another order than the members, one read twice, one custom. */
	static const struct row_json_member members[] = {
		{.name = "id", .column = 2, ROW_STRING},
		{.name = "consent.obtained", .column = 0, ROW_BOOLEAN},
		{.name = "version", .column = 1, ROW_INTEGER},
		{.name = "consent.on", .column = 3, ROW_STRING},
		{.name = "echo", .column = 2, ROW_CUSTOM(shout)},
		{.name = "none", .column = 3, ROW_CUSTOM(shout)},
		{.name = NULL, .column = 1, ROW_HIDDEN},
	};
	const char *values[] = {"t", "3", "a1", NULL};
	expect_json(members, COUNT(members), values, 4,
		    "{\"id\":\"a1\",\"consent\":{\"obtained\":true,\"on\":null},\"version\":3,"
		    "\"echo\":\"a1!\",\"none\":\"nothing!\"}");
}

/* The expansions of a column list, as a resource writes one. */
/* clang-format off */
#define THING_COLUMN_LIST(X, _)                                               \
	X(THING_ID, "t.id", "id", ROW_STRING)                                 \
	_ X(THING_VERSION, "t.version", "version", ROW_INTEGER)               \
	_ X(THING_POSITION, "peerd_position(t.created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { THING_COLUMN_LIST(ROW_COLUMN_ENUM, ) THING_COLUMN_COUNT };

Test(row_json, a_column_list_makes_the_enum_the_select_list_and_the_table)
{
	static const struct row_json_member members[] = {THING_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
	cr_expect_eq(THING_COLUMN_COUNT, 3);
	cr_expect_eq(THING_POSITION, 2);
	cr_expect_str_eq(THING_COLUMN_LIST(ROW_COLUMN_SQL, ", "),
			 "t.id, t.version, peerd_position(t.created_at)");
	cr_expect_eq(COUNT(members), 3);
	const char *values[] = {"x", "7", "42"};
	expect_json(members, COUNT(members), values, 3, "{\"id\":\"x\",\"version\":7}");
}
