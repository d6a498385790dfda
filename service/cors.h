/* Cross-origin requests from the web front end (PEERD_CORS_ORIGINS). */
#pragma once

#include <stdbool.h>

struct request;

/* Adds CORS headers when the request's Origin is allowed. Returns true when the request
 * was a preflight and has been answered (204). */
bool cors_handle(struct request *request);
