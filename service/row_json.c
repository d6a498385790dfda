#include "row_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "strbuf.h"

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

/* The length of the JSON token at text that json_loads and json_text would give back byte for
 * byte: a string with no escape or control character, a literal, or an integer of at most 18
 * digits (no "-0"). 0 for anything else. */
static size_t plain_token(const char *text)
{
	size_t i = 0;
	if (text[0] == '"') {
		for (i = 1; (unsigned char)text[i] >= 0x20 && text[i] != '"' && text[i] != '\\';
		     i++) {
		}
		return text[i] == '"' ? i + 1 : 0;
	}
	static const char *const LITERALS[] = {"null", "true", "false"};
	for (size_t l = 0; l < sizeof LITERALS / sizeof *LITERALS; l++) {
		size_t length = strlen(LITERALS[l]);
		if (strncmp(text, LITERALS[l], length) == 0)
			return length;
	}
	size_t sign = text[0] == '-';
	for (i = sign; text[i] >= '0' && text[i] <= '9'; i++) {
	}
	size_t digits = i - sign;
	bool canonical = digits == 1 ? !(sign && text[sign] == '0') : text[sign] != '0';
	return digits > 0 && digits <= 18 && canonical ? i : 0;
}

#define JSON_WHITE_SPACE " \t\n\r"

/* Appends JSON text made in SQL as it is, without its white space, when it is arrays of plain
 * tokens (array_to_json's arrays): what parsing and writing it again would give. False, with
 * nothing appended, for anything else (objects, escapes, reals, malformed text). */
static bool append_plain_arrays(struct strbuf *out, const char *text)
{
	size_t start = out->length;
	size_t i = strspn(text, JSON_WHITE_SPACE);
	enum { OPENED, AFTER_COMMA, AFTER_VALUE } state = OPENED;
	int depth = 0;
	bool plain = text[i] == '[';
	while (plain) {
		size_t length = 1;
		char c = text[i];
		if (c == '[' && state != AFTER_VALUE && depth < JSON_TEXT_MAX_DEPTH)
			depth++, state = OPENED;
		else if (c == ']' && state != AFTER_COMMA)
			depth--, state = AFTER_VALUE;
		else if (c == ',' && state == AFTER_VALUE)
			state = AFTER_COMMA;
		else if (state != AFTER_VALUE && (length = plain_token(text + i)) > 0)
			state = AFTER_VALUE;
		else
			plain = false;
		if (!plain)
			break;
		strbuf_append(out, text + i, length);
		i += length;
		i += strspn(text + i, JSON_WHITE_SPACE);
		if (depth == 0)
			break;
	}
	if (plain && text[i] == '\0')
		return true;
	out->length = start;
	if (out->data)
		out->data[start] = '\0';
	return false;
}

/* Appends member's value in row, as json_text would write value_of's. */
static bool write_value(struct strbuf *out, const struct row_json_member *member,
			const PGresult *res, int row, unsigned real_precision)
{
	if (member->kind == ROW_JSON_CUSTOM) {
		json_t *value = member->render(res, row, member->column);
		bool written = value && json_text_append(out, value, real_precision);
		json_decref(value);
		return written;
	}
	if (PQgetisnull(res, row, member->column)) {
		strbuf_append(out, "null", 4);
		return true;
	}
	const char *text = PQgetvalue(res, row, member->column);
	switch (member->kind) {
	case ROW_JSON_INTEGER: {
		/* PostgreSQL writes integers as json_integer's strtoll and printf would. */
		size_t length = (size_t)PQgetlength(res, row, member->column);
		bool number = text[0] == '-' || (text[0] >= '0' && text[0] <= '9');
		if (number && plain_token(text) == length) {
			strbuf_append(out, text, length);
			return true;
		}
		char digits[24];
		int written = snprintf(digits, sizeof digits, "%lld", strtoll(text, NULL, 10));
		strbuf_append(out, digits, (size_t)written);
		return true;
	}
	case ROW_JSON_BOOLEAN:
		strbuf_append(out, text[0] == 't' ? "true" : "false", text[0] == 't' ? 4 : 5);
		return true;
	case ROW_JSON_TEXT: {
		if (append_plain_arrays(out, text))
			return true;
		json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
		bool written = value ? json_text_append(out, value, real_precision)
				     : (strbuf_append(out, "null", 4), true);
		json_decref(value);
		return written;
	}
	default:
		/* The connection's encoding is UTF-8 (service/db.c), which json_string requires. */
		json_text_append_string(out, text, (size_t)PQgetlength(res, row, member->column));
		return true;
	}
}

/* Whether a member before members[index] is in the nested object named by the first
 * prefix_length bytes of its name: then that object was written already. */
static bool nested_earlier(const struct row_json_member *members, size_t index,
			   size_t prefix_length)
{
	for (size_t i = 0; i < index; i++) {
		if (members[i].kind != ROW_JSON_HIDDEN &&
		    strncmp(members[i].name, members[index].name, prefix_length + 1) == 0)
			return true;
	}
	return false;
}

static void append_key(struct strbuf *out, const char *key, size_t length)
{
	json_text_append_string(out, key, length);
	strbuf_append(out, ":", 1);
}

/* Appends the nested object members[index] begins (its name is "a.b": the object a), with
 * every later member of it, in order. */
static bool write_nested(struct strbuf *out, const struct row_json_member *members, size_t count,
			 size_t index, size_t prefix_length, const PGresult *res, int row,
			 unsigned real_precision)
{
	append_key(out, members[index].name, prefix_length);
	strbuf_append(out, "{", 1);
	bool ok = true;
	const char *first = members[index].name;
	for (size_t i = index; ok && i < count; i++) {
		const struct row_json_member *member = &members[i];
		if (member->kind == ROW_JSON_HIDDEN ||
		    strncmp(member->name, first, prefix_length + 1) != 0)
			continue;
		if (i != index)
			strbuf_append(out, ",", 1);
		const char *key = member->name + prefix_length + 1;
		append_key(out, key, strlen(key));
		ok = write_value(out, member, res, row, real_precision);
	}
	strbuf_append(out, "}", 1);
	return ok;
}

bool row_json_write(const struct row_json_member *members, size_t count, const PGresult *res,
		    int row, unsigned real_precision, struct strbuf *out)
{
	strbuf_append(out, "{", 1);
	bool ok = true, first = true;
	for (size_t i = 0; ok && i < count; i++) {
		const struct row_json_member *member = &members[i];
		if (member->kind == ROW_JSON_HIDDEN)
			continue;
		const char *dot = strchr(member->name, '.');
		size_t prefix_length = dot ? (size_t)(dot - member->name) : 0;
		if (dot && nested_earlier(members, i, prefix_length))
			continue;
		if (!first)
			strbuf_append(out, ",", 1);
		first = false;
		if (dot) {
			ok = write_nested(out, members, count, i, prefix_length, res, row,
					  real_precision);
		} else {
			append_key(out, member->name, strlen(member->name));
			ok = write_value(out, member, res, row, real_precision);
		}
	}
	strbuf_append(out, "}", 1);
	return ok && !out->failed;
}
