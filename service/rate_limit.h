/* Per-caller rate limiting (OWASP API4): a token bucket for each caller, who is one
 * (organization, token subject): two organizations' identity providers may well hand out
 * the same `sub`, and one caller's 429s must never land on another. A bucket holds up to
 * burst requests and refills at rate_per_minute; a request finding it empty is answered
 * 429 with Retry-After.
 *
 * The buckets are a fixed table made at start, so memory stays bounded whatever the number
 * of callers: RATE_LIMIT_SETS sets of RATE_LIMIT_WAYS buckets, a caller's set chosen by a
 * keyed hash (SipHash, with a key drawn at start) so that no one can pick subjects that
 * crowd one set. Each bucket keeps its caller's identity and is used by that caller only.
 * A newcomer to a set whose buckets are all taken takes the place of the bucket holding
 * the most tokens: a full bucket is one that has been idle long enough to refill, and
 * holds nothing a fresh one would not, so replacing it costs nothing. Only when every
 * bucket of the set is below its burst does a newcomer give one caller its tokens back
 * early, and then the one nearest to full. A caller who was just limited (an empty
 * bucket) therefore keeps its bucket until the rest of its set is as drained: callers
 * minted by the thousand each take one request and leave full-enough buckets that replace
 * each other. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "siphash.h"

#define RATE_LIMIT_WAYS 8
#define RATE_LIMIT_SETS 512 /* a power of two: 4,096 callers at once */

struct token_bucket {
	double tokens;
	double updated; /* seconds, monotonic */
	bool used;
};

/* The bucket rule alone: takes one token at now if there is one. When there is none,
 * writes into retry_after the seconds until there will be and returns false. */
bool token_bucket_take(struct token_bucket *bucket, double now, double per_second, double burst,
		       double *retry_after);

/* What chooses a caller's set from the bytes naming them (siphash24 in service). */
typedef uint64_t rate_limit_hash(const unsigned char key[SIPHASH_KEY_BYTES], const void *data,
				 size_t length);

struct rate_limiter;

/* Allocates a limiter (NULL when out of memory or when the kernel gives no random key);
 * free with rate_limiter_free. per_minute 0: no limit. */
struct rate_limiter *rate_limiter_new(unsigned per_minute, unsigned burst);

/* The same with another hash, such as one under which every caller collides (tests). */
struct rate_limiter *rate_limiter_new_with_hash(unsigned per_minute, unsigned burst,
						rate_limit_hash *hash);

void rate_limiter_free(struct rate_limiter *limiter);

/* One request by caller at now (seconds, monotonic): true when admitted; else
 * retry_after is set. */
bool rate_limiter_admit(struct rate_limiter *limiter, const struct principal *caller, double now,
			double *retry_after);
