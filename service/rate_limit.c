#include "rate_limit.h"

#include <stdlib.h>

bool token_bucket_take(struct token_bucket *bucket, double now, double per_second, double burst,
		       double *retry_after)
{
	if (!bucket->used) {
		bucket->used = true;
		bucket->tokens = burst;
		bucket->updated = now;
	}
	double elapsed = now > bucket->updated ? now - bucket->updated : 0;
	bucket->tokens += elapsed * per_second;
	if (bucket->tokens > burst)
		bucket->tokens = burst;
	bucket->updated = now;
	if (bucket->tokens >= 1.0) {
		bucket->tokens -= 1.0;
		return true;
	}
	*retry_after = (1.0 - bucket->tokens) / per_second;
	return false;
}

struct rate_limiter *rate_limiter_new(unsigned per_minute, unsigned burst)
{
	struct rate_limiter *limiter = calloc(1, sizeof *limiter);
	if (!limiter)
		return NULL;
	pthread_mutex_init(&limiter->lock, NULL);
	limiter->per_second = per_minute / 60.0;
	limiter->burst = burst;
	return limiter;
}

void rate_limiter_free(struct rate_limiter *limiter)
{
	if (!limiter)
		return;
	pthread_mutex_destroy(&limiter->lock);
	free(limiter);
}

/* FNV-1a: spreads subjects over the buckets. */
static uint64_t subject_hash(const char *subject)
{
	uint64_t hash = 14695981039346656037ULL;
	for (const unsigned char *c = (const unsigned char *)subject; *c; c++) {
		hash ^= *c;
		hash *= 1099511628211ULL;
	}
	return hash;
}

bool rate_limiter_admit(struct rate_limiter *limiter, const char *subject, double now,
			double *retry_after)
{
	if (!limiter || limiter->per_second <= 0)
		return true;
	struct token_bucket *bucket = &limiter->buckets[subject_hash(subject) % RATE_LIMIT_BUCKETS];
	pthread_mutex_lock(&limiter->lock);
	bool admitted =
		token_bucket_take(bucket, now, limiter->per_second, limiter->burst, retry_after);
	pthread_mutex_unlock(&limiter->lock);
	return admitted;
}
