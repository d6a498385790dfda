/* Structured logging: one JSON object per line on stderr, so stdout stays free for
 * commands whose output is meant to be piped (`peerd token`). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Parses "debug", "info", "warn" or "error". Returns false for anything else. */
bool log_level_parse(const char *text, enum log_level *out);

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* Writes {"ts", "level", "msg", ...fields} as one line. Takes ownership of fields, which
 * may be NULL. Safe to call from any thread. */
void log_write(enum log_level level, const char *msg, json_t *fields);

/* What the access line of one request says. */
struct log_request {
	const char *method; /* valid UTF-8 */
	const char *route;
	unsigned status;
	double duration_ms;
	const char *request_id;	       /* X-Request-Id, the client's when it sent one */
	const char *server_request_id; /* peerd's own, unique to the request */
};

/* Writes the access line of a request: the keys of log_write ("ts", "level", "msg" of
 * "request"), then method, route, status, duration_ms, request_id and server_request_id. Written
 * straight as text: it is the line every request writes, and building a JSON document for it cost
 * about as much as rendering the response. */
void log_request(enum log_level level, const struct log_request *entry);

/* From now on access lines (log_request) are gathered and written together: within a fraction
 * of a second, before any other line, and at log_stop_gathering. False when the thread that
 * writes them could not start (lines are then written one by one). */
bool log_gather_access_lines(void);

/* Writes what is gathered and writes every line at once from now on. */
void log_stop_gathering(void);

/* printf-style shorthand for log_write without extra fields. */
void log_message(enum log_level level, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
