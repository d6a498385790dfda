/* Route lookup (service/router.c) over the real table (api/routes.c): the input is a
 * method, a space and a path. The promises: a route found has the method asked (GET for
 * HEAD) and a path that matches, with a non-empty value for each {name} of at most
 * ROUTE_PARAM_VALUE_MAX bytes; a 405 names at least one method in Allow. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "routes.h"

static void check_found(const struct route *route, const char *method, const char *path,
			const struct route_params *params)
{
	const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;
	FUZZ_CHECK(strcmp(route->method, wanted) == 0);
	struct route_params again;
	FUZZ_CHECK(route_path_matches(route->path, path, &again));
	FUZZ_CHECK(again.count == params->count && params->count <= ROUTE_PARAMS_MAX);
	for (size_t i = 0; i < params->count; i++) {
		size_t length = strlen(params->items[i].value);
		FUZZ_CHECK(length > 0 && length <= ROUTE_PARAM_VALUE_MAX);
		FUZZ_CHECK(strstr(path, params->items[i].value));
		FUZZ_CHECK(strstr(route->path, params->items[i].name));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *method = fuzz_text(data, size);
	char *path = fuzz_split(method, ' ');
	if (path) {
		const struct route *route = NULL;
		struct route_params params;
		char allow[128];
		switch (router_find(api_routes, api_route_count, method, path, &route, &params,
				    allow, sizeof allow)) {
		case ROUTE_FOUND:
			FUZZ_CHECK(route);
			check_found(route, method, path, &params);
			break;
		case ROUTE_METHOD_NOT_ALLOWED:
			FUZZ_CHECK(!route && allow[0] && strlen(allow) < sizeof allow);
			break;
		case ROUTE_NOT_FOUND:
			FUZZ_CHECK(!route);
			break;
		}
	}
	free(method);
	return 0;
}
