/* Hours (training, continuing education, requirements) between JSON and SQL. They are
 * numeric(n, 2) in the database and hundredths in rules/certification.c, so a client's
 * 1.25 is stored and summed exactly. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

/* A field_rule check: a number with at most two decimals (1.25 yes, 1.333 no). */
const char *check_hours(const json_t *value);

/* The JSON number for hundredths: an integer when whole (12), else a real (1.25). */
json_t *hours_json(long long hundredths);

/* The JSON for PostgreSQL's numeric text ("1.50"), or null for NULL. */
json_t *hours_json_from_text(const char *text);

/* The same of column in row: the render of an hours member (ROW_CUSTOM, row_json.h). */
json_t *hours_json_from_column(const PGresult *res, int row, int column);

/* Writes a JSON number checked by check_hours as SQL numeric text ("1.25"), or returns
 * NULL (SQL NULL) when value is not a number. */
const char *hours_sql(const json_t *value, char *out, size_t size);
