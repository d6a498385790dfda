#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "goal_status.h"

struct goal_move {
	char from[14], to[14];
	bool allowed;
};

ParameterizedTestParameters(goal_status, moves)
{
	static struct goal_move cases[] = {
		{"active", "active", true},	     {"active", "achieved", true},
		{"active", "paused", true},	     {"active", "discontinued", true},
		{"paused", "active", true},	     {"paused", "achieved", true},
		{"paused", "discontinued", true},    {"achieved", "active", true},
		{"discontinued", "active", true},    {"achieved", "paused", false},
		{"achieved", "discontinued", false}, {"discontinued", "paused", false},
		{"discontinued", "achieved", false},
	};
	return cr_make_param_array(struct goal_move, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct goal_move *c, goal_status, moves)
{
	char why[128] = "";
	cr_assert_eq(goal_move_allowed(c->from, c->to, why, sizeof why), c->allowed, "%s -> %s",
		     c->from, c->to);
	cr_assert_eq(why[0] != '\0', !c->allowed);
}
