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

/* Whether components/parameters/component is a query parameter, and its name. */
static bool query_component(const char *yaml, const char *component, char *name, size_t size)
{
	char key[96];
	snprintf(key, sizeof key, "\n    %s:\n", component);
	const char *at = strstr(strstr(yaml, "\ncomponents:\n"), key);
	cr_assert(at, "openapi.yaml has no components/parameters/%s", component);
	bool query = false;
	name[0] = '\0';
	for (const char *line = at + strlen(key); strncmp(line, "      ", 6) == 0;) {
		size_t length = strcspn(line, "\n");
		line_value(line, length, "      name: ", name, size);
		query |= line_is(line, length, "      in: query");
		line += length + 1;
	}
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
		char component[64], name[64];
		if ((in_operation || path_level) &&
		    (line_value(line, length, "        - $ref: '#/components/parameters/",
				component, sizeof component) ||
		     line_value(line, length, "      - $ref: '#/components/parameters/", component,
				sizeof component)) &&
		    query_component(yaml, component, name, sizeof name)) {
			cr_assert(out->count < DOCUMENTED_MAX);
			snprintf(out->names[out->count++], sizeof out->names[0], "%s", name);
		}
		line += length + (line[length] != '\0');
	}
}

static size_t route_query_count(const struct route *route)
{
	size_t count = 0;
	for (const char *const *name = route->query; name && *name; name++)
		count++;
	return count;
}

/* The table, the contract and the handlers cannot drift apart: the dispatcher refuses any
 * query parameter a route does not declare, and each declared one is documented. */
Test(routes, query_parameters_are_the_documented_ones)
{
	const char *yaml = embedded_find(embedded_docs, "openapi.yaml")->data;
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		struct documented documented;
		documented_query(yaml, route->method, route->path, &documented);
		cr_expect_eq(route_query_count(route), documented.count,
			     "%s %s declares %zu query parameters, openapi.yaml %zu", route->method,
			     route->path, route_query_count(route), documented.count);
		for (size_t j = 0; j < documented.count; j++)
			cr_expect(route->query && route_takes_query(route, documented.names[j]),
				  "%s %s does not declare ?%s=", route->method, route->path,
				  documented.names[j]);
	}
}

Test(routes, every_list_declares_its_query)
{
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		bool list = route->query && route_takes_query(route, "cursor");
		cr_expect(!list || route_takes_query(route, "limit"), "%s %s", route->method,
			  route->path);
	}
}
