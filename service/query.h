/* Typed query parameters (filters and paging), as the route table (api/routes.c) declares
 * them. Each reader takes one optional parameter: when it is absent *out is NULL and the
 * reader returns true; when it is malformed the reader answers 400 naming it and returns
 * false. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

struct request;
struct page_request;

/* Answers 400 naming the first query parameter the route does not declare (api/routes.c
 * QUERY) and returns false; true when every one is declared, or the route declares none. */
MUST_CHECK bool query_names_known(struct request *request);

/* The value of the query parameter name, checked against what the route table declares
 * it to be (a UUID, one of its choices, a boolean, text of at most its length, a day). */
MUST_CHECK bool query_read(struct request *request, const char *name, const char **out);

/* A whole number in the range the route table declares, written back in canonical form
 * into buffer. */
MUST_CHECK bool query_integer(struct request *request, const char *name, char *buffer, size_t size,
			      const char **out);

/* ?from= and ?to= as days (YYYY-MM-DD), each optional: 400 when malformed, 422 naming
 * from when from is after to. */
MUST_CHECK bool query_date_range(struct request *request, const char **from, const char **to);

/* ?limit=, ?cursor= and, where the route declares it, ?updated_since= (API.md "Lists",
 * "Sync"). */
MUST_CHECK bool query_page(struct request *request, struct page_request *page);
