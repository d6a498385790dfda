#include "http_exchange.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ulfius.h>

#include "app.h"
#include "dispatch.h"
#include "log.h"
#include "request.h"
#include "request_deadline.h"
#include "stream_pump.h"
#include "workers.h"

enum exchange_phase {
	EXCHANGE_HEADERS,  /* the access handler's first call is due: the headers are in */
	EXCHANGE_BODY,	   /* the headers passed: the body is arriving */
	EXCHANGE_WORKING,  /* a worker runs the handler; the connection is suspended */
	EXCHANGE_READY,	   /* the worker is done: the response waits to be queued */
	EXCHANGE_ANSWERED, /* a response is queued */
};

struct exchange {
	struct _u_request raw;
	struct _u_response response;
	struct request request; /* what the dispatcher and the handler see */
	struct timespec started;
	enum exchange_phase phase;
	struct MHD_Connection *connection; /* while a worker has it */
};

/* Frees an exchange and all it holds; NULL is ignored. */
static void exchange_free(struct exchange *exchange)
{
	if (!exchange)
		return;
	ulfius_clean_request(&exchange->raw);
	ulfius_clean_response(&exchange->response);
	free(exchange);
}

/* A new exchange for the request line's target uri, or NULL when out of memory. */
static struct exchange *exchange_new(struct app *app, const char *uri)
{
	struct exchange *exchange = calloc(1, sizeof *exchange);
	if (!exchange)
		return NULL;
	bool ready = ulfius_init_request(&exchange->raw) == U_OK &&
		     ulfius_init_response(&exchange->response) == U_OK;
	/* The target as sent: the router reads the path undecoded, and the query's text is
	 * checked for a NUL that decoding would hide. */
	exchange->raw.http_url = ready ? strdup(uri) : NULL;
	exchange->raw.url_path = ready ? strndup(uri, strcspn(uri, "?")) : NULL;
	if (!exchange->raw.http_url || !exchange->raw.url_path) {
		exchange_free(exchange);
		return NULL;
	}
	exchange->request = (struct request){
		.raw = &exchange->raw, .response = &exchange->response, .app = app};
	return exchange;
}

void *http_exchange_begin(void *cls, const char *uri, struct MHD_Connection *connection)
{
	struct app *app = cls;
	/* In flight from the first line, so that a stop waits for uploads in progress too;
	 * counted back in http_exchange_completed or _abandoned, whatever became of it. */
	atomic_fetch_add(&app->in_flight, 1);
	struct exchange *exchange = exchange_new(app, uri);
	request_deadlines_begun(app->request_deadlines, connection,
				exchange ? &exchange->raw : NULL, exchange);
	return exchange;
}

void http_exchange_completed(void *cls, struct MHD_Connection *connection, void **state,
			     enum MHD_RequestTerminationCode reason)
{
	struct app *app = cls;
	request_deadlines_completed(app->request_deadlines, connection, reason);
	exchange_free(*state);
	*state = NULL;
	atomic_fetch_sub(&app->in_flight, 1);
}

void http_exchange_abandoned(void *cls, struct MHD_Connection *connection, void *state)
{
	(void)connection;
	struct app *app = cls;
	exchange_free(state);
	atomic_fetch_sub(&app->in_flight, 1);
}

/* A ulfius map being filled from libmicrohttpd's values. */
struct map_fill {
	struct _u_map *map;
	bool failed; /* out of memory: the map lacks a value */
};

/* Puts a header or query value into the map as ulfius did: a name sent twice holds both
 * values joined by a comma. */
static enum MHD_Result put_joined(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	struct map_fill *fill = cls;
	const char *before = u_map_get(fill->map, key);
	if (!value)
		value = "";
	char *joined = NULL;
	if (before) {
		size_t size = strlen(before) + strlen(value) + 2;
		joined = malloc(size);
		if (joined)
			snprintf(joined, size, "%s,%s", before, value);
	}
	fill->failed =
		(before && !joined) || u_map_put(fill->map, key, joined ? joined : value) != U_OK;
	free(joined);
	return fill->failed ? MHD_NO : MHD_YES;
}

static bool take_request_line_and_headers(struct exchange *exchange,
					  struct MHD_Connection *connection, const char *method,
					  const char *version)
{
	struct _u_request *raw = &exchange->raw;
	raw->http_verb = strdup(method);
	raw->http_protocol = strdup(version);
	struct map_fill headers = {raw->map_header, false}, query = {raw->map_url, false};
	MHD_get_connection_values(connection, MHD_HEADER_KIND, put_joined, &headers);
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, put_joined, &query);
	return raw->http_verb && raw->http_protocol && !headers.failed && !query.failed;
}

/* What the header fields say about where the request ends (RFC 9112 §6). */
struct framing {
	unsigned content_lengths;
	unsigned transfer_encodings;
	unsigned hosts;
	bool bare_cr;
	bool unknown_coding; /* a transfer coding other than chunked alone */
};

static enum MHD_Result read_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(void)kind;
	struct framing *framing = cls;
	if (strchr(key, '\r') || (value && strchr(value, '\r')))
		framing->bare_cr = true;
	if (strcasecmp(key, "Content-Length") == 0)
		framing->content_lengths++;
	else if (strcasecmp(key, "Host") == 0)
		framing->hosts++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		framing->transfer_encodings++;
		if (!value || strcasecmp(value, "chunked") != 0)
			framing->unknown_coding = true;
	}
	return MHD_YES;
}

/* Refuses framing that a proxy in front could read otherwise than peerd does, and so
 * smuggle a second request inside the first (RFC 9112 §6.1, §6.3 and §3.2; a bare CR
 * §2.2). libmicrohttpd 0.9.75 serves them, taking one of the readings. True when the
 * request was refused; its connection is then closed after the answer. */
static bool refuse_framing(struct exchange *exchange, struct MHD_Connection *connection)
{
	struct framing framing = {0};
	MHD_get_connection_values(connection, MHD_HEADER_KIND, read_framing, &framing);
	const char *why = NULL;
	unsigned status = 400;
	if (framing.bare_cr)
		why = "a header holds a bare carriage return";
	else if (framing.hosts > 1)
		why = "the request has more than one Host header";
	else if (framing.content_lengths > 1)
		why = "the request has more than one Content-Length header";
	else if (framing.content_lengths && framing.transfer_encodings)
		why = "the request has both Content-Length and Transfer-Encoding";
	else if (framing.transfer_encodings > 1 || framing.unknown_coding) {
		why = "the only transfer coding accepted is chunked, once";
		status = 501;
	}
	if (!why)
		return false;
	dispatch_refuse(&exchange->request, status, why);
	return true;
}

/* Hands the response the dispatcher left in exchange->response to libmicrohttpd. */
static enum MHD_Result queue_response(struct exchange *exchange, struct MHD_Connection *connection)
{
	exchange->phase = EXCHANGE_ANSWERED;
	struct _u_response *response = &exchange->response;
	struct MHD_Response *sent;
	if (response->stream_callback) {
		sent = stream_pump_response(exchange->request.app->workers, connection, response);
		response->stream_callback_free = NULL; /* the pump's to free now */
	} else {
		/* libmicrohttpd takes the body over and frees it. */
		sent = MHD_create_response_from_buffer(
			response->binary_body_length, response->binary_body, MHD_RESPMEM_MUST_FREE);
		if (sent) {
			response->binary_body = NULL;
			response->binary_body_length = 0;
		}
	}
	if (!sent) {
		log_message(LOG_LEVEL_ERROR,
			    "a response could not be made; closing its connection");
		return MHD_NO;
	}
	const struct _u_map *headers = response->map_header;
	for (int i = 0; headers && i < headers->nb_values; i++)
		MHD_add_response_header(sent, headers->keys[i], headers->values[i]);
	enum MHD_Result queued = MHD_queue_response(connection, (unsigned)response->status, sent);
	MHD_destroy_response(sent);
	return queued;
}

static enum MHD_Result answer(struct exchange *exchange, struct MHD_Connection *connection)
{
	dispatch_finish(&exchange->request, &exchange->started);
	return queue_response(exchange, connection);
}

static enum MHD_Result on_headers(struct exchange *exchange, struct MHD_Connection *connection,
				  const char *method, const char *version)
{
	clock_gettime(CLOCK_MONOTONIC, &exchange->started);
	if (!take_request_line_and_headers(exchange, connection, method, version)) {
		log_message(LOG_LEVEL_ERROR, "out of memory reading a request; closing it");
		return MHD_NO;
	}
	if (refuse_framing(exchange, connection) || !dispatch_headers(&exchange->request))
		return answer(exchange, connection);
	exchange->phase = EXCHANGE_BODY;
	return MHD_YES;
}

/* Keeps at most PEERD_MAX_BODY_BYTES + 1 bytes: one byte more tells the dispatcher the
 * body was too large (413) without holding the rest, which is read and dropped. */
static bool take_body(struct exchange *exchange, const char *data, size_t size)
{
	size_t limit = exchange->request.app->config->max_body_bytes + 1;
	size_t held = exchange->raw.binary_body_length;
	if (held >= limit)
		return true;
	size_t taken = size < limit - held ? size : limit - held;
	char *grown = realloc(exchange->raw.binary_body, held + taken);
	if (!grown)
		return false;
	memcpy(grown + held, data, taken);
	exchange->raw.binary_body = grown;
	exchange->raw.binary_body_length = held + taken;
	return true;
}

/* On a worker thread: the handler, then back to libmicrohttpd, which calls the access
 * handler again (EXCHANGE_READY) on the connection's I/O thread to queue the answer.
 * Resuming is the last thing done with the exchange here: from then on it is the I/O
 * thread's, and may be freed at any moment. */
static void run_on_worker(void *context)
{
	struct exchange *exchange = context;
	dispatch_body(&exchange->request);
	dispatch_finish(&exchange->request, &exchange->started);
	exchange->phase = EXCHANGE_READY;
	MHD_resume_connection(exchange->connection);
}

static enum MHD_Result on_body_end(struct exchange *exchange, struct MHD_Connection *connection)
{
	struct app *app = exchange->request.app;
	request_deadlines_received(app->request_deadlines, &exchange->raw);
	/* The handler's time, not the upload's, is what the access log and metrics show. */
	clock_gettime(CLOCK_MONOTONIC, &exchange->started);
	if (exchange->request.route->runs == ROUTE_RUNS_ON_WORKER && app->workers) {
		exchange->phase = EXCHANGE_WORKING;
		exchange->connection = connection;
		MHD_suspend_connection(connection);
		/* Out of memory for the queue: the handler runs here instead, the same way. */
		if (!workers_submit(app->workers, run_on_worker, exchange))
			run_on_worker(exchange);
		return MHD_YES;
	}
	dispatch_body(&exchange->request);
	return answer(exchange, connection);
}

enum MHD_Result http_exchange_access(void *cls, struct MHD_Connection *connection, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **state)
{
	(void)cls, (void)url;
	struct exchange *exchange = *state;
	if (!exchange)
		return MHD_NO; /* out of memory when it began */
	switch (exchange->phase) {
	case EXCHANGE_HEADERS:
		return on_headers(exchange, connection, method, version);
	case EXCHANGE_BODY:
		if (*upload_data_size == 0)
			return on_body_end(exchange, connection);
		if (!take_body(exchange, upload_data, *upload_data_size)) {
			log_message(LOG_LEVEL_ERROR, "out of memory reading a body; closing it");
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	case EXCHANGE_READY:
		return queue_response(exchange, connection);
	case EXCHANGE_WORKING:
	case EXCHANGE_ANSWERED:
		break;
	}
	*upload_data_size = 0;
	return MHD_YES;
}
