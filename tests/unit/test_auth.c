#include <criterion/criterion.h>
#include <stdio.h>

#include "auth.h"

#define ORG_A "11111111-1111-4111-8111-111111111111"
#define ORG_B "22222222-2222-4222-8222-222222222222"

static struct principal caller(enum role role, const char *organization_id, const char *subject)
{
	struct principal principal = {.role = role, .has_organization = organization_id != NULL};
	snprintf(principal.subject, sizeof principal.subject, "%s", subject);
	if (organization_id)
		snprintf(principal.organization_id, sizeof principal.organization_id, "%s",
			 organization_id);
	return principal;
}

Test(auth, admins_see_every_specialist)
{
	struct principal admin = caller(ROLE_ADMIN, NULL, "root");
	cr_assert(auth_may_access_specialist(&admin, ORG_A, "maria"));
	cr_assert(auth_may_access_specialist(&admin, ORG_B, "li"));
}

Test(auth, supervisors_see_their_organization_only)
{
	struct principal supervisor = caller(ROLE_SUPERVISOR, ORG_A, "sam");
	cr_assert(auth_may_access_specialist(&supervisor, ORG_A, "maria"));
	cr_assert_not(auth_may_access_specialist(&supervisor, ORG_B, "li"));
}

Test(auth, a_specialist_sees_only_themselves)
{
	struct principal maria = caller(ROLE_SPECIALIST, ORG_A, "maria");
	cr_assert(auth_may_access_specialist(&maria, ORG_A, "maria"));
	cr_assert_not(auth_may_access_specialist(&maria, ORG_A, "li"));
	/* The same subject in another organization is someone else's profile. */
	cr_assert_not(auth_may_access_specialist(&maria, ORG_B, "maria"));
}

Test(auth, partners_and_reporters_see_no_specialist)
{
	struct principal partner = caller(ROLE_PARTNER, ORG_A, "maria");
	struct principal reporter = caller(ROLE_REPORTER, ORG_A, "maria");
	cr_assert_not(auth_may_access_specialist(&partner, ORG_A, "maria"));
	cr_assert_not(auth_may_access_specialist(&reporter, ORG_A, "maria"));
}
