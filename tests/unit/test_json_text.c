/* json_text writes the same bytes as jansson's json_dumps with JSON_COMPACT. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

static void expect_same_as_jansson(const json_t *json, unsigned precision)
{
	char *expected =
		json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(precision));
	size_t length = 0;
	char *actual = json_text(json, precision, &length);
	cr_assert_not_null(expected);
	cr_assert_not_null(actual, "no text for %s", expected);
	cr_expect_eq(length, strlen(expected), "length of %s", expected);
	cr_expect_str_eq(actual, expected);
	free(expected);
	free(actual);
}

Test(json_text, writes_every_kind_of_value_as_jansson_does)
{
	json_t *doc = json_pack(
		"{s:s, s:I, s:I, s:f, s:f, s:f, s:b, s:b, s:n, s:[], s:{}, s:[i, s, {s:[n]}],"
		" s:s, s:s}",
		"id", "5a0f6f0e-0000-4000-8000-000000000001", "zero", (json_int_t)0, "large",
		(json_int_t)-9223372036854775807LL, "hours", 1.25, "whole", 2.0, "tiny", 1e-7,
		"yes", 1, "no", 0, "nothing", "empty_array", "empty_object", "nested", 1, "two",
		"deeper", "x", "quoted", "say \"hi\" \\ back\\slash /slash", "unicode",
		"Zoë — 日本語 🙂");
	cr_assert_not_null(doc);
	expect_same_as_jansson(doc, 15);
	expect_same_as_jansson(doc, 6);
	expect_same_as_jansson(doc, 0);
	json_decref(doc);
}

Test(json_text, escapes_every_control_character_and_keeps_nul_bytes)
{
	char all[40];
	for (int c = 0; c < 0x20; c++)
		all[c] = (char)c;
	memcpy(all + 0x20, "\x7f\"\\end", 7);
	json_t *doc = json_array();
	json_array_append_new(doc, json_stringn(all, sizeof all - 1));
	json_t *keyed = json_object();
	json_object_setn_new(keyed, "key\nwith\0nul", 12, json_true());
	json_array_append_new(doc, keyed);
	expect_same_as_jansson(doc, 15);
	json_decref(doc);
}

/* Strings are scanned 8 bytes at a time: a byte to escape, or one just above what needs it,
 * at every position of strings of every length up to three words. */
Test(json_text, escapes_at_every_position_of_a_word)
{
	static const char SPECIAL[] = {'\0', 0x1f, '"', '\\', 0x20, 0x21, '!', 0x5d, 0x7f};
	char text[25];
	for (size_t length = 1; length <= sizeof text - 1; length++) {
		for (size_t at = 0; at < length; at++) {
			for (size_t s = 0; s < sizeof SPECIAL; s++) {
				memset(text, 'a', length);
				text[at] = SPECIAL[s];
				json_t *string = json_stringn(text, length);
				expect_same_as_jansson(string, 15);
				json_decref(string);
			}
		}
	}
}

/* A document of random shape and contents, depth at most depth. */
static json_t *random_value(unsigned *seed, int depth)
{
	int kind = rand_r(seed) % (depth > 0 ? 8 : 6);
	switch (kind) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rand_r(seed) % 2);
	case 2:
		return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
	case 3:
		return json_real((double)rand_r(seed) / 977.0);
	case 4:
	case 5: {
		char text[16];
		size_t length = (size_t)(rand_r(seed) % 16);
		for (size_t i = 0; i < length; i++)
			text[i] = (char)(rand_r(seed) % 128);
		return json_stringn(text, length);
	}
	case 6: {
		json_t *array = json_array();
		for (int i = rand_r(seed) % 5; i > 0; i--)
			json_array_append_new(array, random_value(seed, depth - 1));
		return array;
	}
	default: {
		json_t *object = json_object();
		for (int i = rand_r(seed) % 5; i > 0; i--) {
			char key[8];
			snprintf(key, sizeof key, "k%d", rand_r(seed) % 100);
			json_object_set_new(object, key, random_value(seed, depth - 1));
		}
		return object;
	}
	}
}

Test(json_text, matches_jansson_on_a_thousand_random_documents)
{
	for (unsigned i = 0; i < 1000; i++) {
		unsigned seed = i;
		json_t *doc = random_value(&seed, 5);
		expect_same_as_jansson(doc, 15);
		json_decref(doc);
	}
}

Test(json_text, refuses_nesting_past_its_limit)
{
	json_t *doc = json_array();
	json_t *inner = doc;
	for (int depth = 0; depth < JSON_TEXT_MAX_DEPTH + 1; depth++) {
		json_t *next = json_array();
		json_array_append_new(inner, next);
		inner = next;
	}
	cr_expect_null(json_text(doc, 15, NULL));
	json_decref(doc);
}
