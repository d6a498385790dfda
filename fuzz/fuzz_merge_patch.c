/* JSON merge patch (service/merge_patch.c), as PATCH applies a client's body to a stored
 * resource: the input is the resource (a JSON object), then the body, parsed as the
 * dispatcher parses one. The promises of RFC 7396: null removes a member, any other
 * non-object value replaces it, members the patch leaves out stay, the target is not
 * changed, and applying the same patch twice changes nothing more. */
#include "fuzz.h"

#include "merge_patch.h"

static void check_merged(const json_t *target, const json_t *patch, const json_t *merged)
{
	const char *key;
	json_t *value;
	json_object_foreach ((json_t *)patch, key, value) {
		json_t *now = json_object_get(merged, key);
		if (json_is_null(value))
			FUZZ_CHECK(now == NULL);
		else if (!json_is_object(value))
			FUZZ_CHECK(json_equal(now, value));
		else
			FUZZ_CHECK(json_is_object(now));
	}
	json_object_foreach ((json_t *)target, key, value) {
		if (!json_object_get(patch, key))
			FUZZ_CHECK(json_equal(json_object_get(merged, key), value));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t error;
	json_t *target = json_loadb((const char *)data, size,
				    JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &error);
	size_t used = (size_t)error.position;
	json_t *patch =
		json_is_object(target) && used <= size ? fuzz_body(data + used, size - used) : NULL;
	if (patch) {
		json_t *kept = json_deep_copy(target);
		json_t *merged = merge_patch_apply(target, patch);
		FUZZ_CHECK(kept && merged && json_is_object(merged));
		FUZZ_CHECK(json_equal(target, kept));
		check_merged(target, patch, merged);
		json_t *again = merge_patch_apply(merged, patch);
		FUZZ_CHECK(json_equal(again, merged));
		json_decref(again);
		json_decref(merged);
		json_decref(kept);
	}
	json_decref(patch);
	json_decref(target);
	return 0;
}
