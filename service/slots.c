#include "slots.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slots {
	pthread_mutex_t lock;
	size_t total, per_key;
	size_t held;
	char (*keys)[SLOTS_KEY_SIZE]; /* the first held entries: one per slot held */
};

struct slots *slots_create(size_t total, size_t per_key)
{
	struct slots *slots = calloc(1, sizeof *slots);
	if (!slots)
		return NULL;
	slots->keys = calloc(total, sizeof *slots->keys);
	if (!slots->keys || pthread_mutex_init(&slots->lock, NULL) != 0) {
		free(slots->keys);
		free(slots);
		return NULL;
	}
	slots->total = total;
	slots->per_key = per_key;
	return slots;
}

void slots_destroy(struct slots *slots)
{
	if (!slots)
		return;
	pthread_mutex_destroy(&slots->lock);
	free(slots->keys);
	free(slots);
}

/* Called with the lock held. */
static size_t held_by(const struct slots *slots, const char *key)
{
	size_t count = 0;
	for (size_t i = 0; i < slots->held; i++)
		count += strncmp(slots->keys[i], key, SLOTS_KEY_SIZE - 1) == 0;
	return count;
}

enum slots_result slots_take(struct slots *slots, const char *key)
{
	enum slots_result result = SLOTS_TAKEN;
	pthread_mutex_lock(&slots->lock);
	if (held_by(slots, key) >= slots->per_key)
		result = SLOTS_KEY_FULL;
	else if (slots->held >= slots->total)
		result = SLOTS_FULL;
	else {
		snprintf(slots->keys[slots->held++], SLOTS_KEY_SIZE, "%s", key);
	}
	pthread_mutex_unlock(&slots->lock);
	return result;
}

void slots_give_back(struct slots *slots, const char *key)
{
	pthread_mutex_lock(&slots->lock);
	for (size_t i = 0; i < slots->held; i++) {
		if (strncmp(slots->keys[i], key, SLOTS_KEY_SIZE - 1) == 0) {
			/* The last entry takes this one's place: the order means nothing. */
			memcpy(slots->keys[i], slots->keys[--slots->held], SLOTS_KEY_SIZE);
			break;
		}
	}
	pthread_mutex_unlock(&slots->lock);
}
