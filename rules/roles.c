#include "roles.h"

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
