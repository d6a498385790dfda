#include "arena.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct kept {
	void *thing;
	void (*release)(void *);
	struct kept *next;
};

/* Background threads (background.h) send requests too. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool arena_is_open;
static struct kept *newest;

void arena_open(void)
{
	pthread_mutex_lock(&lock);
	arena_is_open = true;
	pthread_mutex_unlock(&lock);
}

void arena_keep(void *thing, void (*release)(void *))
{
	pthread_mutex_lock(&lock);
	if (arena_is_open && thing) {
		struct kept *kept = malloc(sizeof *kept);
		cr_assert(kept);
		*kept = (struct kept){.thing = thing, .release = release, .next = newest};
		newest = kept;
	}
	pthread_mutex_unlock(&lock);
}

void arena_forget(const void *thing)
{
	pthread_mutex_lock(&lock);
	/* Newest first: a loop frees what it just took. */
	for (struct kept **link = &newest; *link; link = &(*link)->next) {
		if ((*link)->thing == thing) {
			struct kept *gone = *link;
			*link = gone->next;
			free(gone);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void arena_close(void)
{
	pthread_mutex_lock(&lock);
	struct kept *list = newest;
	newest = NULL;
	arena_is_open = false;
	pthread_mutex_unlock(&lock);
	while (list) {
		struct kept *next = list->next;
		list->release(list->thing);
		free(list);
		list = next;
	}
}

char *arena_text(char *text)
{
	pthread_mutex_lock(&lock);
	bool kept = arena_is_open;
	pthread_mutex_unlock(&lock);
	cr_assert(kept, "arena_text outside an open arena (TestSuite .init = arena_open)");
	arena_keep(text, free);
	return text;
}
