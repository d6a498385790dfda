#include "token_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *token; /* NULL: the slot is empty */
	struct principal caller;
	struct token_times times;
};

struct token_cache {
	pthread_mutex_t lock;
	size_t slots;
	struct entry entries[];
};

/* FNV-1a: spreads tokens over the slots. Collisions only cost a verification, because a
 * slot is trusted only after its whole token compares equal. */
static size_t slot_of(const struct token_cache *cache, const char *token)
{
	uint64_t hash = 0xcbf29ce484222325u;
	for (const unsigned char *c = (const unsigned char *)token; *c; c++)
		hash = (hash ^ *c) * 0x100000001b3u;
	return (size_t)(hash % cache->slots);
}

struct token_cache *token_cache_new(size_t slots)
{
	struct token_cache *cache = calloc(1, sizeof *cache + slots * sizeof cache->entries[0]);
	if (!cache)
		return NULL;
	if (pthread_mutex_init(&cache->lock, NULL) != 0) {
		free(cache);
		return NULL;
	}
	cache->slots = slots;
	return cache;
}

void token_cache_free(struct token_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->slots; i++)
		free(cache->entries[i].token);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

bool token_cache_find(struct token_cache *cache, const char *token, struct principal *caller,
		      struct token_times *times)
{
	if (!cache || strlen(token) > TOKEN_CACHE_MAX_TOKEN)
		return false;
	const struct entry *entry = &cache->entries[slot_of(cache, token)];
	pthread_mutex_lock(&cache->lock);
	bool found = entry->token && strcmp(entry->token, token) == 0;
	if (found) {
		*caller = entry->caller;
		*times = entry->times;
	}
	pthread_mutex_unlock(&cache->lock);
	return found;
}

void token_cache_keep(struct token_cache *cache, const char *token, const struct principal *caller,
		      const struct token_times *times)
{
	if (!cache || strlen(token) > TOKEN_CACHE_MAX_TOKEN)
		return;
	char *copy = strdup(token);
	if (!copy)
		return; /* out of memory: the token is verified again next time */
	struct entry *entry = &cache->entries[slot_of(cache, token)];
	pthread_mutex_lock(&cache->lock);
	char *replaced = entry->token;
	*entry = (struct entry){.token = copy, .caller = *caller, .times = *times};
	pthread_mutex_unlock(&cache->lock);
	free(replaced);
}
