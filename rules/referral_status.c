#include "referral_status.h"

#include <stddef.h>
#include <string.h>

#define STAFF (ROLE_ADMIN | ROLE_SUPERVISOR)

/* How a move is made: by anyone listed through /transitions, or only by another route. */
enum move_path {
	PATH_TRANSITION,
	PATH_ASSIGNMENT,
	PATH_FIRST_NOTE,
};

struct referral_move {
	const char *from, *to;
	unsigned roles; /* enum role flags that may make it through /transitions */
	bool needs_reason;
	enum move_path path;
};

const char *const REFERRAL_STATUSES[] = {"submitted", "accepted", "declined",
					 "assigned",  "engaged",  "completed",
					 "withdrawn", "closed",	  NULL};

/* API.md "Referrals / Status". Any state not final may be withdrawn by the partner that
 * referred it (or an admin) or closed by a supervisor; declined and closed reopen. */
static const struct referral_move MOVES[] = {
	{"submitted", "accepted", STAFF, false, PATH_TRANSITION},
	{"submitted", "declined", STAFF, true, PATH_TRANSITION},
	{"accepted", "assigned", STAFF, false, PATH_ASSIGNMENT},
	{"assigned", "engaged", STAFF, false, PATH_FIRST_NOTE},
	{"engaged", "completed", STAFF, false, PATH_TRANSITION},
	{"submitted", "withdrawn", ROLE_PARTNER | ROLE_ADMIN, true, PATH_TRANSITION},
	{"accepted", "withdrawn", ROLE_PARTNER | ROLE_ADMIN, true, PATH_TRANSITION},
	{"assigned", "withdrawn", ROLE_PARTNER | ROLE_ADMIN, true, PATH_TRANSITION},
	{"engaged", "withdrawn", ROLE_PARTNER | ROLE_ADMIN, true, PATH_TRANSITION},
	{"submitted", "closed", STAFF, true, PATH_TRANSITION},
	{"accepted", "closed", STAFF, true, PATH_TRANSITION},
	{"assigned", "closed", STAFF, true, PATH_TRANSITION},
	{"engaged", "closed", STAFF, true, PATH_TRANSITION},
	{"declined", "accepted", STAFF, true, PATH_TRANSITION},
	{"closed", "accepted", STAFF, true, PATH_TRANSITION},
};

static bool is_status(const char *name)
{
	for (const char *const *status = REFERRAL_STATUSES; *status; status++) {
		if (strcmp(*status, name) == 0)
			return true;
	}
	return false;
}

enum referral_move_result referral_move_check(const char *from, const char *to, enum role role,
					      bool has_reason)
{
	if (!is_status(to))
		return MOVE_UNKNOWN_STATUS;
	for (size_t i = 0; i < sizeof MOVES / sizeof MOVES[0]; i++) {
		const struct referral_move *move = &MOVES[i];
		if (strcmp(move->from, from) != 0 || strcmp(move->to, to) != 0)
			continue;
		if (move->path == PATH_ASSIGNMENT)
			return MOVE_BY_ASSIGNMENT;
		if (move->path == PATH_FIRST_NOTE)
			return MOVE_AUTOMATIC;
		if (!role_in(role, move->roles))
			return MOVE_ROLE_REFUSED;
		if (move->needs_reason && !has_reason)
			return MOVE_NEEDS_REASON;
		return MOVE_ALLOWED;
	}
	return MOVE_NOT_IN_GRAPH;
}

const char *referral_move_explain(enum referral_move_result result)
{
	switch (result) {
	case MOVE_ALLOWED:
		return "the move is allowed";
	case MOVE_UNKNOWN_STATUS:
		return "to must be one of: submitted, accepted, declined, assigned, engaged, "
		       "completed, withdrawn, closed";
	case MOVE_NOT_IN_GRAPH:
		return "a referral cannot move from its status to that one";
	case MOVE_BY_ASSIGNMENT:
		return "a referral becomes assigned through POST /v1/referrals/{id}/assignment";
	case MOVE_AUTOMATIC:
		return "a referral becomes engaged with its first session note";
	case MOVE_ROLE_REFUSED:
		return "your role may not make this move";
	case MOVE_NEEDS_REASON:
		return "this move needs a reason";
	}
	return "the move is not allowed";
}

bool referral_move_is_referrers(const char *to)
{
	return strcmp(to, "submitted") == 0 || strcmp(to, "withdrawn") == 0;
}

bool referral_status_has_specialist(const char *status)
{
	return strcmp(status, "assigned") == 0 || strcmp(status, "engaged") == 0;
}
