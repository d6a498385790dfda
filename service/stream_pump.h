/* A streamed response body whose next bytes may take a while to make (an export reads its
 * next notes from the database, waiting for a connection or a lock) is made on a worker
 * thread, never on the libmicrohttpd thread that writes it: that thread serves other
 * connections, /healthz among them, and would hold them all up meanwhile. It suspends the
 * connection, a worker fills a buffer from the handler's stream callback, and resuming
 * hands the bytes back to be written. */
#pragma once

#include <microhttpd.h>
#include <ulfius.h>

struct workers;

/* A libmicrohttpd response streaming response's body (its stream_callback, called with its
 * stream_user_data) through workers, or calling it on the I/O thread when workers is NULL.
 * Takes the user data over: it is freed with stream_callback_free when the response is
 * done with, or at once when no response could be made (NULL). */
struct MHD_Response *stream_pump_response(struct workers *workers,
					  struct MHD_Connection *connection,
					  const struct _u_response *response);
