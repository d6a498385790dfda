/* One HTTP request and its response, as libmicrohttpd delivers them: peerd's own access
 * handler in place of ulfius's dispatcher, which takes in the whole body before any code
 * of ours sees the headers. This one hands the headers to the dispatcher first
 * (dispatch_headers), so that a request without a valid token, a role that may not call
 * the route, or framing a proxy could read otherwise (RFC 9112 §6) is answered before a
 * byte of its body is read or a "100 Continue" sent. The request and response stay
 * ulfius's structures, which the dispatcher and the handlers read and write. */
#pragma once

#include <microhttpd.h>

/* libmicrohttpd's callbacks, each with the struct app as its closure. */

/* MHD_OPTION_URI_LOG_CALLBACK: a request's first line has arrived; returns its state. */
void *http_exchange_begin(void *app, const char *uri, struct MHD_Connection *connection);

/* The access handler given to MHD_start_daemon. */
enum MHD_Result http_exchange_access(void *app, struct MHD_Connection *connection, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **state);

/* MHD_OPTION_NOTIFY_COMPLETED: the response has gone, or the connection failed. */
void http_exchange_completed(void *app, struct MHD_Connection *connection, void **state,
			     enum MHD_RequestTerminationCode reason);

/* For a request libmicrohttpd refused before the access handler and so never completes:
 * ends it when its connection closes (request_deadlines' abandoned callback). */
void http_exchange_abandoned(void *app, struct MHD_Connection *connection, void *state);
