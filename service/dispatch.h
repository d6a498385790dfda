/* The single entry point ulfius calls for every request. It applies the HTTP conventions
 * of API.md once for all routes, in this order: request id and standard headers, CORS,
 * route lookup (404/405), body size (413), token (401), role (403), body media type and
 * JSON (415/400); then the route's handler; then the access log line and metrics. */
#pragma once

#include <ulfius.h>

/* ulfius callback; user_data is the struct app. Always answers; never returns
 * U_CALLBACK_ERROR, which ulfius would turn into a plain-text 500. */
int dispatch_request(const struct _u_request *raw, struct _u_response *response, void *user_data);
