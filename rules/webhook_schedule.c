#include "webhook_schedule.h"

/* The nominal waits after attempts 1..7, in seconds. */
static const long long NOMINAL_SECONDS[WEBHOOK_MAX_ATTEMPTS - 1] = {
	5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600,
};

/* ±20% of the nominal wait at jitter ±1. */
#define JITTER_SPREAD 0.2

bool webhook_retry_delay_ms(int attempt, double jitter, long long *delay_ms)
{
	if (attempt < 1 || attempt >= WEBHOOK_MAX_ATTEMPTS)
		return false;
	if (!(jitter >= -1.0))
		jitter = -1.0; /* NaN too */
	if (jitter > 1.0)
		jitter = 1.0;
	double nominal_ms = (double)NOMINAL_SECONDS[attempt - 1] * 1000.0;
	*delay_ms = (long long)(nominal_ms * (1.0 + JITTER_SPREAD * jitter) + 0.5);
	return true;
}
