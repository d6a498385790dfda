/* A webhook receiver on loopback inside the test process: a thread that accepts
 * deliveries, keeps their Standard Webhooks headers and body, and answers each with the
 * status the test sets (and a Location, to offer a redirect). */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define WEBHOOK_RECEIVER_MAX 32

struct webhook_received {
	char id[80];
	char timestamp[32];
	char signature[160];
	char body[4096];
	char path[128];
};

struct webhook_receiver {
	int listener;
	unsigned port;
	char url[96]; /* http://127.0.0.1:PORT/hook */
	pthread_t thread;
	atomic_bool stopping;
	atomic_int answer_status;
	atomic_int answer_delay_ms; /* how long it holds each answer */
	char location[160];	    /* sent with the answer when not "" (set before deliveries) */
	pthread_mutex_t lock;
	struct webhook_received received[WEBHOOK_RECEIVER_MAX];
	int count;
};

/* Listens on a free loopback port and answers status. */
void webhook_receiver_start(struct webhook_receiver *receiver, int status);

/* As webhook_receiver_start, on port (one a stopped receiver had, to bring it back). */
void webhook_receiver_start_on(struct webhook_receiver *receiver, int status, unsigned port);
void webhook_receiver_stop(struct webhook_receiver *receiver);

/* Waits up to timeout_ms for count deliveries; true when they came. */
bool webhook_receiver_wait(struct webhook_receiver *receiver, int count, long timeout_ms);

/* A copy of delivery number index (0 is the first). */
struct webhook_received webhook_receiver_get(struct webhook_receiver *receiver, int index);
int webhook_receiver_count(struct webhook_receiver *receiver);
