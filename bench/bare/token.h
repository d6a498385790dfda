/* The bearer token, verified on every request as peerd verifies one it has not seen. */
#pragma once

#include <stdbool.h>

#include "config.h"

/* Whether authorization (the header's value, or NULL) is "Bearer " and an HS256 JWT signed
 * with the secret, unexpired, for the configured organization and role. */
bool token_valid(const struct bare_config *config, const char *authorization);
