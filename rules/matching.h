/* Ranking the specialists who could take a referral (API.md: GET .../matches). Only
 * specialists who pass every assignment check are ranked; this says how well each fits.
 *
 * Points, 100 at most:
 *   language         40  speaks the participant's preferred language (same primary
 *                        language subtag: "es" fits "es-MX")
 *   county           25  works in the participant's county (case ignored)
 *   lived_experience 20  substance use (or co-occurring) experience for a referral with
 *                        substance_use; caregiver experience for family support
 *   caseload_room    15  scaled by the share of the caseload still open
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MATCH_REASONS_MAX 4

struct match_referral {
	const char *preferred_language; /* or NULL */
	const char *county;		/* or NULL */
	bool substance_use;
	bool family;
};

struct match_candidate {
	const char *const *languages; /* BCP 47 tags */
	size_t language_count;
	const char *const *counties;
	size_t county_count;
	bool substance_use_experience; /* lived_experience holds substance_use or co_occurring */
	bool caregiver_experience;
	int caseload, max_caseload;
};

struct match_score {
	int score;
	const char *reasons[MATCH_REASONS_MAX]; /* "language", "county", ... as above */
	size_t reason_count;
};

void match_score(const struct match_referral *referral, const struct match_candidate *candidate,
		 struct match_score *out);

/* True when two BCP 47 tags name the same language: equal primary subtags, case ignored. */
bool match_same_language(const char *a, const char *b);
