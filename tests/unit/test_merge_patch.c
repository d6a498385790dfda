#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "merge_patch.h"

/* Inline text: Criterion runs each case in a re-executed process, where a pointer into
 * the parent's memory would mean nothing. */
struct merge_case {
	char target[64];
	char patch[64];
	char result[64];
};

/* RFC 7396, Appendix A. */
ParameterizedTestParameters(merge_patch, rfc7396_examples)
{
	static struct merge_case cases[] = {
		{"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
		{"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
		{"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
		{"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
		{"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
		{"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
		{"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
		 "{\"a\":{\"b\":\"d\"}}"},
		{"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
		{"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
		{"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
		{"{\"a\":\"foo\"}", "null", "null"},
		{"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
		{"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
		{"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
		{"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
	};
	return cr_make_param_array(struct merge_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct merge_case *c, merge_patch, rfc7396_examples)
{
	json_t *target = json_loads(c->target, JSON_DECODE_ANY, NULL);
	json_t *patch = json_loads(c->patch, JSON_DECODE_ANY, NULL);
	json_t *expected = json_loads(c->result, JSON_DECODE_ANY, NULL);
	json_t *original = json_deep_copy(target);
	json_t *result = merge_patch_apply(target, patch);
	cr_assert(json_equal(result, expected), "%s + %s", c->target, c->patch);
	cr_assert(json_equal(target, original), "the target is left as it was");
	json_decref(target);
	json_decref(patch);
	json_decref(expected);
	json_decref(original);
	json_decref(result);
}
