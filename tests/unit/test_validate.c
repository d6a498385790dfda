#include <criterion/criterion.h>
#include <string.h>

#include "uuid.h"
#include "validate.h"

static const char *const COLOURS[] = {"red", "green", NULL};

static const struct field_rule STEP_FIELDS[] = {
	{.name = "text", .type = FIELD_STRING, .required = true, .min = 1, .max = 10},
	{.name = "done", .type = FIELD_BOOLEAN},
	{0},
};

static const struct field_rule INNER_FIELDS[] = {
	{.name = "count", .type = FIELD_INTEGER, .min = 0, .max = 5},
	{0},
};

static const struct field_rule FIELDS[] = {
	{.name = "name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 5,
	 .check = check_plain_text},
	{.name = "colour", .type = FIELD_ENUM, .choices = COLOURS},
	{.name = "hours", .type = FIELD_NUMBER, .min = 0, .max = 100},
	{.name = "active", .type = FIELD_BOOLEAN},
	{.name = "born", .type = FIELD_DATE, .nullable = true},
	{.name = "at", .type = FIELD_TIMESTAMP},
	{.name = "owner", .type = FIELD_UUID},
	{.name = "tags", .type = FIELD_STRING_ARRAY, .max = 3, .item_min = 1, .item_max = 4},
	{.name = "colours", .type = FIELD_ENUM_ARRAY, .min = 1, .choices = COLOURS},
	{.name = "inner", .type = FIELD_OBJECT, .fields = INNER_FIELDS},
	{.name = "steps", .type = FIELD_OBJECT_ARRAY, .max = 2, .fields = STEP_FIELDS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{0},
};

/* Validates text and returns the fields named in errors, comma-separated. */
static void errors_of(const char *text, char *out, size_t size)
{
	json_error_t parse_error;
	json_t *doc = json_loads(text, 0, &parse_error);
	cr_assert(doc, "test input %s: %s", text, parse_error.text);
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(doc, FIELDS, "", &errors);
	out[0] = '\0';
	size_t index;
	json_t *item;
	json_array_foreach (errors.items, index, item) {
		cr_assert(json_string_value(json_object_get(item, "message")));
		strncat(out, index ? "," : "", size - strlen(out) - 1);
		strncat(out, json_string_value(json_object_get(item, "field")),
			size - strlen(out) - 1);
	}
	field_errors_free(&errors);
	json_decref(doc);
}

#define ASSERT_ERRORS(json, expected)                              \
	do {                                                       \
		char found[512];                                   \
		errors_of(json, found, sizeof found);              \
		cr_assert_str_eq(found, expected, "for %s", json); \
	} while (0)

/* Asserts that check says verdict of every text of the NULL-terminated list. */
static void expect_each(bool (*check)(const char *), const char *name, bool verdict,
			const char *const *texts)
{
	for (size_t i = 0; texts[i]; i++)
		cr_assert_eq(check(texts[i]), verdict, "%s(\"%s\") is not %s", name, texts[i],
			     verdict ? "true" : "false");
}

#define ACCEPTS(check, ...) \
	expect_each(check, #check, true, (const char *const[]){__VA_ARGS__, NULL})
#define REFUSES(check, ...) \
	expect_each(check, #check, false, (const char *const[]){__VA_ARGS__, NULL})

Test(validate, a_valid_document)
{
	ASSERT_ERRORS("{\"name\":\"Ana\",\"colour\":\"red\",\"hours\":2.5,\"active\":true,"
		      "\"born\":\"2000-02-29\",\"at\":\"2026-11-23T14:05:00Z\","
		      "\"owner\":\"11111111-1111-4111-8111-111111111111\",\"tags\":[\"a\",\"b\"],"
		      "\"colours\":[\"green\"],\"inner\":{\"count\":5},"
		      "\"steps\":[{\"text\":\"walk\",\"done\":false}]}",
		      "");
}

Test(validate, required_and_unknown)
{
	ASSERT_ERRORS("{}", "name");
	ASSERT_ERRORS("{\"name\":\"Ana\",\"nickname\":\"A\"}", "nickname");
	ASSERT_ERRORS("{\"name\":\"Ana\",\"id\":\"x\"}", "id");
	ASSERT_ERRORS("{\"name\":null}", "name");
	ASSERT_ERRORS("{\"name\":\"Ana\",\"born\":null}", "");
}

Test(validate, every_broken_field_is_listed)
{
	ASSERT_ERRORS("{\"name\":\"\",\"colour\":\"blue\",\"hours\":101,\"active\":\"yes\","
		      "\"born\":\"2001-02-29\",\"at\":\"2026-11-23 14:05\",\"owner\":\"x\"}",
		      "name,colour,hours,active,born,at,owner");
}

Test(validate, lengths_count_characters_not_bytes)
{
	ASSERT_ERRORS("{\"name\":\"Zoë Ñ\"}", "");
	ASSERT_ERRORS("{\"name\":\"Zoë Ñx\"}", "name");
	cr_assert_eq(utf8_length("Zoë"), 3);
}

Test(validate, plain_text_check)
{
	ASSERT_ERRORS("{\"name\":\" Ana\"}", "name");
	ASSERT_ERRORS("{\"name\":\"A\\nna\"}", "name");
}

Test(validate, nested_paths)
{
	ASSERT_ERRORS("{\"name\":\"A\",\"inner\":{\"count\":6,\"x\":1}}", "inner.count,inner.x");
	ASSERT_ERRORS("{\"name\":\"A\",\"inner\":[]}", "inner");
	ASSERT_ERRORS("{\"name\":\"A\",\"steps\":[{\"done\":true},{\"text\":\"ok\",\"done\":1}]}",
		      "steps[0].text,steps[1].done");
	ASSERT_ERRORS(
		"{\"name\":\"A\",\"steps\":[{\"text\":\"a\"},{\"text\":\"b\"},{\"text\":\"c\"}]}",
		"steps");
}

Test(validate, arrays)
{
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":[\"a\",\"a\"]}", "tags[1]");
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":[\"\",\"toolong\",3]}", "tags[0],tags[1],tags[2]");
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}", "tags");
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":\"a\"}", "tags");
	/* A wrong item before a string must not be compared as a string. */
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":[1,\"a\"]}", "tags[0]");
	ASSERT_ERRORS("{\"name\":\"A\",\"tags\":[null,\"a\",\"a\"]}", "tags[0],tags[2]");
	ASSERT_ERRORS("{\"name\":\"A\",\"colours\":[{},\"red\"]}", "colours[0]");
	ASSERT_ERRORS("{\"name\":\"A\",\"colours\":[]}", "colours");
	ASSERT_ERRORS("{\"name\":\"A\",\"colours\":[\"red\",\"pink\"]}", "colours[1]");
}

Test(validate, numbers)
{
	ASSERT_ERRORS("{\"name\":\"A\",\"inner\":{\"count\":1.5}}", "inner.count");
	ASSERT_ERRORS("{\"name\":\"A\",\"hours\":-0.5}", "hours");
	ASSERT_ERRORS("{\"name\":\"A\",\"hours\":\"3\"}", "hours");
}

Test(validate, dates)
{
	ACCEPTS(date_is_valid, "2024-02-29", "2000-02-29");
	REFUSES(date_is_valid, "1900-02-29", "2023-02-29", "2023-04-31", "2023-13-01", "2023-1-01",
		"0000-01-01", "2023-01-01T00:00:00Z");
}

Test(validate, timestamps)
{
	ACCEPTS(timestamp_is_valid, "2026-11-23T14:05:00Z", "2026-11-23T14:05:00.123456Z",
		"2026-11-23T14:05:00-08:00");
	REFUSES(timestamp_is_valid, "2026-11-23T14:05:00", /* a zone is required */
		"2026-11-23T24:05:00Z", "2026-11-23T14:05Z", "2026-02-30T14:05:00Z",
		"2026-11-23T14:05:00.Z", "2026-11-23T14:05:00+0800");
}

Test(validate, uuids)
{
	ACCEPTS(uuid_is_valid, "11111111-1111-4111-8111-111111111111",
		"ABCDEF01-1111-4111-8111-111111111111");
	REFUSES(uuid_is_valid, "11111111111141118111111111111111",
		"11111111-1111-4111-8111-11111111111", "g1111111-1111-4111-8111-111111111111");
	char generated[UUID_TEXT_SIZE], other[UUID_TEXT_SIZE];
	cr_assert(uuid_generate_v4(generated));
	cr_assert(uuid_generate_v4(other));
	cr_assert(uuid_is_valid(generated));
	cr_assert_eq(generated[14], '4');
	cr_assert(strchr("89ab", generated[19]), "%s", generated);
	cr_assert_str_neq(generated, other);
}

Test(validate, utf8_well_formed)
{
	ACCEPTS(utf8_is_valid, "plain", "Zoë Ñ 日本 🙂");
	REFUSES(utf8_is_valid, "\xff\xfe", "\xc0\xaf", /* overlong / */
		"\xe0\x80\xaf",			       /* overlong / */
		"\xed\xa0\x80",			       /* a surrogate */
		"\xf4\x90\x80\x80",		       /* past U+10FFFF */
		"\xc3",				       /* cut short */
		"a\x80" /* a lone continuation byte */);
}

Test(validate, long_unicode_field_names_are_cut_whole)
{
	/* 60 euro signs: 180 bytes, past the field name buffer, cut inside a character. */
	char key[200] = "";
	for (int i = 0; i < 60; i++)
		strcat(key, "\xe2\x82\xac");
	json_t *doc = json_pack("{s:s, s:i}", "name", "A", key, 1);
	struct field_errors errors;
	field_errors_init(&errors);
	cr_assert_not(validate_object(doc, FIELDS, "", &errors), "an unknown member is an error");
	cr_assert_eq(errors.count, 1);
	const char *field =
		json_string_value(json_object_get(json_array_get(errors.items, 0), "field"));
	cr_assert(field && utf8_is_valid(field), "the field name is whole UTF-8");
	field_errors_free(&errors);
	json_decref(doc);
}

Test(validate, text_for_json_replaces_what_json_cannot_carry)
{
	char out[16];
	text_for_json("G\xffT", out, sizeof out);
	cr_assert_str_eq(out, "G?T");
	text_for_json("a\nb", out, sizeof out);
	cr_assert_str_eq(out, "a?b");
	text_for_json("Zoë", out, sizeof out);
	cr_assert_str_eq(out, "Zoë");
	text_for_json("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		      out, sizeof out);
	cr_assert_str_eq(out, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
			 "cut at a character boundary");
}

Test(validate, control_characters_are_what_postgresql_calls_cntrl)
{
	ACCEPTS(text_has_control, "line\nbreak", "bell\a", "del\x7f", "next line \xc2\x85 (U+0085)",
		"\xc2\x9f");
	REFUSES(text_has_control, "Jos\xc3\xa9 \xc2\xa0 nbsp and \xc2\xa9", "plain text");
}

Test(validate, errors_are_counted_all_but_listed_up_to_a_limit)
{
	struct field_errors errors;
	field_errors_init(&errors);
	for (int i = 0; i < FIELD_ERRORS_LISTED + 50; i++)
		field_error(&errors, "k", "is not a field of this resource");
	cr_assert_eq(errors.count, FIELD_ERRORS_LISTED + 50);
	cr_assert_eq(json_array_size(errors.items), FIELD_ERRORS_LISTED);
	field_errors_free(&errors);
}
