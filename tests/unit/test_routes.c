#include <criterion/criterion.h>
#include <string.h>

#include "auth.h"
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
