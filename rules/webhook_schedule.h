/* When a webhook delivery that failed is tried again (API.md "Subscriptions"): about 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after attempts 1 to 7, each ±20% so that many
 * receivers that fail together are not retried together; after the eighth attempt (about
 * 28 hours after the first) the subscription is disabled. */
#pragma once

#include <stdbool.h>

/* The number of attempts after which a delivery is given up. */
#define WEBHOOK_MAX_ATTEMPTS 8

/* The wait, in milliseconds, before the attempt after attempt number attempt (1 is the
 * first), with jitter in [-1, 1] (uniform; 0 gives the nominal wait) scaling ±20%.
 * Returns false when no attempt follows attempt (it was the last, or attempt < 1). */
bool webhook_retry_delay_ms(int attempt, double jitter, long long *delay_ms);
