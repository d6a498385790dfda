#include <criterion/criterion.h>
#include <string.h>

#include "router.h"

static void handler(struct request *request)
{
	(void)request;
}

static const struct route ROUTES[] = {
	ROUTE("GET", "/healthz", 0, ROUTE_BODY_NONE, handler),
	ROUTE("GET", "/v1/organizations", 1, ROUTE_BODY_NONE, handler),
	ROUTE("POST", "/v1/organizations", 1, ROUTE_BODY_JSON, handler),
	ROUTE("GET", "/v1/organizations/{id}", 1, ROUTE_BODY_NONE, handler),
	ROUTE("PATCH", "/v1/organizations/{id}", 1, ROUTE_BODY_MERGE_PATCH, handler),
	ROUTE("POST", "/v1/referrals/{id}/transitions", 1, ROUTE_BODY_JSON, handler),
};
#define COUNT (sizeof ROUTES / sizeof ROUTES[0])

Test(router, segments_and_parameters)
{
	struct route_params params;
	cr_assert(route_path_matches("/v1/organizations/{id}", "/v1/organizations/abc", &params));
	cr_assert_eq(params.count, 1);
	cr_assert_str_eq(params.items[0].name, "id");
	cr_assert_str_eq(params.items[0].value, "abc");
	cr_assert(route_path_matches("/v1/referrals/{id}/transitions",
				     "/v1/referrals/x/transitions", &params));
	cr_assert_str_eq(params.items[0].value, "x");
}

Test(router, near_misses_do_not_match)
{
	struct route_params params;
	const char *paths[] = {"/v1/organizations/", "/v1/organizations//",
			       "/v1/organization",   "/v1/organizations/a/b",
			       "v1/organizations",   "/v1//organizations",
			       "/V1/organizations",  ""};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		cr_expect_not(route_path_matches("/v1/organizations", paths[i], &params), "%s",
			      paths[i]);
	cr_assert_not(route_path_matches("/v1/organizations/{id}", "/v1/organizations/", &params));
}

Test(router, overlong_segment_never_matches)
{
	char path[400] = "/v1/organizations/";
	memset(path + strlen(path), 'a', 300);
	struct route_params params;
	cr_assert_not(route_path_matches("/v1/organizations/{id}", path, &params));
}

Test(router, finds_by_method)
{
	const struct route *found = NULL;
	struct route_params params;
	char allow[64];
	cr_assert_eq(router_find(ROUTES, COUNT, "PATCH", "/v1/organizations/7", &found, &params,
				 allow, sizeof allow),
		     ROUTE_FOUND);
	cr_assert_eq(found, &ROUTES[4]);
	cr_assert_str_eq(params.items[0].value, "7");
}

Test(router, head_is_served_by_get)
{
	const struct route *found = NULL;
	struct route_params params;
	cr_assert_eq(router_find(ROUTES, COUNT, "HEAD", "/healthz", &found, &params, NULL, 0),
		     ROUTE_FOUND);
	cr_assert_eq(found, &ROUTES[0]);
}

Test(router, wrong_method_lists_the_allowed_ones)
{
	const struct route *found = NULL;
	struct route_params params;
	char allow[64];
	cr_assert_eq(router_find(ROUTES, COUNT, "DELETE", "/v1/organizations", &found, &params,
				 allow, sizeof allow),
		     ROUTE_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(allow, "GET, HEAD, POST");
	cr_assert_null(found);
}

Test(router, unknown_path)
{
	const struct route *found = NULL;
	struct route_params params;
	char allow[64];
	cr_assert_eq(router_find(ROUTES, COUNT, "GET", "/v2/organizations", &found, &params, allow,
				 sizeof allow),
		     ROUTE_NOT_FOUND);
}
