#include "cors.h"

#include <string.h>

#include "app.h"
#include "request.h"
#include "respond.h"

static bool origin_allowed(const struct config *config, const char *origin)
{
	for (size_t i = 0; i < config->cors_origin_count; i++) {
		if (strcmp(config->cors_origins[i], "*") == 0 ||
		    strcmp(config->cors_origins[i], origin) == 0)
			return true;
	}
	return false;
}

bool cors_handle(struct request *request)
{
	const char *origin = request_header(request, "Origin");
	if (!origin || !origin_allowed(request->app->config, origin))
		return false;
	respond_header(request, "Access-Control-Allow-Origin", origin);
	respond_header(request, "Vary", "Origin");
	/* What a browser script may read: validators, where a record went, when to retry,
	 * whether an answer was replayed, why a token was refused. */
	respond_header(request, "Access-Control-Expose-Headers",
		       "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed, "
		       "WWW-Authenticate");
	bool preflight = strcmp(request->raw->http_verb, "OPTIONS") == 0 &&
			 request_header(request, "Access-Control-Request-Method");
	if (!preflight)
		return false;
	/* The methods the route table uses; nothing is ever deleted through the API. */
	respond_header(request, "Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH");
	respond_header(request, "Access-Control-Allow-Headers",
		       "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, "
		       "X-Request-Id");
	respond_header(request, "Access-Control-Max-Age", "600");
	respond_empty(request, 204);
	return true;
}
