/* Per-subject rate limiting (OWASP API4): a token bucket for each token subject. A
 * bucket holds up to burst requests and refills at rate_per_minute; a request finding it
 * empty is answered 429 with Retry-After. Subjects share a fixed table of buckets by
 * hash, so memory stays bounded whatever the number of callers (two subjects that land
 * on one bucket share its allowance). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define RATE_LIMIT_BUCKETS 8192

struct token_bucket {
	double tokens;
	double updated; /* seconds, monotonic */
	bool used;
};

/* The bucket rule alone: takes one token at now if there is one. When there is none,
 * writes into retry_after the seconds until there will be and returns false. */
bool token_bucket_take(struct token_bucket *bucket, double now, double per_second, double burst,
		       double *retry_after);

struct rate_limiter {
	pthread_mutex_t lock;
	double per_second, burst; /* per_second 0: no limit */
	struct token_bucket buckets[RATE_LIMIT_BUCKETS];
};

/* Allocates a limiter (NULL when out of memory); free with rate_limiter_free. */
struct rate_limiter *rate_limiter_new(unsigned per_minute, unsigned burst);
void rate_limiter_free(struct rate_limiter *limiter);

/* One request by subject at now: true when admitted; else retry_after is set. */
bool rate_limiter_admit(struct rate_limiter *limiter, const char *subject, double now,
			double *retry_after);
