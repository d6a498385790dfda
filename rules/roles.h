/* The roles a caller's token may carry. Rules decide by role (rules/referral_status.c),
 * so the roles live here, below the service that reads them from tokens. */
#pragma once

#include <stdbool.h>

/* Bit flags, so a route can name the set of roles it admits. */
enum role {
	ROLE_ADMIN = 1 << 0,
	ROLE_SUPERVISOR = 1 << 1,
	ROLE_SPECIALIST = 1 << 2,
	ROLE_PARTNER = 1 << 3,
	ROLE_REPORTER = 1 << 4,
};

#define ROLES_ANY   (ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_SPECIALIST | ROLE_PARTNER | ROLE_REPORTER)
#define ROLES_STAFF (ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_SPECIALIST)

/* Parses a role name ("admin", "supervisor", ...). Returns false for anything else. */
bool role_parse(const char *name, enum role *out);

/* The name of a single role, e.g. "supervisor". */
const char *role_name(enum role role);

/* True when role is one of the roles in mask. */
bool role_in(enum role role, unsigned mask);
