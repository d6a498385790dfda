/* The threads that run handlers, apart from libmicrohttpd's threads, which only read
 * requests and write responses. A handler waits on the database for most of its time (a
 * row lock may hold it for seconds); on an I/O thread it would hold up every other
 * connection that thread serves, /healthz included. Here it holds up nobody: the I/O
 * thread suspends its connection, hands the work over and goes on. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

struct workers;

typedef void worker_job_fn(void *context);

/* Starts count threads. Returns NULL when out of memory or when a thread cannot start. */
MUST_CHECK struct workers *workers_start(unsigned count);

/* Queues job(context) for the next free thread; jobs run in the order queued. False when
 * out of memory (the job will not run). */
MUST_CHECK bool workers_submit(struct workers *workers, worker_job_fn *job, void *context);

/* Jobs queued or running. */
size_t workers_busy(struct workers *workers);

/* Runs every job already queued, then stops the threads and frees them. NULL is ignored. */
void workers_stop(struct workers *workers);
