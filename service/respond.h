/* Successful responses. Each sets the status and body of the request's response once. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "db.h"
#include "row_json.h"

struct request;

/* Sends body as application/json. Takes ownership of body. */
void respond_json(struct request *request, unsigned status, json_t *body);

/* Adds `ETag: "<version>"`: the version a further change must name in If-Match. */
void respond_etag(struct request *request, long long version);

/* Sends a resource with `ETag: "<version>"`; to a GET or HEAD whose If-None-Match already
 * holds that tag, 304 instead. Takes ownership of body. */
void respond_resource(struct request *request, json_t *body, long long version);

/* respond_resource for row row of res, as row_json_render's document (members[0 .. count - 1])
 * would be sent, written straight from the row; not written at all for a 304. */
void respond_row(struct request *request, const struct row_json_member *members, size_t count,
		 const PGresult *res, int row, long long version);

/* Sends bytes as they are with the given content type. */
void respond_bytes(struct request *request, unsigned status, const char *content_type,
		   const char *bytes, size_t size);

/* Adds a response header. */
void respond_header(struct request *request, const char *name, const char *value);

/* Sends status with no body (204, 304). */
void respond_empty(struct request *request, unsigned status);

struct page_request;

/* Answers a list page made of res ({"items", "next_cursor"}, see page_write) with rows
 * written by row_json_write, or the database failure status; clears res either way. */
void respond_page(struct request *request, enum db_status status, PGresult *res,
		  const struct page_request *page, const struct row_json_table *rows,
		  int position_column, int id_column);
