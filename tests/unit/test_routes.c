#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "embedded.h"
#include "routes.h"

Test(routes, every_v1_route_needs_a_token)
{
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		bool api = strncmp(route->path, "/v1/", 4) == 0;
		cr_expect(!api || route->roles != 0, "%s %s admits anyone", route->method,
			  route->path);
		cr_expect(api || route->roles == 0, "%s %s is outside /v1 but needs a token",
			  route->method, route->path);
		cr_expect((route->roles & ~(unsigned)ROLES_ANY) == 0, "%s %s names an unknown role",
			  route->method, route->path);
	}
}

Test(routes, bodies_only_where_methods_carry_them)
{
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		bool reads = strcmp(route->method, "GET") == 0;
		cr_expect(!reads || route->body == ROUTE_BODY_NONE, "%s %s", route->method,
			  route->path);
		cr_expect(strcmp(route->method, "PATCH") != 0 ||
				  route->body == ROUTE_BODY_MERGE_PATCH,
			  "%s %s", route->method, route->path);
	}
}

Test(routes, no_two_routes_alike)
{
	for (size_t i = 0; i < api_route_count; i++) {
		for (size_t j = i + 1; j < api_route_count; j++)
			cr_expect(strcmp(api_routes[i].method, api_routes[j].method) != 0 ||
					  strcmp(api_routes[i].path, api_routes[j].path) != 0,
				  "%s %s twice", api_routes[i].method, api_routes[i].path);
	}
}

/* The query parameters openapi.yaml documents for one operation, read from the embedded
 * copy line by line: its paths and operations, and the components/parameters they refer
 * to. Every parameter in openapi.yaml is a $ref, so the names come from the components. */
#define DOCUMENTED_MAX 32

struct documented {
	size_t count;
	char names[DOCUMENTED_MAX][64];
	char kinds[DOCUMENTED_MAX][256]; /* what its schema allows, as kind_words says it */
};

static bool line_is(const char *line, size_t length, const char *text)
{
	return length == strlen(text) && memcmp(line, text, length) == 0;
}

/* The value after prefix on this line (up to its end, without a closing quote), or false. */
static bool line_value(const char *line, size_t length, const char *prefix, char *out, size_t size)
{
	size_t skip = strlen(prefix);
	if (length < skip || memcmp(line, prefix, skip) != 0)
		return false;
	size_t value = length - skip;
	if (value && line[length - 1] == '\'')
		value--;
	if (value >= size)
		return false;
	memcpy(out, line + skip, value);
	out[value] = '\0';
	return true;
}

/* components/schemas/schema's enum, "a, b" (a flow list, which may wrap), or "" when it
 * has none; its type, format and maxLength where it has them. */
static void schema_read(const char *yaml, const char *schema, char *choices, size_t size,
			char *type, char *format, char *max_length, size_t field_size)
{
	char key[96];
	snprintf(key, sizeof key, "\n    %s:\n", schema);
	const char *at = strstr(strstr(yaml, "\n  schemas:\n"), key);
	cr_assert(at, "openapi.yaml has no components/schemas/%s", schema);
	choices[0] = '\0';
	for (const char *line = at + strlen(key); strncmp(line, "      ", 6) == 0;) {
		size_t length = strcspn(line, "\n");
		line_value(line, length, "      type: ", type, field_size);
		line_value(line, length, "      format: ", format, field_size);
		line_value(line, length, "      maxLength: ", max_length, field_size);
		if (strncmp(line, "      enum: [", 13) == 0) {
			const char *end = strchr(line, ']');
			cr_assert(end);
			size_t used = 0;
			for (const char *c = line + 13; c < end && used + 1 < size; c++) {
				if (*c == '\n') /* a wrapped line: one space */
					c += strspn(c + 1, " ");
				choices[used++] = *c == '\n' ? ' ' : *c;
			}
			choices[used] = '\0';
		}
		line += length + 1;
	}
}

/* What a parameter's schema allows, in the words kind_words uses. */
static void schema_words(const char *yaml, char *type, char *format, const char *minimum,
			 const char *maximum, char *max_length, const char *schema, char *out,
			 size_t size)
{
	char choices[200] = "";
	if (schema[0])
		schema_read(yaml, schema, choices, sizeof choices, type, format, max_length, 32);
	if (choices[0])
		snprintf(out, size, "one of %s", choices);
	else if (format[0])
		snprintf(out, size, "%s", format);
	else if (strcmp(type, "integer") == 0)
		snprintf(out, size, "integer %s..%s", minimum, maximum);
	else if (strcmp(type, "string") == 0)
		snprintf(out, size, "text ..%s", max_length);
	else
		snprintf(out, size, "%s", type);
}

/* What the route table declares a parameter to be, in the same words. */
static void kind_words(const struct query_param *param, char *out, size_t size)
{
	switch (param->kind) {
	case QUERY_KIND_INTEGER:
		snprintf(out, size, "integer %ld..%ld", param->min, param->max);
		return;
	case QUERY_KIND_CURSOR:
		snprintf(out, size, "text ..120"); /* service/pagination.c cursor_decode */
		return;
	case QUERY_KIND_UUID:
		snprintf(out, size, "uuid");
		return;
	case QUERY_KIND_CHOICE:
		snprintf(out, size, "one of");
		for (const char *const *choice = param->choices; *choice; choice++) {
			size_t used = strlen(out);
			snprintf(out + used, size - used, "%s %s",
				 choice == param->choices ? "" : ",", *choice);
		}
		return;
	case QUERY_KIND_BOOLEAN:
		snprintf(out, size, "boolean");
		return;
	case QUERY_KIND_TEXT:
		snprintf(out, size, "text ..%ld", param->max);
		return;
	case QUERY_KIND_DATE:
		snprintf(out, size, "date");
		return;
	case QUERY_KIND_TIMESTAMP:
		snprintf(out, size, "date-time");
		return;
	}
}

/* Whether components/parameters/component is a query parameter; its name, and what its
 * schema allows. */
static bool query_component(const char *yaml, const char *component, char *name, size_t size,
			    char *kind, size_t kind_size)
{
	char key[96];
	snprintf(key, sizeof key, "\n    %s:\n", component);
	const char *at = strstr(strstr(yaml, "\ncomponents:\n"), key);
	cr_assert(at, "openapi.yaml has no components/parameters/%s", component);
	bool query = false;
	char type[32] = "", format[32] = "", minimum[32] = "", maximum[32] = "",
	     max_length[32] = "", schema[64] = "";
	name[0] = '\0';
	for (const char *line = at + strlen(key); strncmp(line, "      ", 6) == 0;) {
		size_t length = strcspn(line, "\n");
		line_value(line, length, "      name: ", name, size);
		query |= line_is(line, length, "      in: query");
		line_value(line, length, "        type: ", type, sizeof type);
		line_value(line, length, "        format: ", format, sizeof format);
		line_value(line, length, "        minimum: ", minimum, sizeof minimum);
		line_value(line, length, "        maximum: ", maximum, sizeof maximum);
		line_value(line, length, "        maxLength: ", max_length, sizeof max_length);
		line_value(line, length, "        $ref: '#/components/schemas/", schema,
			   sizeof schema);
		line += length + 1;
	}
	schema_words(yaml, type, format, minimum, maximum, max_length, schema, kind, kind_size);
	return query;
}

static void documented_query(const char *yaml, const char *method, const char *path,
			     struct documented *out)
{
	char path_key[160], method_key[16];
	snprintf(path_key, sizeof path_key, "  %s:", path);
	snprintf(method_key, sizeof method_key, "    %s:", method);
	for (char *c = method_key; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	out->count = 0;
	bool in_path = false, in_operation = false, path_level = false;
	for (const char *line = strstr(yaml, "\npaths:\n") + 1;
	     *line && strncmp(line, "components:", 11) != 0;) {
		size_t length = strcspn(line, "\n");
		bool path_line = length > 3 && line[0] == ' ' && line[2] == '/';
		bool operation_line = length > 4 && line[3] == ' ' && line[4] != ' ';
		if (path_line)
			in_path = line_is(line, length, path_key);
		if (path_line || operation_line) {
			path_level = in_path && line_is(line, length, "    parameters:");
			in_operation = in_path && line_is(line, length, method_key);
		}
		char component[64], name[64], kind[256];
		if ((in_operation || path_level) &&
		    (line_value(line, length, "        - $ref: '#/components/parameters/",
				component, sizeof component) ||
		     line_value(line, length, "      - $ref: '#/components/parameters/", component,
				sizeof component)) &&
		    query_component(yaml, component, name, sizeof name, kind, sizeof kind)) {
			cr_assert(out->count < DOCUMENTED_MAX);
			snprintf(out->names[out->count], sizeof out->names[0], "%s", name);
			snprintf(out->kinds[out->count++], sizeof out->kinds[0], "%s", kind);
		}
		line += length + (line[length] != '\0');
	}
}

static size_t route_query_count(const struct route *route)
{
	size_t count = 0;
	for (const struct query_param *param = route->query; param && param->name; param++)
		count++;
	return count;
}

/* The table, the contract and the handlers cannot drift apart: the dispatcher refuses any
 * query parameter a route does not declare, and each declared one is documented. */
Test(routes, query_parameters_are_the_documented_ones_of_the_same_kind)
{
	const char *yaml = embedded_find(embedded_docs, "openapi.yaml")->data;
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		struct documented documented;
		documented_query(yaml, route->method, route->path, &documented);
		cr_expect_eq(route_query_count(route), documented.count,
			     "%s %s declares %zu query parameters, openapi.yaml %zu", route->method,
			     route->path, route_query_count(route), documented.count);
		for (size_t j = 0; j < documented.count; j++) {
			const struct query_param *param =
				route_query_param(route, documented.names[j]);
			cr_expect(param, "%s %s does not declare ?%s=", route->method, route->path,
				  documented.names[j]);
			char declared[256] = "";
			if (param)
				kind_words(param, declared, sizeof declared);
			cr_expect(!param || strcmp(declared, documented.kinds[j]) == 0,
				  "%s %s ?%s= is %s in the route table, %s in openapi.yaml",
				  route->method, route->path, documented.names[j], declared,
				  documented.kinds[j]);
		}
	}
}
