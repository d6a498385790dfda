#include "rate_limit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* The bytes that name a caller: the organization, a NUL, the subject. Neither holds a NUL,
 * so no two callers share them. */
#define IDENTITY_MAX (UUID_TEXT_SIZE + PRINCIPAL_SUBJECT_MAX + 1)

struct rate_entry {
	struct token_bucket bucket;	      /* bucket.used false: the place is free */
	uint64_t hash;			      /* of the identity, to skip most comparisons */
	char organization_id[UUID_TEXT_SIZE]; /* "" for an admin without one */
	char subject[PRINCIPAL_SUBJECT_MAX + 1];
};

struct rate_limiter {
	pthread_mutex_t lock;
	double per_second, burst; /* per_second 0: no limit */
	rate_limit_hash *hash;
	unsigned char key[SIPHASH_KEY_BYTES];
	struct rate_entry *entries; /* RATE_LIMIT_SETS × RATE_LIMIT_WAYS; NULL without a limit */
};

/* The tokens bucket holds at now, refilled since it was last used. */
static double token_bucket_level(const struct token_bucket *bucket, double now, double per_second,
				 double burst)
{
	double elapsed = now > bucket->updated ? now - bucket->updated : 0;
	double level = bucket->tokens + elapsed * per_second;
	return level > burst ? burst : level;
}

bool token_bucket_take(struct token_bucket *bucket, double now, double per_second, double burst,
		       double *retry_after)
{
	if (!bucket->used) {
		bucket->used = true;
		bucket->tokens = burst;
		bucket->updated = now;
	}
	bucket->tokens = token_bucket_level(bucket, now, per_second, burst);
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
	return rate_limiter_new_with_hash(per_minute, burst, siphash24);
}

struct rate_limiter *rate_limiter_new_with_hash(unsigned per_minute, unsigned burst,
						rate_limit_hash *hash)
{
	struct rate_limiter *limiter = calloc(1, sizeof *limiter);
	if (!limiter)
		return NULL;
	limiter->per_second = per_minute / 60.0;
	limiter->burst = burst;
	limiter->hash = hash;
	if (per_minute > 0) {
		/* Untouched pages of the table cost no memory until callers arrive. */
		limiter->entries =
			calloc((size_t)RATE_LIMIT_SETS * RATE_LIMIT_WAYS, sizeof *limiter->entries);
		if (!limiter->entries || getrandom(limiter->key, sizeof limiter->key, 0) !=
						 (ssize_t)sizeof limiter->key) {
			free(limiter->entries);
			free(limiter);
			return NULL;
		}
	}
	pthread_mutex_init(&limiter->lock, NULL);
	return limiter;
}

void rate_limiter_free(struct rate_limiter *limiter)
{
	if (!limiter)
		return;
	pthread_mutex_destroy(&limiter->lock);
	free(limiter->entries);
	free(limiter);
}

static bool entry_is(const struct rate_entry *entry, uint64_t hash, const char *organization_id,
		     const char *subject)
{
	return entry->bucket.used && entry->hash == hash &&
	       strcmp(entry->organization_id, organization_id) == 0 &&
	       strcmp(entry->subject, subject) == 0;
}

/* The place in set for a caller it does not hold: a free one, else the bucket with the
 * most tokens at now (the longest idle among equals), which loses the least. */
static struct rate_entry *entry_to_replace(const struct rate_limiter *limiter,
					   struct rate_entry *set, double now)
{
	struct rate_entry *chosen = NULL;
	double chosen_level = -1;
	for (struct rate_entry *entry = set; entry < set + RATE_LIMIT_WAYS; entry++) {
		if (!entry->bucket.used)
			return entry;
		double level = token_bucket_level(&entry->bucket, now, limiter->per_second,
						  limiter->burst);
		if (level > chosen_level ||
		    (level == chosen_level && entry->bucket.updated < chosen->bucket.updated)) {
			chosen = entry;
			chosen_level = level;
		}
	}
	return chosen;
}

/* The caller's bucket, made for them (full) when they hold none. Under the lock. */
static struct token_bucket *bucket_of(struct rate_limiter *limiter, uint64_t hash,
				      const char *organization_id, const char *subject, double now)
{
	struct rate_entry *set = &limiter->entries[(hash % RATE_LIMIT_SETS) * RATE_LIMIT_WAYS];
	for (struct rate_entry *entry = set; entry < set + RATE_LIMIT_WAYS; entry++) {
		if (entry_is(entry, hash, organization_id, subject))
			return &entry->bucket;
	}
	struct rate_entry *entry = entry_to_replace(limiter, set, now);
	*entry = (struct rate_entry){.hash = hash};
	memcpy(entry->organization_id, organization_id, strlen(organization_id) + 1);
	memcpy(entry->subject, subject, strlen(subject) + 1);
	return &entry->bucket;
}

bool rate_limiter_admit(struct rate_limiter *limiter, const struct principal *caller, double now,
			double *retry_after)
{
	if (!limiter || limiter->per_second <= 0)
		return true;
	const char *organization_id = caller->has_organization ? caller->organization_id : "";
	char identity[IDENTITY_MAX];
	size_t organization_length = strlen(organization_id);
	size_t subject_length = strlen(caller->subject);
	memcpy(identity, organization_id, organization_length + 1);
	memcpy(identity + organization_length + 1, caller->subject, subject_length);
	uint64_t hash =
		limiter->hash(limiter->key, identity, organization_length + 1 + subject_length);
	pthread_mutex_lock(&limiter->lock);
	struct token_bucket *bucket =
		bucket_of(limiter, hash, organization_id, caller->subject, now);
	bool admitted =
		token_bucket_take(bucket, now, limiter->per_second, limiter->burst, retry_after);
	pthread_mutex_unlock(&limiter->lock);
	return admitted;
}
