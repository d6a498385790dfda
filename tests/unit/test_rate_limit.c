#include <criterion/criterion.h>

#include "rate_limit.h"

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
	double retry = 0;
	for (int i = 0; i < 100; i++)
		cr_assert(rate_limiter_admit(limiter, "someone", 1.0, &retry));
	rate_limiter_free(limiter);
}

Test(rate_limit, subjects_have_their_own_buckets)
{
	struct rate_limiter *limiter = rate_limiter_new(60, 1);
	double retry = 0;
	cr_assert(rate_limiter_admit(limiter, "maria", 5.0, &retry));
	cr_assert_not(rate_limiter_admit(limiter, "maria", 5.0, &retry));
	cr_assert(rate_limiter_admit(limiter, "dana", 5.0, &retry));
	rate_limiter_free(limiter);
}
