/* The HTTP listener: peerd's own listening socket and accept thread handing each
 * connection to libmicrohttpd, with a fixed thread pool and epoll, each request an
 * exchange (service/http_exchange.c) in ulfius's request and response structures. */
#pragma once

#include "attributes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct app;
struct MHD_Daemon;

struct server {
	struct MHD_Daemon *daemon;
	struct app *app;
	unsigned connection_limit; /* PEERD_MAX_CONNECTIONS, or what the descriptors allow */
	int listener;		   /* the listening socket */
	int stop_accepting;	   /* an eventfd: written to, the accept thread returns */
	pthread_t acceptor;	   /* the accept thread */
	/* Connections libmicrohttpd has started and closed, for the accept thread. */
	atomic_ulong started;
	atomic_ulong closed;
	bool running;
};

/* Starts listening on the configured port with PEERD_THREADS worker threads. On failure
 * writes the reason into error. */
MUST_CHECK bool server_start(struct server *server, struct app *app, char *error,
			     size_t error_size);

/* Graceful stop: stops accepting connections, lets requests in flight finish for up to
 * grace_ms, then closes everything. Safe to call on a server that failed to start. */
void server_stop(struct server *server, unsigned grace_ms);
