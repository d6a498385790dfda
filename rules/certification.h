/* The rules of a certification that do not need the database: its effective status on a
 * day, and whether the continuing education done in the current cycle meets the state's
 * renewal requirement (API.md "Certifications"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "civil_date.h"

/* Hours are counted in hundredths, so that sums and comparisons are exact: 1.25 h is 125. */
enum ceu_category {
	CEU_PEER_SPECIFIC,
	CEU_ETHICS,
	CEU_SUICIDE_PREVENTION,
	CEU_OTHER,
	CEU_CATEGORY_COUNT,
};

/* The API's names of the categories, in enum order, NULL-terminated. */
extern const char *const CEU_CATEGORY_NAMES[];

/* Returns false for a name that is not a category. */
bool ceu_category_parse(const char *name, enum ceu_category *out);

/* status ("pending", "active", "suspended" or "revoked") as the API shows it on today:
 * "expired" when an active certification's expires_on is before today, else status.
 * A certification is still valid on its expiry day. */
const char *certification_effective_status(const char *status, struct civil_date expires_on,
					   struct civil_date today);

/* May a certification's status move from `from` to `to` (staying put always may)? The
 * moves: pending → active | revoked; active → suspended | revoked; suspended → active |
 * revoked; revoked is final. Moving to active also needs expires_on not before today.
 * When refused, writes why into why (for a 409's detail) and returns false. */
bool certification_move_allowed(const char *from, const char *to, struct civil_date expires_on,
				struct civil_date today, char *why, size_t why_size);

struct ceu_entry {
	struct civil_date completed_on;
	enum ceu_category category;
	long long hours; /* hundredths */
};

/* The state's renewal rule, in hundredths; present false when none is recorded. */
struct ceu_requirement {
	bool present;
	long long total, ethics, peer_specific;
};

struct renewal {
	struct civil_date cycle_start;
	long long hours_by_category[CEU_CATEGORY_COUNT];
	long long hours_total;
	long long missing_ethics, missing_peer_specific;
	/* The fewest further hours that would meet every part of the requirement: ethics and
	 * peer-specific hours also count toward the total. */
	long long hours_missing;
	bool ready; /* nothing missing; always true without a requirement */
};

/* The renewal cycle starts on the later of issued_on and two years before expires_on;
 * the entries completed on or after that day count. */
void renewal_compute(struct civil_date issued_on, struct civil_date expires_on,
		     const struct ceu_entry *entries, size_t count,
		     const struct ceu_requirement *requirement, struct renewal *out);

/* Reads a non-negative decimal such as "12", "1.5" or "0.25" (PostgreSQL's numeric text)
 * as hundredths. Returns false for anything else, or more than two decimals. */
bool hours_parse(const char *text, long long *out);
