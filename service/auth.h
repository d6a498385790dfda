/* Who is calling, and what that caller may touch. Handlers receive a principal that the
 * dispatcher built from a verified token; they never read the token themselves. */
#pragma once

#include <stdbool.h>

#include "roles.h"
#include "uuid.h"

#define PRINCIPAL_SUBJECT_MAX 255

struct principal {
	char subject[PRINCIPAL_SUBJECT_MAX + 1]; /* the token's `sub` */
	enum role role;
	bool has_organization;		      /* false only for an admin without `org` */
	char organization_id[UUID_TEXT_SIZE]; /* lower-case UUID when has_organization */
};

/* May this caller see or change data that belongs to organization_id? An admin may touch
 * every organization; everyone else only their own `org`. */
bool auth_may_access_organization(const struct principal *caller, const char *organization_id);

/* May this caller see the profile (and certifications) of the specialist who works for
 * organization_id and signs in as subject? Admins: everyone; supervisors: their
 * organization's staff; a specialist: only themselves; partners and reporters: no one. */
bool auth_may_access_specialist(const struct principal *caller, const char *organization_id,
				const char *subject);
