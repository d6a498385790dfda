#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rate_limit.h"

#define HARBOR	  "11111111-1111-4111-8111-111111111111"
#define RIVERSIDE "22222222-2222-4222-8222-222222222222"

/* A caller of organization (NULL: an admin without one) and subject. */
static struct principal caller(const char *organization, const char *subject)
{
	struct principal who = {.role = organization ? ROLE_SUPERVISOR : ROLE_ADMIN,
				.has_organization = organization != NULL};
	snprintf(who.subject, sizeof who.subject, "%s", subject);
	if (organization)
		snprintf(who.organization_id, sizeof who.organization_id, "%s", organization);
	return who;
}

static bool admit(struct rate_limiter *limiter, const char *organization, const char *subject,
		  double now)
{
	struct principal who = caller(organization, subject);
	double retry = 0;
	return rate_limiter_admit(limiter, &who, now, &retry);
}

/* Every caller lands in one set with one hash: only the identity kept in a bucket tells
 * callers apart. */
static uint64_t same_hash(const unsigned char key[SIPHASH_KEY_BYTES], const void *data,
			  size_t length)
{
	(void)key;
	(void)data;
	(void)length;
	return 42;
}

Test(rate_limit, a_bucket_admits_its_burst_then_refills)
{
	struct token_bucket bucket = {0};
	double retry = 0;
	for (int i = 0; i < 3; i++)
		cr_assert(token_bucket_take(&bucket, 100.0, 1.0, 3.0, &retry), "request %d", i);
	cr_assert_not(token_bucket_take(&bucket, 100.0, 1.0, 3.0, &retry));
	cr_assert_float_eq(retry, 1.0, 1e-9);
	cr_assert_not(token_bucket_take(&bucket, 100.5, 1.0, 3.0, &retry));
	cr_assert_float_eq(retry, 0.5, 1e-9);
	cr_assert(token_bucket_take(&bucket, 101.0, 1.0, 3.0, &retry));
	/* A long pause refills to the burst, never past it. */
	for (int i = 0; i < 3; i++)
		cr_assert(token_bucket_take(&bucket, 1000.0, 1.0, 3.0, &retry));
	cr_assert_not(token_bucket_take(&bucket, 1000.0, 1.0, 3.0, &retry));
}

Test(rate_limit, no_limit_when_the_rate_is_zero)
{
	struct rate_limiter *limiter = rate_limiter_new(0, 1);
	for (int i = 0; i < 100; i++)
		cr_assert(admit(limiter, HARBOR, "someone", 1.0));
	rate_limiter_free(limiter);
}

Test(rate_limit, subjects_have_their_own_buckets)
{
	struct rate_limiter *limiter = rate_limiter_new(60, 1);
	cr_assert(admit(limiter, HARBOR, "maria", 5.0));
	struct principal maria = caller(HARBOR, "maria");
	double retry = 0;
	cr_assert_not(rate_limiter_admit(limiter, &maria, 5.0, &retry));
	cr_assert_float_eq(retry, 1.0, 1e-9);
	cr_assert(admit(limiter, HARBOR, "dana", 5.0));
	rate_limiter_free(limiter);
}

/* Two organizations' identity providers may hand out the same sub: the callers are two. */
Test(rate_limit, the_same_subject_in_two_organizations_is_two_callers)
{
	struct rate_limiter *limiter = rate_limiter_new(60, 1);
	cr_assert(admit(limiter, HARBOR, "auth0|42", 5.0));
	cr_assert_not(admit(limiter, HARBOR, "auth0|42", 5.0));
	cr_assert(admit(limiter, RIVERSIDE, "auth0|42", 5.0), "Riverside's caller is not Harbor's");
	cr_assert(admit(limiter, NULL, "auth0|42", 5.0), "nor is an admin without org");
	cr_assert_not(admit(limiter, RIVERSIDE, "auth0|42", 5.0));
	rate_limiter_free(limiter);
}

Test(rate_limit, callers_whose_hashes_collide_keep_their_own_buckets)
{
	struct rate_limiter *limiter = rate_limiter_new_with_hash(60, 2, same_hash);
	cr_assert(admit(limiter, HARBOR, "supervisor", 5.0));
	cr_assert(admit(limiter, HARBOR, "supervisor", 5.0));
	cr_assert_not(admit(limiter, HARBOR, "supervisor", 5.0), "past its burst");
	/* Same hash, same set: a reporter of another organization is not refused for it. */
	cr_assert(admit(limiter, RIVERSIDE, "reporter", 5.0));
	cr_assert(admit(limiter, RIVERSIDE, "reporter", 5.0));
	cr_assert_not(admit(limiter, RIVERSIDE, "reporter", 5.0));
	cr_assert_not(admit(limiter, HARBOR, "supervisor", 5.0), "and the first is still limited");
	rate_limiter_free(limiter);
}

/* Callers minted by the thousand into one set each take a request; the caller who was
 * limited keeps its empty bucket, and none of them is refused for another's requests. */
Test(rate_limit, a_flood_of_new_callers_neither_frees_a_limited_one_nor_is_refused)
{
	struct rate_limiter *limiter = rate_limiter_new_with_hash(60, 3, same_hash);
	for (int i = 0; i < 3; i++)
		cr_assert(admit(limiter, HARBOR, "abuser", 10.0));
	cr_assert_not(admit(limiter, HARBOR, "abuser", 10.0));
	for (int i = 0; i < 10000; i++) {
		char subject[32];
		snprintf(subject, sizeof subject, "minted-%d", i);
		cr_assert(admit(limiter, HARBOR, subject, 10.0 + i * 1e-6), "%s", subject);
	}
	cr_assert_not(admit(limiter, HARBOR, "abuser", 10.02), "still limited");
	rate_limiter_free(limiter);
}

/* A set whose every bucket is below its burst: a newcomer is admitted, in the place of the
 * bucket nearest to full, whose caller gets a fresh burst; the others keep theirs. */
Test(rate_limit, a_newcomer_to_a_drained_set_replaces_the_bucket_nearest_to_full)
{
	/* One token a burst, refilled in 10 s. */
	struct rate_limiter *limiter = rate_limiter_new_with_hash(6, 1, same_hash);
	char subjects[RATE_LIMIT_WAYS][16];
	for (int i = 0; i < RATE_LIMIT_WAYS; i++) {
		snprintf(subjects[i], sizeof subjects[i], "caller-%d", i);
		cr_assert(admit(limiter, HARBOR, subjects[i], 100.0 + i));
	}
	/* At 108 s caller-0 has most of a token back, caller-7 a tenth of one. */
	cr_assert(admit(limiter, HARBOR, "newcomer", 108.0));
	cr_assert(admit(limiter, HARBOR, subjects[0], 108.0), "caller-0 starts over");
	for (int i = 2; i < RATE_LIMIT_WAYS; i++)
		cr_assert_not(admit(limiter, HARBOR, subjects[i], 108.0), "%s", subjects[i]);
	rate_limiter_free(limiter);
}
