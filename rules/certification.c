#include "certification.h"

#include <stdio.h>
#include <string.h>

/* The length of a renewal cycle: states renew peer certifications every two years. */
#define RENEWAL_CYCLE_YEARS 2

const char *const CEU_CATEGORY_NAMES[] = {"peer_specific", "ethics", "suicide_prevention", "other",
					  NULL};

bool ceu_category_parse(const char *name, enum ceu_category *out)
{
	for (int i = 0; i < CEU_CATEGORY_COUNT; i++) {
		if (strcmp(name, CEU_CATEGORY_NAMES[i]) == 0) {
			*out = (enum ceu_category)i;
			return true;
		}
	}
	return false;
}

const char *certification_effective_status(const char *status, struct civil_date expires_on,
					   struct civil_date today)
{
	if (strcmp(status, "active") == 0 && civil_date_compare(expires_on, today) < 0)
		return "expired";
	return status;
}

/* The status graph: every move a supervisor or admin may make. */
static const struct {
	const char *from, *to;
} STATUS_MOVES[] = {
	{"pending", "active"}, {"pending", "revoked"},	{"active", "suspended"},
	{"active", "revoked"}, {"suspended", "active"}, {"suspended", "revoked"},
};

bool certification_move_allowed(const char *from, const char *to, struct civil_date expires_on,
				struct civil_date today, char *why, size_t why_size)
{
	if (strcmp(from, to) == 0)
		return true;
	bool listed = false;
	for (size_t i = 0; i < sizeof STATUS_MOVES / sizeof STATUS_MOVES[0] && !listed; i++)
		listed = strcmp(STATUS_MOVES[i].from, from) == 0 &&
			 strcmp(STATUS_MOVES[i].to, to) == 0;
	if (!listed && strcmp(from, "revoked") == 0) {
		snprintf(why, why_size, "a revoked certification is final; record the new one");
		return false;
	}
	if (!listed) {
		snprintf(why, why_size, "a certification cannot go from %s to %s", from, to);
		return false;
	}
	if (strcmp(to, "active") == 0 && civil_date_compare(expires_on, today) < 0) {
		char day[16];
		civil_date_format(expires_on, day, sizeof day);
		snprintf(why, why_size, "the certification expired on %s; record the renewed one",
			 day);
		return false;
	}
	return true;
}

static long long shortfall(long long required, long long done)
{
	return required > done ? required - done : 0;
}

void renewal_compute(struct civil_date issued_on, struct civil_date expires_on,
		     const struct ceu_entry *entries, size_t count,
		     const struct ceu_requirement *requirement, struct renewal *out)
{
	memset(out, 0, sizeof *out);
	struct civil_date cycle_floor = civil_date_minus_years(expires_on, RENEWAL_CYCLE_YEARS);
	out->cycle_start = civil_date_compare(issued_on, cycle_floor) > 0 ? issued_on : cycle_floor;
	for (size_t i = 0; i < count; i++) {
		if (civil_date_compare(entries[i].completed_on, out->cycle_start) < 0)
			continue;
		out->hours_by_category[entries[i].category] += entries[i].hours;
		out->hours_total += entries[i].hours;
	}
	if (requirement && requirement->present) {
		out->missing_ethics =
			shortfall(requirement->ethics, out->hours_by_category[CEU_ETHICS]);
		out->missing_peer_specific = shortfall(requirement->peer_specific,
						       out->hours_by_category[CEU_PEER_SPECIFIC]);
		long long by_categories = out->missing_ethics + out->missing_peer_specific;
		long long by_total = shortfall(requirement->total, out->hours_total);
		out->hours_missing = by_total > by_categories ? by_total : by_categories;
	}
	out->ready = out->hours_missing == 0;
}

bool hours_parse(const char *text, long long *out)
{
	long long whole = 0;
	const char *p = text;
	if (!p || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > 100000000)
			return false;
		whole = whole * 10 + (*p - '0');
	}
	long long fraction = 0;
	int digits = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits >= 2) {
				if (*p != '0') /* numeric(7,2) writes trailing zeros only */
					return false;
				continue;
			}
			fraction = fraction * 10 + (*p - '0');
		}
		if (digits == 0)
			return false;
	}
	if (*p != '\0')
		return false;
	if (digits == 1)
		fraction *= 10;
	*out = whole * 100 + fraction;
	return true;
}
