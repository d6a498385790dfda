/* RFC 9457 problem details: the only shape an error takes in peerd. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "db.h"

struct request;
struct field_errors;

/* {"type", "title", "status", "detail"}; returns a new reference, NULL when out of memory. */
json_t *problem_new(unsigned status, const char *detail);

/* The HTTP reason phrase used as a problem's title. */
const char *problem_title(unsigned status);

/* Answers status with a problem whose detail is formatted like printf. */
void problem_send(struct request *request, unsigned status, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Answers 422 listing every field error collected. */
void problem_send_invalid(struct request *request, const struct field_errors *errors);

/* Answers 409 with detail and every field error collected: a change the state no longer
 * allows, naming what in it no longer holds. */
void problem_send_conflict(struct request *request, const struct field_errors *errors,
			   const char *detail);

/* Answers 422 with one field error, formatted like printf. */
void problem_send_field(struct request *request, const char *field, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Answers 401 with `WWW-Authenticate: Bearer`; with error="invalid_token" when a token was
 * sent and refused (RFC 6750 3.1: no error code when none was sent). */
void problem_send_unauthorized(struct request *request, bool token_sent, const char *detail);

/* Answers 503 with `Retry-After`. */
void problem_send_unavailable(struct request *request, const char *detail);

/* Answers for a failed database call: 503 when the database is unreachable or slow or
 * lacks peerd's schema, 409 for a duplicate, 422 for a value the schema refuses, else 500
 * (logged: a defect). */
void problem_send_database(struct request *request, enum db_status status);

/* What a named constraint's violation means to the client. */
struct constraint_answer {
	const char *constraint; /* NULL ends a table */
	unsigned status;	/* 409 or 422 */
	const char *field;	/* named in the 422's errors, or NULL */
	const char *message;	/* the 409's detail, or the field's message */
};

/* As problem_send_database, but a violation of a constraint listed in answers gets that
 * answer, so the client learns which field or duplicate it was. */
void problem_send_constraint(struct request *request, enum db_status status,
			     const struct db_conn *db, const struct constraint_answer *answers);
