#include "auth.h"

#include <string.h>

static const struct {
	enum role role;
	const char *name;
} ROLE_NAMES[] = {
	{ROLE_ADMIN, "admin"},	   {ROLE_SUPERVISOR, "supervisor"}, {ROLE_SPECIALIST, "specialist"},
	{ROLE_PARTNER, "partner"}, {ROLE_REPORTER, "reporter"},
};

bool role_parse(const char *name, enum role *out)
{
	for (size_t i = 0; i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++) {
		if (strcmp(name, ROLE_NAMES[i].name) == 0) {
			*out = ROLE_NAMES[i].role;
			return true;
		}
	}
	return false;
}

const char *role_name(enum role role)
{
	for (size_t i = 0; i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++) {
		if (ROLE_NAMES[i].role == role)
			return ROLE_NAMES[i].name;
	}
	return "unknown";
}

bool role_in(enum role role, unsigned mask)
{
	return ((unsigned)role & mask) != 0;
}

bool auth_may_access_organization(const struct principal *caller, const char *organization_id)
{
	if (caller->role == ROLE_ADMIN)
		return true;
	return caller->has_organization && organization_id &&
	       strcmp(caller->organization_id, organization_id) == 0;
}

bool auth_may_access_specialist(const struct principal *caller, const char *organization_id,
				const char *subject)
{
	switch (caller->role) {
	case ROLE_ADMIN:
		return true;
	case ROLE_SUPERVISOR:
		return auth_may_access_organization(caller, organization_id);
	case ROLE_SPECIALIST:
		return auth_may_access_organization(caller, organization_id) && subject &&
		       strcmp(caller->subject, subject) == 0;
	case ROLE_PARTNER:
	case ROLE_REPORTER:
		break;
	}
	return false;
}
