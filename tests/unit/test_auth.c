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

Test(auth, who_sees_a_referral)
{
	struct referral_parties parties = {
		.provider_organization_id = ORG_A,
		.referring_organization_id = ORG_B,
		.assigned_subject = "maria",
		.assigned_organization_id = ORG_A,
	};
	struct principal admin = caller(ROLE_ADMIN, NULL, "root");
	struct principal provider_supervisor = caller(ROLE_SUPERVISOR, ORG_A, "sam");
	struct principal referrer_supervisor = caller(ROLE_SUPERVISOR, ORG_B, "sam");
	struct principal referrer = caller(ROLE_PARTNER, ORG_B, "intake");
	struct principal other_partner = caller(ROLE_PARTNER, ORG_A, "intake");
	struct principal assigned = caller(ROLE_SPECIALIST, ORG_A, "maria");
	struct principal colleague = caller(ROLE_SPECIALIST, ORG_A, "li");
	struct principal reporter = caller(ROLE_REPORTER, ORG_A, "counts");
	cr_assert(auth_may_access_referral(&admin, &parties));
	cr_assert(auth_may_access_referral(&provider_supervisor, &parties));
	cr_assert_not(auth_may_access_referral(&referrer_supervisor, &parties));
	cr_assert(auth_may_access_referral(&referrer, &parties));
	cr_assert_not(auth_may_access_referral(&other_partner, &parties));
	cr_assert(auth_may_access_referral(&assigned, &parties));
	cr_assert_not(auth_may_access_referral(&colleague, &parties));
	cr_assert_not(auth_may_access_referral(&reporter, &parties));
	struct referral_parties unassigned = {.provider_organization_id = ORG_A};
	cr_assert_not(auth_may_access_referral(&assigned, &unassigned));
	cr_assert_not(auth_may_access_referral(&referrer, &unassigned));
}
