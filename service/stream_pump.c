#include "stream_pump.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "workers.h"

/* The smallest buffer a fill makes, whatever block size the handler asked for. */
#define PUMP_MIN_BUFFER 4096

struct stream_pump {
	ssize_t (*next)(void *context, uint64_t position, char *out, size_t max);
	void (*context_free)(void *context);
	void *context;
	struct workers *workers;
	struct MHD_Connection *connection;
	uint64_t position; /* bytes the handler's callback has made so far */
	char *buffer;
	size_t capacity, length, sent;
	/* What the last fill ended with: bytes (length > sent), the end, or an error. Written
	 * by the worker before it resumes the connection, read by the I/O thread after. */
	ssize_t ended;
};

/* On a worker thread: asks the handler's callback for the next bytes, then gives the
 * connection back to its I/O thread. Resuming is the last thing done with the pump here:
 * from then on it is the I/O thread's, and may be freed at any moment. */
static void pump_fill(void *context)
{
	struct stream_pump *pump = context;
	ssize_t made = pump->next(pump->context, pump->position, pump->buffer, pump->capacity);
	if (made > 0) {
		pump->length = (size_t)made;
		pump->position += (uint64_t)made;
	} else
		pump->ended = made == 0 ? MHD_CONTENT_READER_END_WITH_ERROR : made;
	MHD_resume_connection(pump->connection);
}

/* libmicrohttpd's content reader, on the I/O thread: the bytes a fill made, or none yet,
 * having suspended the connection until a worker has made more (returning 0 is how
 * libmicrohttpd is told to wait for a resume, not to call again at once). */
static ssize_t pump_read(void *context, uint64_t offset, char *out, size_t max)
{
	(void)offset;
	struct stream_pump *pump = context;
	if (pump->sent < pump->length) {
		size_t left = pump->length - pump->sent;
		size_t size = left < max ? left : max;
		memcpy(out, pump->buffer + pump->sent, size);
		pump->sent += size;
		return (ssize_t)size;
	}
	if (pump->ended)
		return pump->ended;
	pump->length = pump->sent = 0;
	MHD_suspend_connection(pump->connection);
	/* Out of memory for the queue: the fill runs here instead, the same way. */
	if (!workers_submit(pump->workers, pump_fill, pump))
		pump_fill(pump);
	return 0;
}

static void pump_free(void *context)
{
	struct stream_pump *pump = context;
	if (pump->context_free)
		pump->context_free(pump->context);
	free(pump->buffer);
	free(pump);
}

static struct stream_pump *pump_new(struct workers *workers, struct MHD_Connection *connection,
				    const struct _u_response *response)
{
	struct stream_pump *pump = calloc(1, sizeof *pump);
	if (!pump)
		return NULL;
	size_t capacity = response->stream_block_size > PUMP_MIN_BUFFER
				  ? response->stream_block_size
				  : PUMP_MIN_BUFFER;
	char *buffer = malloc(capacity);
	if (!buffer) {
		free(pump);
		return NULL;
	}
	*pump = (struct stream_pump){.next = response->stream_callback,
				     .context_free = response->stream_callback_free,
				     .context = response->stream_user_data,
				     .workers = workers,
				     .connection = connection,
				     .buffer = buffer,
				     .capacity = capacity};
	return pump;
}

struct MHD_Response *stream_pump_response(struct workers *workers,
					  struct MHD_Connection *connection,
					  const struct _u_response *response)
{
	struct MHD_Response *sent = NULL;
	struct stream_pump *pump = workers ? pump_new(workers, connection, response) : NULL;
	if (pump) {
		sent = MHD_create_response_from_callback(response->stream_size, pump->capacity,
							 pump_read, pump, pump_free);
		if (!sent) {
			pump->context_free = NULL; /* freed below, once */
			pump_free(pump);
		}
	} else if (!workers)
		sent = MHD_create_response_from_callback(
			response->stream_size, response->stream_block_size,
			response->stream_callback, response->stream_user_data,
			response->stream_callback_free);
	if (!sent && response->stream_callback_free)
		response->stream_callback_free(response->stream_user_data);
	return sent;
}
