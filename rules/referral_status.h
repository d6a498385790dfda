/* The referral status graph of API.md, in one table: every move, who may make it, and
 * whether it needs a reason. */
#pragma once

#include <stdbool.h>

#include "roles.h"

enum referral_move_result {
	MOVE_ALLOWED,
	MOVE_UNKNOWN_STATUS, /* `to` is not a status */
	MOVE_NOT_IN_GRAPH,   /* no edge from `from` to `to` */
	MOVE_BY_ASSIGNMENT,  /* accepted → assigned happens through /assignment */
	MOVE_AUTOMATIC,	     /* assigned → engaged happens with the first session note */
	MOVE_ROLE_REFUSED,   /* the edge exists, but not for this role */
	MOVE_NEEDS_REASON,
};

/* May role move a referral from `from` to `to` through POST .../transitions, with or
 * without a reason? */
enum referral_move_result referral_move_check(const char *from, const char *to, enum role role,
					      bool has_reason);

/* A sentence for the 409 or 422 that answers a refused move. */
const char *referral_move_explain(enum referral_move_result result);

/* True when a move to `to` is the referring side's: the submission and a withdrawal. Every
 * other move is the provider's (an admin moving a referral acts for that side). */
bool referral_move_is_referrers(const char *to);

/* True for a status with a specialist on it: assigned, engaged. */
bool referral_status_has_specialist(const char *status);

/* The API's names of the statuses, NULL-terminated. */
extern const char *const REFERRAL_STATUSES[];
