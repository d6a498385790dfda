/* HTTP as bytes on a plain socket, for what libcurl will not send: a Content-Length that
 * lies, framing a proxy could read two ways, a body that never comes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* What came back on a connection. */
struct raw_answer {
	struct http_response *response; /* the final answer, after any 1xx, or NULL */
	bool continued;			/* a 100 Continue came before it */
	bool closed;			/* the server closed the connection */
	size_t received;		/* bytes, 1xx included */
};

/* A TCP connection to 127.0.0.1:port, with a receive buffer of receive_buffer bytes when
 * that is not 0; -1 when it cannot be made. */
int raw_connect(unsigned port, int receive_buffer);

/* Sends what the server takes of data; false when it stopped taking (closed or reset). */
bool raw_send_all(int fd, const char *data, size_t size);

/* Reads until the server closes the connection or nothing has come for patience_ms after
 * a complete answer (or at all). */
struct raw_answer raw_read_answer(int fd, int patience_ms);

/* Connects to port, sends data, reads the answer (raw_read_answer) and closes. */
struct raw_answer raw_exchange(unsigned port, const char *data, size_t size, int patience_ms);

void raw_answer_free(struct raw_answer *answer);
