#include "router.h"

#include <string.h>

/* Copies the segment starting at *cursor into out (at most capacity - 1 bytes) and moves
 * *cursor past it. Returns the segment's length, which may exceed what was copied. */
static size_t next_segment(const char **cursor, char *out, size_t capacity)
{
	const char *start = *cursor;
	const char *end = strchr(start, '/');
	size_t length = end ? (size_t)(end - start) : strlen(start);
	if (out) {
		size_t copied = length < capacity ? length : capacity - 1;
		memcpy(out, start, copied);
		out[copied] = '\0';
	}
	*cursor = start + length;
	return length;
}

bool route_path_matches(const char *pattern, const char *path, struct route_params *params)
{
	params->count = 0;
	if (*pattern != '/' || *path != '/')
		return false;
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		const char *pattern_segment = pattern;
		size_t pattern_length = next_segment(&pattern, NULL, 0);
		bool is_param = pattern_length > 2 && pattern_segment[0] == '{' &&
				pattern_segment[pattern_length - 1] == '}';
		if (is_param) {
			if (params->count == ROUTE_PARAMS_MAX)
				return false;
			size_t name_length = pattern_length - 2;
			if (name_length > ROUTE_PARAM_NAME_MAX)
				return false;
			char *name = params->items[params->count].name;
			memcpy(name, pattern_segment + 1, name_length);
			name[name_length] = '\0';
			size_t value_length =
				next_segment(&path, params->items[params->count].value,
					     ROUTE_PARAM_VALUE_MAX + 1);
			if (value_length == 0 || value_length > ROUTE_PARAM_VALUE_MAX)
				return false;
			params->count++;
		} else {
			const char *path_segment = path;
			size_t path_length = next_segment(&path, NULL, 0);
			if (path_length != pattern_length ||
			    memcmp(path_segment, pattern_segment, path_length) != 0)
				return false;
		}
	}
	return *pattern == '\0' && *path == '\0';
}

static void append_method(char *allow, size_t allow_size, const char *method)
{
	if (!allow || allow_size == 0 || strstr(allow, method))
		return;
	size_t used = strlen(allow);
	size_t needed = (used ? 2 : 0) + strlen(method) + 1;
	if (used + needed > allow_size)
		return;
	if (used)
		strcat(allow, ", ");
	strcat(allow, method);
}

enum route_lookup router_find(const struct route *routes, size_t count, const char *method,
			      const char *path, const struct route **found,
			      struct route_params *params, char *allow, size_t allow_size)
{
	const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;
	bool path_exists = false;
	struct route_params scratch;
	if (allow && allow_size)
		allow[0] = '\0';
	*found = NULL;
	for (size_t i = 0; i < count; i++) {
		if (!route_path_matches(routes[i].path, path, &scratch))
			continue;
		if (strcmp(routes[i].method, wanted) == 0) {
			*found = &routes[i];
			*params = scratch;
			return ROUTE_FOUND;
		}
		path_exists = true;
		append_method(allow, allow_size, routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			append_method(allow, allow_size, "HEAD");
	}
	return path_exists ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

const struct query_param *route_query_param(const struct route *route, const char *name)
{
	for (const struct query_param *param = route->query; param && param->name; param++) {
		if (strcmp(param->name, name) == 0)
			return param;
	}
	return NULL;
}

bool route_takes_query(const struct route *route, const char *name)
{
	return !route->query || route_query_param(route, name);
}
