/* The server's side of a PostgreSQL connection (protocol 3.0, without TLS), followed
 * message by message, for a test proxy that must act at one precise point of it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the stream is; zeroed at the connection's start. */
struct pg_wire {
	bool begun;		 /* past the one-byte refusals of SSLRequest/GSSENCRequest */
	unsigned char header[5]; /* the current message's type and length, as far as read */
	size_t header_seen;
	uint32_t body_left; /* of the current message */
	char tag[8];	    /* the first bytes of a CommandComplete's tag */
	size_t tag_seen;
};

/* Reads count more bytes the server sent. Returns how many of them, counted from the
 * first, end with a CommandComplete tagged COMMIT (the server made a transaction durable),
 * or 0 when none does; reading stops there. */
size_t pg_wire_find_commit(struct pg_wire *wire, const unsigned char *bytes, size_t count);

/* Writes into out the ErrorResponse a backend sends as the server shuts down under it
 * (FATAL, 57P01 admin_shutdown) and returns its length; 0 when size is too small. */
size_t pg_wire_admin_shutdown(unsigned char *out, size_t size);
