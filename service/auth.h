/* Who is calling, and what that caller may touch. Handlers receive a principal that the
 * dispatcher built from a verified token; they never read the token themselves. */
#pragma once

#include <stdbool.h>

#include "uuid.h"

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

#define PRINCIPAL_SUBJECT_MAX 255

struct principal {
	char subject[PRINCIPAL_SUBJECT_MAX + 1]; /* the token's `sub` */
	enum role role;
	bool has_organization;		      /* false only for an admin without `org` */
	char organization_id[UUID_TEXT_SIZE]; /* lower-case UUID when has_organization */
};

/* Parses a role name ("admin", "supervisor", ...). Returns false for anything else. */
bool role_parse(const char *name, enum role *out);

/* The name of a single role, e.g. "supervisor". */
const char *role_name(enum role role);

/* True when role is one of the roles in mask. */
bool role_in(enum role role, unsigned mask);

/* May this caller see or change data that belongs to organization_id? An admin may touch
 * every organization; everyone else only their own `org`. */
bool auth_may_access_organization(const struct principal *caller, const char *organization_id);

/* May this caller see the profile (and certifications) of the specialist who works for
 * organization_id and signs in as subject? Admins: everyone; supervisors: their
 * organization's staff; a specialist: only themselves; partners and reporters: no one. */
bool auth_may_access_specialist(const struct principal *caller, const char *organization_id,
				const char *subject);
