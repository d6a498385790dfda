/* The HTTP conventions of API.md, applied once for all routes, in two steps that the
 * exchange (service/http_exchange.c) takes as the request arrives:
 * - on its headers, before any body is read: request id and standard headers, CORS, route
 *   lookup (404/405), declared body size (413), query text (400), token (401), rate (429),
 *   role (403), body media type (415). A request refused here never has its body taken in;
 * - once the body has arrived: its size (413) and JSON (400), then the route's handler.
 * Then dispatch_finish releases what the request borrowed and writes the access log line
 * and the metrics. */
#pragma once

#include <stdbool.h>
#include <time.h>

struct request;

/* The checks on the headers. True when the body may be read and dispatch_body called;
 * false when the request has been answered. */
bool dispatch_headers(struct request *request);

/* Answers status with detail before any other check, and closes the connection after: for
 * a request whose framing cannot be trusted (service/http_exchange.c). */
void dispatch_refuse(struct request *request, unsigned status, const char *detail);

/* The body's checks, then the handler. Always leaves an answer. */
void dispatch_body(struct request *request);

/* After either: makes sure there is an answer, gives back the database connection and the
 * parsed body, counts the request (started: CLOCK_MONOTONIC) and logs it. */
void dispatch_finish(struct request *request, const struct timespec *started);
