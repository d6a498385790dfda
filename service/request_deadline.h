/* Receiving deadlines: a request must arrive whole (request line, headers and body) within
 * PEERD_CONNECTION_TIMEOUT_SECONDS of the moment its connection became ready for it (the
 * connection's start, or the end of the previous response on a kept-alive connection);
 * otherwise its connection is closed, with a 408 when the request had begun. Once the
 * request has arrived, the deadline no longer applies: handlers and slow readers take what
 * they need, within libmicrohttpd's own idle timeout. See request_deadline.c for why and
 * how. */
#pragma once

#include "attributes.h"

#include <microhttpd.h>
#include <stddef.h>

struct request_deadlines;
struct _u_request;

/* Called when a connection closes on a request that had begun (request_deadlines_begun)
 * but that libmicrohttpd never ended: it refuses some requests before any handler runs
 * (headers beyond its memory pool) and then skips the request-completed callback, which
 * would leak the request and leave it counted in flight. state is what begun was given. */
typedef void request_abandoned_fn(void *cls, struct MHD_Connection *connection, void *state);

/* Starts the thread that cuts connections past their deadline, for at most capacity
 * connections at once (more are left to libmicrohttpd's idle timeout alone); abandoned
 * (with cls) ends requests libmicrohttpd left unended. Returns NULL when out of memory or
 * when the thread cannot start. */
MUST_CHECK struct request_deadlines *request_deadlines_start(unsigned timeout_seconds,
							     size_t capacity,
							     request_abandoned_fn *abandoned,
							     void *cls);

/* Stops the thread and frees everything. Call once libmicrohttpd has stopped, when no
 * connection is left. NULL is ignored. */
void request_deadlines_stop(struct request_deadlines *deadlines);

/* The MHD_OPTION_NOTIFY_CONNECTION callback, with the deadlines as cls: starts the clock
 * of a new connection, and forgets a closed one. */
void request_deadlines_connection(void *cls, struct MHD_Connection *connection,
				  void **socket_context, enum MHD_ConnectionNotificationCode code);

/* From the URI log callback: a request (ulfius's, NULL when ulfius could not make one) has
 * begun on connection, with state the callback returns; its clock keeps running. */
void request_deadlines_begun(struct request_deadlines *deadlines, struct MHD_Connection *connection,
			     const struct _u_request *request, void *state);

/* From the dispatcher: ulfius has handed over request whole; its connection's clock stops
 * until the response has gone. Costs a scan of the open connections under a lock. */
void request_deadlines_received(struct request_deadlines *deadlines,
				const struct _u_request *request);

/* From the request-completed callback, before ulfius frees its request: restarts the clock
 * for the next request after a response, or, when the request ran out of time, writes the
 * 408 that libmicrohttpd's closing of the connection then follows. */
void request_deadlines_completed(struct request_deadlines *deadlines,
				 struct MHD_Connection *connection,
				 enum MHD_RequestTerminationCode reason);
