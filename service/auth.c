#include "auth.h"

#include <string.h>

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
