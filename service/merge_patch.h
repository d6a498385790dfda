/* JSON Merge Patch (RFC 7396). */
#pragma once

#include <jansson.h>

/* Returns a new value: target with patch applied (a null member removes the key; a
 * non-object patch replaces the target). Neither argument is changed. NULL when out of
 * memory. */
json_t *merge_patch_apply(const json_t *target, const json_t *patch);
