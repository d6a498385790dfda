/* Every endpoint peerd answers, in one place: method, path, the roles admitted (0: no
 * token needed), what the body must be, and the handler. The dispatcher
 * (service/dispatch.c) checks the roles and the body before the handler runs; a handler
 * checks only what depends on the data (which organization, which state). */
#include "routes.h"

#include "auth.h"
#include "ops.h"
#include "organizations.h"

const struct route api_routes[] = {
	/* Operations: liveness, readiness, metrics, the API description. */
	{"GET", "/healthz", 0, ROUTE_BODY_NONE, ops_healthz},
	{"GET", "/readyz", 0, ROUTE_BODY_NONE, ops_readyz},
	{"GET", "/metrics", 0, ROUTE_BODY_NONE, ops_metrics},
	{"GET", "/openapi.yaml", 0, ROUTE_BODY_NONE, ops_openapi},
	{"GET", "/docs", 0, ROUTE_BODY_NONE, ops_docs},

	/* Organizations */
	{"GET", "/v1/organizations", ROLES_ANY, ROUTE_BODY_NONE, organizations_list},
	{"POST", "/v1/organizations", ROLE_ADMIN, ROUTE_BODY_JSON, organizations_create},
	{"GET", "/v1/organizations/{id}", ROLES_ANY, ROUTE_BODY_NONE, organizations_get},
	{"PATCH", "/v1/organizations/{id}", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_MERGE_PATCH,
	 organizations_patch},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
