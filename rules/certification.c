#include "certification.h"

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
