#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "referral_status.h"

struct move_case {
	char from[12], to[12];
	enum role role;
	bool reason;
	enum referral_move_result expected;
};

#define SUP ROLE_SUPERVISOR
#define ADM ROLE_ADMIN
#define PTN ROLE_PARTNER
#define SPC ROLE_SPECIALIST

ParameterizedTestParameters(referral_status, moves)
{
	static struct move_case cases[] = {
		/* Every edge of API.md's graph, by a role allowed to take it. */
		{"submitted", "accepted", SUP, false, MOVE_ALLOWED},
		{"submitted", "declined", SUP, true, MOVE_ALLOWED},
		{"engaged", "completed", SUP, false, MOVE_ALLOWED},
		{"submitted", "withdrawn", PTN, true, MOVE_ALLOWED},
		{"accepted", "withdrawn", PTN, true, MOVE_ALLOWED},
		{"assigned", "withdrawn", PTN, true, MOVE_ALLOWED},
		{"engaged", "withdrawn", PTN, true, MOVE_ALLOWED},
		{"engaged", "withdrawn", ADM, true, MOVE_ALLOWED},
		{"submitted", "closed", SUP, true, MOVE_ALLOWED},
		{"accepted", "closed", SUP, true, MOVE_ALLOWED},
		{"assigned", "closed", ADM, true, MOVE_ALLOWED},
		{"engaged", "closed", SUP, true, MOVE_ALLOWED},
		{"declined", "accepted", SUP, true, MOVE_ALLOWED},
		{"closed", "accepted", ADM, true, MOVE_ALLOWED},
		/* Made elsewhere. */
		{"accepted", "assigned", SUP, false, MOVE_BY_ASSIGNMENT},
		{"assigned", "engaged", SUP, false, MOVE_AUTOMATIC},
		/* Reasons. */
		{"submitted", "declined", SUP, false, MOVE_NEEDS_REASON},
		{"submitted", "withdrawn", PTN, false, MOVE_NEEDS_REASON},
		{"assigned", "closed", SUP, false, MOVE_NEEDS_REASON},
		{"closed", "accepted", SUP, false, MOVE_NEEDS_REASON},
		/* Roles: a partner only withdraws; a supervisor closes rather than withdraws. */
		{"submitted", "accepted", PTN, false, MOVE_ROLE_REFUSED},
		{"submitted", "declined", PTN, true, MOVE_ROLE_REFUSED},
		{"engaged", "completed", PTN, false, MOVE_ROLE_REFUSED},
		{"submitted", "withdrawn", SUP, true, MOVE_ROLE_REFUSED},
		{"submitted", "accepted", SPC, false, MOVE_ROLE_REFUSED},
		/* No such edge. */
		{"submitted", "completed", SUP, false, MOVE_NOT_IN_GRAPH},
		{"accepted", "completed", SUP, false, MOVE_NOT_IN_GRAPH},
		{"submitted", "submitted", SUP, false, MOVE_NOT_IN_GRAPH},
		{"completed", "accepted", SUP, true, MOVE_NOT_IN_GRAPH},
		{"withdrawn", "accepted", SUP, true, MOVE_NOT_IN_GRAPH},
		{"withdrawn", "closed", SUP, true, MOVE_NOT_IN_GRAPH},
		{"completed", "withdrawn", PTN, true, MOVE_NOT_IN_GRAPH},
		{"declined", "closed", SUP, true, MOVE_NOT_IN_GRAPH},
		{"closed", "withdrawn", PTN, true, MOVE_NOT_IN_GRAPH},
		{"assigned", "submitted", SUP, false, MOVE_NOT_IN_GRAPH},
		{"submitted", "lost", SUP, false, MOVE_UNKNOWN_STATUS},
	};
	return cr_make_param_array(struct move_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct move_case *c, referral_status, moves)
{
	enum referral_move_result result = referral_move_check(c->from, c->to, c->role, c->reason);
	cr_assert_eq(result, c->expected, "%s -> %s by %s%s: %d (%s)", c->from, c->to,
		     role_name(c->role), c->reason ? " with a reason" : "", result,
		     referral_move_explain(result));
}

Test(referral_status, statuses_with_a_specialist)
{
	cr_assert(referral_status_has_specialist("assigned"));
	cr_assert(referral_status_has_specialist("engaged"));
	cr_assert_not(referral_status_has_specialist("accepted"));
}

Test(referral_status, the_referrers_moves)
{
	cr_assert(referral_move_is_referrers("submitted"));
	cr_assert(referral_move_is_referrers("withdrawn"));
	const char *const providers[] = {"accepted", "declined",  "assigned",
					 "engaged",  "completed", "closed"};
	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
		cr_assert_not(referral_move_is_referrers(providers[i]), "%s", providers[i]);
}
