#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "json_text.h"
#include "pagination.h"
#include "row_json.h"
#include "strbuf.h"

Test(pagination, cursor_round_trip)
{
	struct page_cursor cursor = {.position = 1795399619284936LL};
	strcpy(cursor.id, "22222222-2222-4222-8222-222222222222");
	char *text = cursor_encode(&cursor);
	cr_assert_null(strpbrk(text, "+/="), "the cursor is URL-safe: %s", text);
	struct page_cursor back;
	cr_assert(cursor_decode(text, &back));
	cr_assert_eq(back.position, cursor.position);
	cr_assert_str_eq(back.id, cursor.id);
	free(text);
}

static char *encode_text(const char *plain)
{
	return base64url_encode((const unsigned char *)plain, strlen(plain));
}

Test(pagination, foreign_cursors_are_refused)
{
	const char *plains[] = {"",
				"1:",
				"1:12",
				"1:12:",
				"1:-5:22222222-2222-4222-8222-222222222222",
				"2:12:22222222-2222-4222-8222-222222222222",
				"1:12:not-a-uuid",
				"1:x:22222222-2222-4222-8222-222222222222",
				"1:99999999999999999999:22222222-2222-4222-8222-222222222222",
				"1:9223372036854775807:22222222-2222-4222-8222-222222222222",
				"1:253402300800000000:22222222-2222-4222-8222-222222222222"};
	struct page_cursor out;
	for (size_t i = 0; i < sizeof plains / sizeof plains[0]; i++) {
		char *text = encode_text(plains[i]);
		cr_expect_not(cursor_decode(text, &out), "\"%s\" was accepted", plains[i]);
		free(text);
	}
	cr_assert_not(cursor_decode("not base64!", &out));
	cr_assert_not(cursor_decode(NULL, &out));
}

Test(pagination, last_representable_instant)
{
	struct page_cursor cursor = {.position = 253402300799999999LL};
	strcpy(cursor.id, "22222222-2222-4222-8222-222222222222");
	char *text = cursor_encode(&cursor);
	struct page_cursor back;
	cr_assert(cursor_decode(text, &back));
	free(text);
}

Test(pagination, limit_rules)
{
	struct page_request page;
	char error[128];
	cr_assert(page_request_parse(NULL, NULL, NULL, &page, error, sizeof error));
	cr_assert_eq(page.limit, 50);
	cr_assert_str_eq(page.fetch_text, "51", "one more row tells whether a page follows");
	cr_assert(page_request_parse("200", NULL, NULL, &page, error, sizeof error));
	cr_assert_eq(page.limit, 200);
	cr_assert(page_request_parse("1", NULL, NULL, &page, error, sizeof error));
	const char *bad[] = {"0", "201", "-1", "abc", "10x", "", " 5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_not(page_request_parse(bad[i], NULL, NULL, &page, error, sizeof error),
			      "%s", bad[i]);
}

Test(pagination, cursor_parameter)
{
	struct page_cursor cursor = {.position = 42};
	strcpy(cursor.id, "22222222-2222-4222-8222-222222222222");
	char *text = cursor_encode(&cursor);
	struct page_request page;
	char error[128];
	cr_assert(page_request_parse(NULL, text, NULL, &page, error, sizeof error));
	cr_assert(page.has_cursor);
	cr_assert_str_eq(page.position_text, "42");
	cr_assert_not(page_request_parse(NULL, "garbage", NULL, &page, error, sizeof error));
	cr_assert(strstr(error, "cursor"));
	free(text);
}

Test(pagination, a_changes_cursor_belongs_to_its_order)
{
	struct page_cursor cursor = {.changes = true, .position = 7};
	strcpy(cursor.id, "22222222-2222-4222-8222-222222222222");
	char *text = cursor_encode(&cursor);
	struct page_cursor back;
	cr_assert(cursor_decode(text, &back));
	cr_assert(back.changes);
	cr_assert_eq(back.position, 7);
	struct page_request page;
	char error[160];
	const char *since = "2026-11-23T14:05:00Z";
	cr_assert(page_request_parse(NULL, text, since, &page, error, sizeof error));
	cr_assert_str_eq(page.since, since);
	cr_assert_str_eq(page.position_text, "7");
	cr_assert_not(page_request_parse(NULL, text, NULL, &page, error, sizeof error),
		      "a changes cursor is no position in the newest-first order");
	cursor.changes = false;
	char *newest = cursor_encode(&cursor);
	cr_assert_not(page_request_parse(NULL, newest, since, &page, error, sizeof error));
	cr_assert_not(page_request_parse(NULL, NULL, "yesterday", &page, error, sizeof error));
	cr_assert(strstr(error, "updated_since"));
	free(newest);
	free(text);
}

/* Rows of (id, name, position, changes position), the last column a list's PAGE_KEY. */
static PGresult *page_rows(int count)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	cr_assert_not_null(res);
	PGresAttDesc attributes[4];
	for (int i = 0; i < 4; i++)
		attributes[i] =
			(PGresAttDesc){.name = "c", .format = 0, .typlen = -1, .atttypmod = -1};
	cr_assert(PQsetResultAttrs(res, 4, attributes));
	for (int row = 0; row < count; row++) {
		char id[40], name[16], position[24], changed[24];
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", row + 1);
		snprintf(name, sizeof name, "n\"%d\t", row);
		snprintf(position, sizeof position, "%d", 1000 - row);
		snprintf(changed, sizeof changed, "%d", 5000 + row);
		const char *values[4] = {id, name, position, changed};
		for (int i = 0; i < 4; i++)
			cr_assert(PQsetvalue(res, row, i, (char *)values[i],
					     row == 1 && i == 1 ? -1 : (int)strlen(values[i])));
	}
	return res;
}

static const struct row_json_member PAGE_MEMBERS[] = {
	{.name = "id", .column = 0, .kind = ROW_JSON_STRING},
	{.name = "name", .column = 1, .kind = ROW_JSON_STRING},
	{.name = "position", .column = 2, .kind = ROW_JSON_HIDDEN},
};

static json_t *page_member_render(const PGresult *res, int row)
{
	return row_json_render(PAGE_MEMBERS, 3, res, row);
}

/* page_write writes the bytes json_text writes of page_render's document: with and without a
 * page after, in either order, and empty. */
Test(pagination, written_page_is_the_rendered_document)
{
	static const int rows[] = {0, 2, 3, 5};
	for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
		for (int changes = 0; changes < 2; changes++) {
			struct page_request page = {
				.limit = 2, .since = changes ? "2026-01-01T00:00:00Z" : NULL};
			PGresult *res = page_rows(rows[r]);
			json_t *doc = page_render(res, &page, page_member_render, 2, 0);
			char *expected = json_text(doc, 15, NULL);
			cr_assert_not_null(expected);
			struct strbuf written;
			strbuf_init(&written);
			cr_expect(page_write(res, &page, PAGE_MEMBERS, 3, 15, 2, 0, &written));
			cr_expect_str_eq(written.data, expected, "%d rows, changes %d", rows[r],
					 changes);
			strbuf_free(&written);
			free(expected);
			json_decref(doc);
			PQclear(res);
		}
	}
}
