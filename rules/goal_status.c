#include "goal_status.h"

#include <stdio.h>
#include <string.h>

const char *const GOAL_STATUSES[] = {"active", "achieved", "paused", "discontinued", NULL};

static const struct {
	const char *from, *to;
} GOAL_MOVES[] = {
	{"active", "achieved"}, {"active", "paused"},	    {"active", "discontinued"},
	{"paused", "active"},	{"paused", "achieved"},	    {"paused", "discontinued"},
	{"achieved", "active"}, {"discontinued", "active"},
};

bool goal_move_allowed(const char *from, const char *to, char *why, size_t why_size)
{
	if (strcmp(from, to) == 0)
		return true;
	for (size_t i = 0; i < sizeof GOAL_MOVES / sizeof GOAL_MOVES[0]; i++) {
		if (strcmp(GOAL_MOVES[i].from, from) == 0 && strcmp(GOAL_MOVES[i].to, to) == 0)
			return true;
	}
	snprintf(why, why_size, "a goal cannot go from %s to %s", from, to);
	return false;
}
