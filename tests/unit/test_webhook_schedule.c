#include <criterion/criterion.h>

#include "webhook_schedule.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)

static const struct {
	int attempt;
	long long nominal_ms;
} WAITS[] = {
	{1, 5 * SECOND}, {2, 5 * MINUTE}, {3, 30 * MINUTE}, {4, 2 * HOUR},
	{5, 5 * HOUR},	 {6, 10 * HOUR},  {7, 10 * HOUR},
};

Test(webhook_schedule, waits_as_the_contract_says_after_each_attempt)
{
	for (size_t i = 0; i < sizeof WAITS / sizeof WAITS[0]; i++) {
		long long delay = -1;
		cr_assert(webhook_retry_delay_ms(WAITS[i].attempt, 0.0, &delay));
		cr_assert_eq(delay, WAITS[i].nominal_ms, "attempt %d", WAITS[i].attempt);
		cr_assert(webhook_retry_delay_ms(WAITS[i].attempt, -1.0, &delay));
		cr_assert_eq(delay, WAITS[i].nominal_ms * 8 / 10, "attempt %d early",
			     WAITS[i].attempt);
		cr_assert(webhook_retry_delay_ms(WAITS[i].attempt, 1.0, &delay));
		cr_assert_eq(delay, WAITS[i].nominal_ms * 12 / 10, "attempt %d late",
			     WAITS[i].attempt);
	}
}

Test(webhook_schedule, clamps_jitter_to_twenty_percent)
{
	long long delay = -1;
	cr_assert(webhook_retry_delay_ms(1, 7.0, &delay));
	cr_assert_eq(delay, 6 * SECOND);
	cr_assert(webhook_retry_delay_ms(1, -7.0, &delay));
	cr_assert_eq(delay, 4 * SECOND);
}

Test(webhook_schedule, gives_up_after_the_eighth_attempt)
{
	long long delay = -1;
	cr_assert_eq(WEBHOOK_MAX_ATTEMPTS, 8);
	cr_assert_not(webhook_retry_delay_ms(8, 0.0, &delay));
	cr_assert_not(webhook_retry_delay_ms(9, 0.0, &delay));
	cr_assert_not(webhook_retry_delay_ms(0, 0.0, &delay));
	cr_assert_eq(delay, -1);
}
