#include <criterion/criterion.h>
#include <string.h>

#include "matching.h"

static const char *const SPANISH_BILINGUAL[] = {"en", "es-MX"};
static const char *const ENGLISH[] = {"en"};
static const char *const MULTNOMAH[] = {"Multnomah", "Washington"};

static bool has_reason(const struct match_score *score, const char *reason)
{
	for (size_t i = 0; i < score->reason_count; i++) {
		if (strcmp(score->reasons[i], reason) == 0)
			return true;
	}
	return false;
}

Test(matching, everything_fits_scores_100)
{
	struct match_referral referral = {"es", "multnomah", true, false};
	struct match_candidate candidate = {SPANISH_BILINGUAL, 2, MULTNOMAH, 2, true, false, 0, 15};
	struct match_score score;
	match_score(&referral, &candidate, &score);
	cr_assert_eq(score.score, 100);
	cr_assert_eq(score.reason_count, 4);
	cr_assert(has_reason(&score, "language"));
	cr_assert(has_reason(&score, "county"));
	cr_assert(has_reason(&score, "lived_experience"));
	cr_assert(has_reason(&score, "caseload_room"));
}

Test(matching, each_part_counts_alone)
{
	struct match_score score;
	struct match_candidate english_elsewhere = {ENGLISH, 1, NULL, 0, false, false, 10, 10};
	struct match_referral referral = {"es-MX", "Clackamas", false, false};
	match_score(&referral, &english_elsewhere, &score);
	cr_assert_eq(score.score, 0, "a full caseload leaves no room points");
	cr_assert_eq(score.reason_count, 0);

	struct match_candidate spanish = {SPANISH_BILINGUAL, 2, NULL, 0, false, false, 10, 10};
	match_score(&referral, &spanish, &score);
	cr_assert_eq(score.score, 40);
	cr_assert(has_reason(&score, "language"));

	struct match_referral in_washington = {NULL, "WASHINGTON", false, false};
	struct match_candidate local = {ENGLISH, 1, MULTNOMAH, 2, false, false, 10, 10};
	match_score(&in_washington, &local, &score);
	cr_assert_eq(score.score, 25);
	cr_assert(has_reason(&score, "county"));
}

Test(matching, lived_experience_fits_the_referral)
{
	struct match_score score;
	struct match_candidate caregiver = {ENGLISH, 1, NULL, 0, false, true, 5, 5};
	struct match_candidate recovery = {ENGLISH, 1, NULL, 0, true, false, 5, 5};
	struct match_referral family = {NULL, NULL, false, true};
	struct match_referral substance_use = {NULL, NULL, true, false};
	struct match_referral neither = {NULL, NULL, false, false};
	match_score(&family, &caregiver, &score);
	cr_assert_eq(score.score, 20);
	match_score(&family, &recovery, &score);
	cr_assert_eq(score.score, 0);
	match_score(&substance_use, &recovery, &score);
	cr_assert_eq(score.score, 20);
	match_score(&substance_use, &caregiver, &score);
	cr_assert_eq(score.score, 0);
	match_score(&neither, &recovery, &score);
	cr_assert_eq(score.score, 0);
}

Test(matching, room_scales_with_the_open_share)
{
	struct match_referral referral = {NULL, NULL, false, false};
	struct match_score score;
	int expected[][3] = {{0, 15, 15}, {5, 15, 10}, {14, 15, 1}, {0, 1, 15}, {1, 20, 14}};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		struct match_candidate candidate = {ENGLISH, 1,	    NULL,	    0,
						    false,   false, expected[i][0], expected[i][1]};
		match_score(&referral, &candidate, &score);
		cr_assert_eq(score.score, expected[i][2], "%d of %d", expected[i][0],
			     expected[i][1]);
	}
}

Test(matching, same_language_compares_primary_subtags)
{
	cr_assert(match_same_language("es", "es-MX"));
	cr_assert(match_same_language("ES-mx", "es"));
	cr_assert(match_same_language("zh-Hant", "zh-Hans"));
	cr_assert_not(match_same_language("es", "est"));
	cr_assert_not(match_same_language("en", "es"));
	cr_assert_not(match_same_language("", "es"));
}
