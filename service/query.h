/* Typed query parameters (filters and paging). Each reader takes one optional parameter:
 * when it is absent *out is NULL and the reader returns true; when it is malformed the
 * reader answers 400 naming it and returns false. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

struct request;
struct page_request;

/* "true" or "false". */
MUST_CHECK bool query_boolean(struct request *request, const char *name, const char **out);

/* One of choices (NULL-terminated). */
MUST_CHECK bool query_choice(struct request *request, const char *name, const char *const *choices,
			     const char **out);

MUST_CHECK bool query_uuid(struct request *request, const char *name, const char **out);

/* 1..max characters. */
MUST_CHECK bool query_text(struct request *request, const char *name, size_t max, const char **out);

/* A whole number min..max, written back in canonical form into buffer. */
MUST_CHECK bool query_integer(struct request *request, const char *name, long min, long max,
			      char *buffer, size_t size, const char **out);

/* ?from= and ?to= as days (YYYY-MM-DD), each optional: 400 when malformed, 422 naming
 * from when from is after to. */
MUST_CHECK bool query_date_range(struct request *request, const char **from, const char **to);

/* ?limit= and ?cursor= (API.md "Lists"). */
MUST_CHECK bool query_page(struct request *request, struct page_request *page);
