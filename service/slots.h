/* A few slots shared by every thread, each held for a while by one holder: at most total
 * held at once, and at most per_key by holders with the same key. Exports stream for as
 * long as their client reads, so they take a slot each (api/exports.c): one organization
 * cannot hold them all, nor all organizations together more than the server affords. */
#pragma once

#include "attributes.h"

#include <stddef.h>

struct slots;

enum slots_result {
	SLOTS_TAKEN,
	SLOTS_KEY_FULL, /* holders with this key hold per_key slots already */
	SLOTS_FULL,	/* all total slots are held */
};

/* Keys are compared up to this many bytes (a UUID's text and its NUL fit). */
#define SLOTS_KEY_SIZE 40

/* Slots for total holders at once, per_key of them with one key (both at least 1). Returns
 * NULL when out of memory. Free with slots_destroy once no slot is held. */
struct slots *slots_create(size_t total, size_t per_key);

void slots_destroy(struct slots *slots);

/* Takes a slot for key, or says why none is free, without waiting: the key's share is
 * checked first. Give a slot taken back with slots_give_back and the same key. */
MUST_CHECK enum slots_result slots_take(struct slots *slots, const char *key);

void slots_give_back(struct slots *slots, const char *key);
