/* Waiting by CLOCK_MONOTONIC, which a change of the wall clock does not move: the
 * deadline arithmetic and condition variables the pool, the audit chainer and the
 * request deadlines share. */
#pragma once

#include "attributes.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* Initialises cond so that pthread_cond_timedwait reads its deadline on CLOCK_MONOTONIC. */
MUST_CHECK bool monotonic_cond_init(pthread_cond_t *cond);

/* The CLOCK_MONOTONIC time ms milliseconds from now. */
struct timespec monotonic_after_ms(unsigned ms);

/* Whole milliseconds from then (CLOCK_MONOTONIC) to now. */
long monotonic_ms_since(const struct timespec *then);
