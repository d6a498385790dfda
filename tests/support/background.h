/* An HTTP request sent from another thread, for tests that act while it waits in peerd. */
#pragma once

#include <pthread.h>

#include "http.h"

struct background_request {
	struct http_request request;	/* filled in by the caller before background_send */
	struct http_response *response; /* set by background_wait */
	char error[256];		/* why, when no complete answer came */
	pthread_t thread;
};

void background_send(struct background_request *background);

/* Waits for the answer and returns it; the caller frees it with http_response_free. Fails
 * the test when none came. */
struct http_response *background_wait(struct background_request *background);

/* As background_wait, but returns NULL when no complete answer came (background->error
 * says why): for a server that may have gone away. */
struct http_response *background_try_wait(struct background_request *background);

/* A PATCH of an organization that waits inside peerd on a row lock this test holds: it
 * holds one worker and one database connection until released. */
struct held_patch {
	struct background_request background;
	char path[128];
	void *lock; /* the PGconn holding the row */
};

/* Locks the row, sends the PATCH to base_url and returns once it is waiting in peerd. */
void held_patch_start(struct held_patch *held, const char *base_url, const char *token,
		      const char *organization_id);

/* Releases the row and returns the PATCH's answer (free it with http_response_free). */
struct http_response *held_patch_release(struct held_patch *held);

/* As held_patch_release, but NULL when no answer came (held->background.error says why). */
struct http_response *held_patch_try_release(struct held_patch *held);
