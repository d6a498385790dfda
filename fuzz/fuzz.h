/* What the libFuzzer harnesses of fuzz/ share: the entry point libFuzzer calls, and the
 * few helpers that turn its bytes into what peerd's code takes. A harness aborts (through
 * FUZZ_CHECK) when peerd breaks a promise its header makes; libFuzzer then keeps the
 * input, as it does for a sanitizer's report. scripts/fuzz builds and runs them. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ulfius.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run, naming the broken promise, so that libFuzzer records the input. */
#define FUZZ_CHECK(condition) ((condition) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #condition))

__attribute__((noreturn)) void fuzz_fail(const char *file, int line, const char *condition);

/* data as a C string: a copy cut at the first NUL byte, as strings from ulfius and libjwt
 * are. The caller frees it. Aborts when out of memory. */
char *fuzz_text(const uint8_t *data, size_t size);

/* Splits text at the first occurrence of separator: returns what follows it (text itself
 * now ends before it), or NULL when separator does not occur. */
char *fuzz_split(char *text, char separator);

/* True when name is one of names (NULL-terminated). */
bool fuzz_is_listed(const char *name, const char *const *names);

/* data parsed as the dispatcher parses a request body (service/dispatch.c, read_body):
 * the default body limit, no duplicate keys, an object at the top. NULL for what the
 * dispatcher answers with 413 or 400 before any handler runs. The caller decrefs it. */
json_t *fuzz_body(const uint8_t *data, size_t size);

/* One request as a handler sees it, made with ulfius's own constructors: no route, no
 * caller, no database; the query parameters are put into raw.map_url. */
struct fuzz_exchange {
	struct _u_request raw;
	struct _u_response response;
	struct request request;
};

/* Aborts when out of memory. Free with fuzz_exchange_free. */
void fuzz_exchange_init(struct fuzz_exchange *exchange);
void fuzz_exchange_free(struct fuzz_exchange *exchange);

/* What a reader or check that returned ok must have left: no answer at all when ok, else
 * a problem+json whose status (400, 403 or 422) matches the response's, with the detail
 * the code wrote. */
void fuzz_check_answer(const struct fuzz_exchange *exchange, bool ok);
