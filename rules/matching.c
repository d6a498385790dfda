#include "matching.h"

#include <string.h>
#include <strings.h>

#define POINTS_LANGUAGE		40
#define POINTS_COUNTY		25
#define POINTS_LIVED_EXPERIENCE 20
#define POINTS_CASELOAD_ROOM	15

bool match_same_language(const char *a, const char *b)
{
	size_t a_primary = strcspn(a, "-");
	size_t b_primary = strcspn(b, "-");
	return a_primary == b_primary && a_primary > 0 && strncasecmp(a, b, a_primary) == 0;
}

static bool speaks(const struct match_candidate *candidate, const char *language)
{
	for (size_t i = 0; language && i < candidate->language_count; i++) {
		if (match_same_language(candidate->languages[i], language))
			return true;
	}
	return false;
}

static bool works_in(const struct match_candidate *candidate, const char *county)
{
	for (size_t i = 0; county && i < candidate->county_count; i++) {
		if (strcasecmp(candidate->counties[i], county) == 0)
			return true;
	}
	return false;
}

static bool lived_experience_fits(const struct match_referral *referral,
				  const struct match_candidate *candidate)
{
	return (referral->substance_use && candidate->substance_use_experience) ||
	       (referral->family && candidate->caregiver_experience);
}

static void add(struct match_score *out, int points, const char *reason)
{
	out->score += points;
	if (out->reason_count < MATCH_REASONS_MAX)
		out->reasons[out->reason_count++] = reason;
}

void match_score(const struct match_referral *referral, const struct match_candidate *candidate,
		 struct match_score *out)
{
	memset(out, 0, sizeof *out);
	if (speaks(candidate, referral->preferred_language))
		add(out, POINTS_LANGUAGE, "language");
	if (works_in(candidate, referral->county))
		add(out, POINTS_COUNTY, "county");
	if (lived_experience_fits(referral, candidate))
		add(out, POINTS_LIVED_EXPERIENCE, "lived_experience");
	int open = candidate->max_caseload - candidate->caseload;
	if (open > 0 && candidate->max_caseload > 0)
		add(out, POINTS_CASELOAD_ROOM * open / candidate->max_caseload, "caseload_room");
}
