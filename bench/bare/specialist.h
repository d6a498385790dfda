/* GET /v1/specialists/{id}: peerd's statement, on a connection of the calling thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum specialist_found { SPECIALIST_FOUND, SPECIALIST_MISSING, SPECIALIST_FAILED };

/* Makes the per-thread connections' key; false when it cannot. Once, before serving. */
bool specialist_init(void);

/* Reads the profile id; when found, *body is its JSON (the caller frees it) and *length its
 * size. SPECIALIST_FAILED when the database could not answer. */
enum specialist_found specialist_read(const struct bare_config *config, const char *id, char **body,
				      size_t *length);
