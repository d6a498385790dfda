#include "hours.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "certification.h"

/* The number as whole hundredths; false when it has more than two decimals. */
static bool to_hundredths(const json_t *value, long long *out)
{
	double scaled = json_number_value(value) * 100.0;
	double rounded = round(scaled);
	if (fabs(scaled - rounded) > 1e-6 || fabs(rounded) > 1e12)
		return false;
	*out = (long long)rounded;
	return true;
}

const char *check_hours(const json_t *value)
{
	long long hundredths;
	return to_hundredths(value, &hundredths) ? NULL : "must have at most two decimals";
}

json_t *hours_json(long long hundredths)
{
	if (hundredths % 100 == 0)
		return json_integer(hundredths / 100);
	return json_real((double)hundredths / 100.0);
}

json_t *hours_json_from_text(const char *text)
{
	long long hundredths;
	if (!text || !hours_parse(text, &hundredths))
		return json_null();
	return hours_json(hundredths);
}

json_t *hours_json_from_column(const PGresult *res, int row, int column)
{
	return hours_json_from_text(PQgetisnull(res, row, column) ? NULL
								  : PQgetvalue(res, row, column));
}

const char *hours_sql(const json_t *value, char *out, size_t size)
{
	long long hundredths;
	if (!json_is_number(value) || !to_hundredths(value, &hundredths))
		return NULL;
	snprintf(out, size, "%s%lld.%02lld", hundredths < 0 ? "-" : "", llabs(hundredths) / 100,
		 llabs(hundredths) % 100);
	return out;
}
