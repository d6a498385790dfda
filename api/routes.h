/* The route table: every endpoint peerd answers. */
#pragma once

#include <stddef.h>

#include "router.h"

extern const struct route api_routes[];
extern const size_t api_route_count;
