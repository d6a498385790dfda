#include "respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "etag.h"
#include "json_text.h"
#include "log.h"
#include "pagination.h"
#include "problem.h"
#include "request.h"
#include "strbuf.h"

void respond_header(struct request *request, const char *name, const char *value)
{
	u_map_put(request->response->map_header, name, value);
}

void respond_bytes(struct request *request, unsigned status, const char *content_type,
		   const char *bytes, size_t size)
{
	respond_header(request, "Content-Type", content_type);
	request->status = status;
	if (ulfius_set_binary_body_response(request->response, status, bytes, size) != U_OK) {
		log_message(LOG_LEVEL_ERROR, "response body of %zu bytes could not be set", size);
		request->response->status = 500;
		request->status = 500;
	}
}

/* Reals are written with 15 significant digits. */
#define REAL_PRECISION 15

static void respond_encoding_failed(struct request *request)
{
	log_message(LOG_LEVEL_ERROR, "response could not be encoded as JSON");
	static const char PROBLEM[] = "{\"type\":\"about:blank\",\"title\":\"Internal "
				      "Server Error\",\"status\":500}";
	respond_bytes(request, 500, "application/problem+json", PROBLEM, sizeof PROBLEM - 1);
}

/* Answers 200 with the JSON text written into text, when it could be written; frees text. */
static void respond_written(struct request *request, bool written, struct strbuf *text)
{
	if (written)
		respond_bytes(request, 200, "application/json", text->data, text->length);
	else
		respond_encoding_failed(request);
	strbuf_free(text);
}

void respond_json(struct request *request, unsigned status, json_t *body)
{
	size_t length = 0;
	char *text = body ? json_text(body, REAL_PRECISION, &length) : NULL;
	json_decref(body);
	if (!text) {
		respond_encoding_failed(request);
		return;
	}
	respond_bytes(request, status, "application/json", text, length);
	free(text);
}

void respond_etag(struct request *request, long long version)
{
	char tag[32];
	etag_format(version, tag, sizeof tag);
	respond_header(request, "ETag", tag);
}

/* Adds the ETag and answers 304 when the client holds version already; true then. */
static bool answered_not_modified(struct request *request, long long version)
{
	respond_etag(request, version);
	/* 304 answers a read only (RFC 9110 15.4.5): after a write the client needs the body. */
	const char *method = request->raw->http_verb;
	bool read = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (!read || !etag_none_match_hits(request_header(request, "If-None-Match"), version))
		return false;
	respond_empty(request, 304);
	return true;
}

void respond_resource(struct request *request, json_t *body, long long version)
{
	if (answered_not_modified(request, version))
		json_decref(body);
	else
		respond_json(request, 200, body);
}

void respond_row(struct request *request, const struct row_json_member *members, size_t count,
		 const PGresult *res, int row, long long version)
{
	if (answered_not_modified(request, version))
		return;
	struct strbuf text;
	strbuf_init(&text);
	respond_written(request, row_json_write(members, count, res, row, REAL_PRECISION, &text),
			&text);
}

void respond_empty(struct request *request, unsigned status)
{
	request->status = status;
	ulfius_set_empty_body_response(request->response, status);
}

void respond_page(struct request *request, enum db_status status, PGresult *res,
		  const struct page_request *page, const struct row_json_table *rows,
		  int position_column, int id_column)
{
	if (status != DB_OK) {
		problem_send_database(request, status);
		PQclear(res);
		return;
	}
	struct strbuf text;
	strbuf_init(&text);
	respond_written(request,
			page_write(res, page, rows->members, rows->count, REAL_PRECISION,
				   position_column, id_column, &text),
			&text);
	PQclear(res);
}
