#include "monotonic.h"

bool monotonic_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attributes;
	if (pthread_condattr_init(&attributes) != 0)
		return false;
	bool made = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0 &&
		    pthread_cond_init(cond, &attributes) == 0;
	pthread_condattr_destroy(&attributes);
	return made;
}

struct timespec monotonic_after_ms(unsigned ms)
{
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += ms / 1000;
	at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	return at;
}

long monotonic_ms_since(const struct timespec *then)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - then->tv_sec) * 1000 + (now.tv_nsec - then->tv_nsec) / 1000000;
}
