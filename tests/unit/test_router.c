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

/* What router_find says of method and path in ROUTES. */
struct lookup {
	enum route_lookup verdict;
	const struct route *found;
	struct route_params params;
	char allow[64];
};

static struct lookup look_up(const char *method, const char *path)
{
	struct lookup lookup = {0};
	lookup.verdict = router_find(ROUTES, COUNT, method, path, &lookup.found, &lookup.params,
				     lookup.allow, sizeof lookup.allow);
	return lookup;
}

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
	struct lookup patch = look_up("PATCH", "/v1/organizations/7");
	cr_assert_eq(patch.verdict, ROUTE_FOUND);
	cr_assert_eq(patch.found, &ROUTES[4]);
	cr_assert_str_eq(patch.params.items[0].value, "7");
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
	struct lookup delete = look_up("DELETE", "/v1/organizations");
	cr_assert_eq(delete.verdict, ROUTE_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(delete.allow, "GET, HEAD, POST");
	cr_assert_null(delete.found);
}

Test(router, unknown_path)
{
	cr_assert_eq(look_up("GET", "/v2/organizations").verdict, ROUTE_NOT_FOUND);
}
