/* Who sees a referral: peerd_referral_visible (sql/schema.sql), the one rule the reads,
 * lists and locks of api/referrals.c ask, called here directly with each kind of caller. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

#define ORG_A "11111111-1111-4111-8111-111111111111"
#define ORG_B "22222222-2222-4222-8222-222222222222"

/* A referral provided by ORG_A, referred by referrer (NULL: none), with status, assigned
 * to assigned_subject of ORG_A (NULL: unassigned). */
struct referral {
	const char *referrer, *status, *assigned_subject;
};

static const struct referral ASSIGNED_TO_MARIA = {ORG_B, "assigned", "maria"};

/* Whether role of organization (NULL for none) signed in as subject sees referral; SQL
 * NULL counts as no, as it does in a WHERE. */
static bool sees(const struct referral *referral, const char *role, const char *organization,
		 const char *subject)
{
	const char *params[] = {
		ORG_A,
		referral->referrer,
		referral->status,
		referral->assigned_subject,
		referral->assigned_subject ? ORG_A : NULL,
		role,
		organization,
		subject,
	};
	char *answer =
		test_sql_text("SELECT coalesce(peerd_referral_visible($1::uuid, $2::uuid,"
			      " $3::referral_status, $4, $5::uuid, $6, $7::uuid, $8), false)",
			      8, params);
	cr_assert(answer);
	bool visible = strcmp(answer, "t") == 0;
	free(answer);
	return visible;
}

Test(referral_visibility, who_sees_a_referral)
{
	const struct referral *parties = &ASSIGNED_TO_MARIA;
	cr_assert(sees(parties, "admin", NULL, "root"));
	cr_assert(sees(parties, "supervisor", ORG_A, "sam"));
	cr_assert_not(sees(parties, "supervisor", ORG_B, "sam"));
	cr_assert(sees(parties, "partner", ORG_B, "intake"));
	cr_assert_not(sees(parties, "partner", ORG_A, "intake"));
	cr_assert(sees(parties, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(parties, "specialist", ORG_A, "li"));
	cr_assert_not(sees(parties, "reporter", ORG_A, "counts"));
	struct referral unassigned = {NULL, "accepted", NULL};
	cr_assert_not(sees(&unassigned, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(&unassigned, "partner", ORG_B, "intake"));
}

/* A specialist works on a referral while it is assigned to them and open. */
Test(referral_visibility, a_specialist_only_while_open)
{
	struct referral engaged = {ORG_B, "engaged", "maria"};
	struct referral closed = {ORG_B, "closed", "maria"};
	cr_assert(sees(&engaged, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(&closed, "specialist", ORG_A, "maria"));
	cr_assert(sees(&closed, "supervisor", ORG_A, "sam"));
}
