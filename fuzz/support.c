#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

/* The default of PEERD_MAX_BODY_BYTES (service/config.c): a larger body is a 413. */
#define BODY_MAX_BYTES (1024 * 1024)

void fuzz_fail(const char *file, int line, const char *condition)
{
	fprintf(stderr, "%s:%d: broken promise: %s\n", file, line, condition);
	abort();
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	FUZZ_CHECK(text);
	return text;
}

char *fuzz_split(char *text, char separator)
{
	char *at = strchr(text, separator);
	if (!at)
		return NULL;
	*at = '\0';
	return at + 1;
}

bool fuzz_is_listed(const char *name, const char *const *names)
{
	for (; *names; names++) {
		if (strcmp(name, *names) == 0)
			return true;
	}
	return false;
}

json_t *fuzz_body(const uint8_t *data, size_t size)
{
	if (size == 0 || size > BODY_MAX_BYTES)
		return NULL;
	json_error_t error;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);
	if (json_is_object(body))
		return body;
	json_decref(body);
	return NULL;
}

void fuzz_exchange_init(struct fuzz_exchange *exchange)
{
	memset(exchange, 0, sizeof *exchange);
	FUZZ_CHECK(ulfius_init_request(&exchange->raw) == U_OK);
	FUZZ_CHECK(ulfius_init_response(&exchange->response) == U_OK);
	exchange->request.raw = &exchange->raw;
	exchange->request.response = &exchange->response;
	snprintf(exchange->request.id, sizeof exchange->request.id, "fuzz");
}

void fuzz_exchange_free(struct fuzz_exchange *exchange)
{
	ulfius_clean_request(&exchange->raw);
	ulfius_clean_response(&exchange->response);
}

void fuzz_check_answer(const struct fuzz_exchange *exchange, bool ok)
{
	const struct _u_response *response = &exchange->response;
	if (ok) {
		FUZZ_CHECK(exchange->request.status == 0);
		FUZZ_CHECK(response->binary_body == NULL);
		return;
	}
	unsigned status = exchange->request.status;
	FUZZ_CHECK(status == 400 || status == 403 || status == 422);
	FUZZ_CHECK(response->status == (long)status);
	const char *type = u_map_get(response->map_header, "Content-Type");
	FUZZ_CHECK(type && strcmp(type, "application/problem+json") == 0);
	json_t *problem = json_loadb(response->binary_body, response->binary_body_length, 0, NULL);
	FUZZ_CHECK(json_is_object(problem));
	FUZZ_CHECK(json_integer_value(json_object_get(problem, "status")) == (json_int_t)status);
	/* The sentence the code wrote, not problem_new's stand-in for a garbled one. */
	const char *detail = json_string_value(json_object_get(problem, "detail"));
	FUZZ_CHECK(detail && strcmp(detail, problem_title(status)) != 0);
	json_decref(problem);
}
