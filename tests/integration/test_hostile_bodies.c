/* Hostile bodies (OWASP API3 mass assignment, API4, API8) for every route that takes one
 * (tests/integration/hostile_sweep.h). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_sweep.h"

/* Sends body (size bytes, 0 for strlen) as the route's media type. */
static void body_probe(struct sweep *sweep, const struct call *call, const char *variant,
		       const char *body, size_t size, long expect)
{
	struct raw raw = call_raw(call, NULL, true);
	raw.body = body;
	raw.body_size = size;
	probe(sweep, variant, &raw, expect);
}

/* Sends the valid body with member at path (a JSON pointer of object members) replaced
 * by value (stolen). */
static void member_probe(struct sweep *sweep, const struct call *call, const char *member,
			 const char *variant, json_t *value, long expect)
{
	json_t *body = json_deep_copy(call->body);
	json_t *parent = body;
	char path[128];
	snprintf(path, sizeof path, "%s", member);
	char *last = path;
	for (char *dot = strchr(path, '.'); dot; dot = strchr(last, '.')) {
		*dot = '\0';
		parent = json_object_get(parent, last);
		last = dot + 1;
	}
	json_object_set_new(parent, last, value);
	char *text = body_json_text(body);
	char name[160];
	snprintf(name, sizeof name, "%s: %s", member, variant);
	body_probe(sweep, call, name, text, 0, expect);
	free(text);
	json_decref(body);
}

/* Sends the valid body with raw JSON text standing for member's value (for what jansson
 * cannot build: numbers it refuses, escapes it refuses, duplicate keys). */
static void member_text_probe(struct sweep *sweep, const struct call *call, const char *member,
			      const char *variant, const char *value, long expect)
{
	json_t *body = json_deep_copy(call->body);
	json_object_set_new(body, member, json_string("@@HOSTILE@@"));
	char *text = body_json_text(body);
	char *mark = strstr(text, "\"@@HOSTILE@@\"");
	char *spliced = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&spliced, &size);
	fprintf(out, "%.*s%s%s", (int)(mark - text), text, value, mark + 13);
	fclose(out);
	char name[160];
	snprintf(name, sizeof name, "%s: %s", member, variant);
	body_probe(sweep, call, name, spliced, 0, expect);
	free(spliced);
	free(text);
	json_decref(body);
}

/* A value nested depth levels deep: [[[...]]]. The caller frees it. */
static char *nested(size_t depth)
{
	char *text = malloc(2 * depth + 1);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[2 * depth] = '\0';
	return text;
}

/* Values of the member's own kind at the edges of what it may hold, which the database
 * and the rules behind validation must take (or refuse with a 4xx) as well: the first
 * and last days PostgreSQL and C agree on, a day that is not in every year, a local time
 * a clock change skips, the smallest hours, a whole number past 32 bits, names of
 * four-byte characters. They may pass, so they are lenient. */
static void edge_values(struct sweep *sweep, const struct call *call, const char *member,
			const json_t *value)
{
	static const char *const DATES[] = {"0001-01-01", "9999-12-31", "1970-01-01", "2024-02-29",
					    NULL};
	static const char *const MOMENTS[] = {"0001-01-01T00:00:00Z",
					      "9999-12-31T23:59:59Z",
					      "9999-12-31T23:59:59-23:59",
					      "2026-03-08T02:30:00-08:00",
					      "1970-01-01T00:00:00.999999999+00:00",
					      NULL};
	const char *text = json_string_value(value);
	bool date = text && strlen(text) == 10 && text[4] == '-' && text[7] == '-';
	bool moment = text && strlen(text) >= 20 && text[10] == 'T';
	const char *const *values = date ? DATES : moment ? MOMENTS : NULL;
	for (size_t i = 0; values && values[i]; i++)
		member_probe(sweep, call, member, values[i], json_string(values[i]), EXPECT_ANSWER);
	if (text && !date && !moment) {
		char wide[401] = "";
		for (int i = 0; i < 100; i++)
			strcat(wide, "\xf0\x9f\x98\x80");
		member_probe(sweep, call, member, "100 four-byte characters", json_string(wide),
			     EXPECT_ANSWER);
		member_probe(sweep, call, member, "right-to-left override",
			     json_string("a\xe2\x80\xae"
					 "b"),
			     EXPECT_ANSWER);
	}
	if (json_is_real(value)) {
		member_probe(sweep, call, member, "0.01", json_real(0.01), EXPECT_ANSWER);
		member_probe(sweep, call, member, "1e-300", json_real(1e-300), EXPECT_ANSWER);
		member_probe(sweep, call, member, "0.005", json_real(0.005), EXPECT_ANSWER);
	}
	if (json_is_integer(value))
		member_probe(sweep, call, member, "2^31", json_integer(2147483648LL),
			     EXPECT_ANSWER);
}

/* Every member of the valid body, at any depth in objects, with values of the wrong type
 * and hostile values of its own type. */
static void members_sweep(struct sweep *sweep, const struct call *call, const json_t *object,
			  const char *prefix, bool strict)
{
	const char *key;
	const json_t *value;
	json_object_foreach ((json_t *)object, key, value) {
		char member[128], inner[160];
		snprintf(member, sizeof member, "%s%s", prefix, key);
		snprintf(inner, sizeof inner, "%s.", member);
		if (!strict) {
			/* null removes an optional member (a merge patch), or is refused. */
			member_probe(sweep, call, member, "null", json_null(), EXPECT_ANSWER);
			if (json_is_string(value)) {
				member_probe(sweep, call, member, "control characters",
					     json_string("a\x07\x1b[31mb"), EXPECT_ANSWER);
				/* Free text may be empty; a name may not. */
				member_probe(sweep, call, member, "empty", json_string(""),
					     EXPECT_ANSWER);
			}
			if (json_is_integer(value))
				member_probe(sweep, call, member, "-0", json_real(-0.0),
					     EXPECT_ANSWER);
			edge_values(sweep, call, member, value);
			if (json_is_object(value))
				members_sweep(sweep, call, value, inner, false);
			continue;
		}
		/* A member valid as null (a setting with no value) has no one right type to
		 * be wrong against. */
		if (json_is_null(value))
			continue;
		if (!json_is_string(value))
			member_probe(sweep, call, member, "a string", json_string("hostile"), 422);
		if (!json_is_number(value))
			member_probe(sweep, call, member, "a number", json_integer(7), 422);
		if (!json_is_boolean(value))
			member_probe(sweep, call, member, "a boolean", json_true(), 422);
		if (!json_is_array(value))
			member_probe(sweep, call, member, "an array",
				     json_pack("[s]", json_is_string(value)
							      ? json_string_value(value)
							      : "x"),
				     422);
		if (!json_is_object(value))
			member_probe(sweep, call, member, "an object",
				     json_pack("{s:O}", "value", value), 422);
		if (json_is_array(value)) {
			member_probe(sweep, call, member, "an array of numbers",
				     json_pack("[i]", 7), 422);
			json_t *many = json_array();
			for (int i = 0; i < 20000; i++)
				json_array_append_new(many, json_sprintf("item %d", i));
			member_probe(sweep, call, member, "20,000 items", many, 422);
		}
		if (json_is_string(value)) {
			char *big = repeated('x', 100 * 1024);
			member_probe(sweep, call, member, "100 KB", json_string(big), 422);
			free(big);
		}
		if (json_is_integer(value))
			member_probe(sweep, call, member, "1.5 where a whole number",
				     json_real(1.5), 422);
		if (json_is_number(value)) {
			member_probe(sweep, call, member, "-1", json_integer(-1), 422);
			member_probe(sweep, call, member, "2^63-1",
				     json_integer(9223372036854775807LL), 422);
			member_probe(sweep, call, member, "1e300", json_real(1e300), 422);
		}
		if (json_is_object(value))
			members_sweep(sweep, call, value, inner, true);
	}
}

/* What jansson refuses wherever it stands (400), and nesting, in the first member. */
static void parser_sweep(struct sweep *sweep, const struct call *call)
{
	const char *first = json_object_iter_key(json_object_iter(call->body));
	if (!first)
		return;
	char *deep = nested(100000), *shallow = nested(1000);
	const struct {
		const char *variant, *value;
		long expect;
	} VALUES[] = {
		{"\\u0000 in a string", "\"a\\u0000b\"", 400},
		{"lone surrogate \\ud800", "\"a\\ud800b\"", 400},
		{"lone surrogate \\udc00", "\"\\udc00\"", 400},
		{"invalid UTF-8 bytes", "\"a\xc3\x28\"", 400},
		{"overlong UTF-8", "\"\xc0\xaf\"", 400},
		{"a raw control character", "\"a\x01b\"", 400},
		{"1e309", "1e309", 400},
		{"-1e309", "-1e309", 400},
		{"2^63", "9223372036854775808", 400},
		{"-2^63-1", "-9223372036854775809", 400},
		{"a number of 5,000 digits", NULL, 400},
		{"nested 100,000 deep", deep, EXPECT_4XX},
		{"nested 1,000 deep", shallow, 422},
	};
	char *digits = repeated('9', 5000);
	for (size_t i = 0; i < sizeof VALUES / sizeof VALUES[0]; i++)
		member_text_probe(sweep, call, first, VALUES[i].variant,
				  VALUES[i].value ? VALUES[i].value : digits, VALUES[i].expect);
	free(digits);
	free(deep);
	free(shallow);
}

static void body_variants(struct sweep *sweep, const struct call *call, bool strict,
			  const struct world *world)
{
	(void)world;
	const struct route *route = call->route;
	if (!takes_body(route)) {
		if (!strict) {
			struct raw raw = call_raw(call, NULL, false);
			raw.body = "{\"hostile\":true}";
			raw.content_type = "application/json";
			probe(sweep, "a body where none is taken", &raw, EXPECT_ANSWER);
			raw.content_type = "text/plain";
			raw.body = "\x01\x02 binary \xff";
			probe(sweep, "a binary body where none is taken", &raw, EXPECT_ANSWER);
		}
		/* The limit is the dispatcher's, before the route's: a few routes show it. */
		if (strict &&
		    (strcmp(route->method, "POST") == 0 || strcmp(route->path, "/healthz") == 0)) {
			char *over = repeated(' ', 1024 * 1024 + 16);
			struct raw raw = call_raw(call, NULL, false);
			raw.body = over;
			raw.content_type = "application/json";
			probe(sweep, "a body over the limit where none is taken", &raw, 413);
			free(over);
		}
		return;
	}
	if (!strict) {
		members_sweep(sweep, call, call->body, "", false);
		body_probe(sweep, call, "{}", "{}", 0, is_patch(route) ? EXPECT_ANSWER : 422);
		struct raw raw = call_raw(call, NULL, true);
		raw.content_type = "APPLICATION/JSON";
		probe(sweep, "Content-Type in upper case", &raw, EXPECT_ANSWER);
		raw.content_type = "application/json; charset=UTF-8";
		probe(sweep, "Content-Type with charset=UTF-8", &raw, EXPECT_ANSWER);
		raw = call_raw(call, NULL, true);
		raw.content_length = "99999";
		raw.half_close = true;
		raw.patience_ms = 200;
		probe(sweep, "Content-Length longer than the body, then silence", &raw,
		      EXPECT_NO_CRASH);
		return;
	}
	long empty_object = is_patch(route) ? 0 : 422;
	const struct {
		const char *variant, *body;
		size_t size;
		long expect;
	} TOP[] = {
		{"not JSON", "{\"name\":", 0, 400},
		{"not JSON at all", "hostile", 0, 400},
		{"an array", "[]", 0, 400},
		{"an array of an object", "[{}]", 0, 400},
		{"a string", "\"hostile\"", 0, 400},
		{"a number", "42", 0, 400},
		{"null", "null", 0, 400},
		{"true", "true", 0, 400},
		{"empty", "", 0, 400},
		{"white space", " \r\n\t ", 0, 400},
		{"NUL bytes", "\0\0\0\0", 4, 400},
		{"an object, then NUL", "{}\0", 3, 400},
		{"two objects", "{}{}", 0, 400},
		{"an object, then junk", "{} hostile", 0, 400},
		{"a byte-order mark", "\xef\xbb\xbf{}", 0, 400},
		{"UTF-16", "{\0}\0", 4, 400},
		{"duplicate keys", "{\"a\":1,\"a\":2}", 0, 400},
		{"a key in invalid UTF-8", "{\"\xc3\x28\":1}", 0, 400},
		{"a key with \\u0000", "{\"a\\u0000\":1}", 0, 400},
		{"an empty key", "{\"\":1}", 0, 422},
		{"JavaScript comments", "{/* c */}", 0, 400},
		{"single quotes", "{'a':1}", 0, 400},
		{"a trailing comma", "{\"a\":1,}", 0, 400},
		{"NaN", "{\"a\":NaN}", 0, 400},
		{"Infinity", "{\"a\":Infinity}", 0, 400},
	};
	for (size_t i = 0; i < sizeof TOP / sizeof TOP[0]; i++)
		body_probe(sweep, call, TOP[i].variant, TOP[i].body, TOP[i].size, TOP[i].expect);
	if (!is_patch(route))
		body_probe(sweep, call, "{}", "{}", 0, empty_object);
	char *deep_object = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&deep_object, &size);
	for (int i = 0; i < 5000; i++)
		fputs("{\"a\":", out);
	fputs("1", out);
	for (int i = 0; i < 5000; i++)
		fputc('}', out);
	fclose(out);
	body_probe(sweep, call, "objects nested 5,000 deep", deep_object, 0, EXPECT_4XX);
	free(deep_object);

	/* The valid body, spoiled once. */
	const char *first = json_object_iter_key(json_object_iter(call->body));
	if (first) {
		char *valid = call->body_text;
		char duplicated[4096];
		snprintf(duplicated, sizeof duplicated, "{\"%s\":null,%s", first, valid + 1);
		body_probe(sweep, call, "the valid body with a duplicate key", duplicated, 0, 400);
		char truncated[4096];
		snprintf(truncated, sizeof truncated, "%.*s", (int)strlen(valid) - 1, valid);
		body_probe(sweep, call, "the valid body cut short", truncated, 0, 400);
	}
	const struct {
		const char *member, *value;
	} EXTRA[] = {
		{"hostile_unknown", "1"},
		{"id", "\"6f0e3c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5b\""},
		{"version", "99"},
		{"created_at", "\"2020-01-01T00:00:00Z\""},
		{"updated_at", "\"2020-01-01T00:00:00Z\""},
		{"__proto__", "{\"admin\":true}"},
		{"role", "\"admin\""},
	};
	for (size_t i = 0; i < sizeof EXTRA / sizeof EXTRA[0]; i++) {
		char variant[96];
		snprintf(variant, sizeof variant, "with %s", EXTRA[i].member);
		member_text_probe(sweep, call, EXTRA[i].member, variant, EXTRA[i].value, 422);
	}
	members_sweep(sweep, call, call->body, "", true);
	parser_sweep(sweep, call);

	/* Media types, and a Content-Length that lies. */
	static const char *const WRONG_TYPES[] = {
		"text/plain",
		"application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x",
		"application/json; charset=latin1",
		"application/json; charset=\"iso-8859-1\"",
		"application/json;charset=utf-16",
		"application/jsonx",
		"application/json-patch+json",
		"application/xml",
		"*/*",
		"",
	};
	for (size_t i = 0; i < sizeof WRONG_TYPES / sizeof WRONG_TYPES[0]; i++) {
		struct raw raw = call_raw(call, NULL, true);
		raw.content_type = WRONG_TYPES[i];
		char variant[96];
		snprintf(variant, sizeof variant, "Content-Type: %s", WRONG_TYPES[i]);
		probe(sweep, variant, &raw, 415);
	}
	if (!is_patch(route)) {
		struct raw raw = call_raw(call, NULL, true);
		raw.content_type = "application/merge-patch+json";
		probe(sweep, "Content-Type: application/merge-patch+json on a POST", &raw, 415);
	}
	struct raw raw = call_raw(call, NULL, true);
	raw.content_type = NULL;
	probe(sweep, "no Content-Type", &raw, 415);
	char shorter[32];
	snprintf(shorter, sizeof shorter, "%zu", strlen(call->body_text) - 2);
	raw = call_raw(call, NULL, true);
	raw.content_length = shorter;
	probe(sweep, "Content-Length shorter than the body", &raw, 400);
	raw.content_length = "0";
	probe(sweep, "Content-Length: 0 with a body", &raw, 400);
	raw.content_length = "-1";
	probe(sweep, "Content-Length: -1", &raw, EXPECT_PROTOCOL);
	raw.content_length = "abc";
	probe(sweep, "Content-Length: abc", &raw, EXPECT_PROTOCOL);
	char *over = repeated(' ', 1024 * 1024 + 16);
	over[0] = '{';
	over[1024 * 1024 + 15] = '}';
	body_probe(sweep, call, "a body over the limit", over, 0, 413);
	free(over);
}

/* In two halves, which run side by side. */
Test(hostile_requests, bodies_of_posts)
{
	sweep_in_new_world(body_variants, "bodies of POSTs", "POST", false);
}

Test(hostile_requests, bodies_of_other_methods)
{
	sweep_in_new_world(body_variants, "bodies of other methods", "!POST", false);
}

/* The routes whose handlers take another path for another role they admit: a
 * specialist writes as themselves, a partner refers to a provider. */
Test(hostile_requests, bodies_as_other_roles)
{
	static const struct {
		const char *method, *path;
		enum role role;
	} SECOND[] = {
		{"POST", "/v1/specialists/{id}/certifications", ROLE_SPECIALIST},
		{"PATCH", "/v1/certifications/{id}", ROLE_SPECIALIST},
		{"POST", "/v1/certifications/{id}/ceus", ROLE_SPECIALIST},
		{"POST", "/v1/referrals", ROLE_PARTNER},
		{"POST", "/v1/participants/{id}/goals", ROLE_SPECIALIST},
		{"PATCH", "/v1/goals/{id}", ROLE_SPECIALIST},
		{"POST", "/v1/goals/{id}/progress", ROLE_SPECIALIST},
		{"POST", "/v1/session-notes", ROLE_SPECIALIST},
		{"PATCH", "/v1/session-notes/{id}", ROLE_SPECIALIST},
		{"POST", "/v1/session-notes/{id}/addenda", ROLE_SPECIALIST},
	};
	struct world world;
	world_create(&world, false);
	struct sweep sweep = {0};
	for (size_t i = 0; i < sizeof SECOND / sizeof SECOND[0]; i++) {
		const struct route *route = route_named(SECOND[i].method, SECOND[i].path);
		cr_assert(route->roles & (unsigned)SECOND[i].role, "%s %s does not admit %s",
			  SECOND[i].method, SECOND[i].path, role_name(SECOND[i].role));
		sweep_route(&sweep, route, &world, body_variants, SECOND[i].role);
	}
	cr_log_info("hostile bodies as other roles: %zu requests over %zu routes", sweep.sent,
		    sizeof SECOND / sizeof SECOND[0]);
	world_free(&world, false);
}
