#include "row_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static json_t *value_of(const struct row_json_member *member, const PGresult *res, int row)
{
	if (member->kind == ROW_JSON_CUSTOM)
		return member->render(res, row, member->column);
	if (PQgetisnull(res, row, member->column))
		return json_null();
	const char *text = PQgetvalue(res, row, member->column);
	switch (member->kind) {
	case ROW_JSON_INTEGER:
		return json_integer(strtoll(text, NULL, 10));
	case ROW_JSON_BOOLEAN:
		return json_boolean(text[0] == 't');
	case ROW_JSON_TEXT: {
		json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
		return value ? value : json_null();
	}
	default:
		return json_string(text);
	}
}

/* The object name[0 .. length - 1] of doc, made empty when it is not there yet; borrowed,
 * or NULL when out of memory. */
static json_t *nested_object(json_t *doc, const char *name, size_t length)
{
	char key[64];
	if (length >= sizeof key)
		return NULL;
	memcpy(key, name, length);
	key[length] = '\0';
	json_t *object = json_object_get(doc, key);
	if (object)
		return object;
	object = json_object();
	return json_object_set_new(doc, key, object) == 0 ? object : NULL;
}

/* Sets member's value in doc (in its nested object for "a.b"); false when out of memory. */
static bool set_member(json_t *doc, const struct row_json_member *member, json_t *value)
{
	const char *dot = strchr(member->name, '.');
	json_t *object = dot ? nested_object(doc, member->name, (size_t)(dot - member->name)) : doc;
	const char *key = dot ? dot + 1 : member->name;
	if (object)
		return json_object_set_new(object, key, value) == 0;
	json_decref(value);
	return false;
}

json_t *row_json_render(const struct row_json_member *members, size_t count, const PGresult *res,
			int row)
{
	json_t *doc = json_object();
	for (size_t i = 0; doc && i < count; i++) {
		const struct row_json_member *member = &members[i];
		if (member->kind == ROW_JSON_HIDDEN)
			continue;
		json_t *value = value_of(member, res, row);
		if (!value || !set_member(doc, member, value)) {
			json_decref(doc);
			doc = NULL;
		}
	}
	return doc;
}
