/* Hours (rules/certification.c hours_parse, api/hours.c): the input is PostgreSQL
 * numeric text as peerd reads it back, and also a JSON number as a client sends it. The
 * promises: parsed hours are not negative and read the same once written out again; a
 * number check_hours accepts is written as SQL text that hours_parse reads back to the
 * same hundredths. */
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "certification.h"
#include "hours.h"

static void check_text(const char *text)
{
	long long hundredths = -1;
	bool parsed = hours_parse(text, &hundredths);
	json_t *shown = hours_json_from_text(text);
	FUZZ_CHECK(shown && json_is_number(shown) == parsed);
	json_decref(shown);
	if (!parsed)
		return;
	FUZZ_CHECK(hundredths >= 0);
	char written[32];
	snprintf(written, sizeof written, "%lld.%02lld", hundredths / 100, hundredths % 100);
	long long again = -1;
	FUZZ_CHECK(hours_parse(written, &again) && again == hundredths);
}

/* A client's number, as CERTIFICATION_FIELDS and CEU_FIELDS check it (0 to 10000). */
static void check_number(const char *text)
{
	json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
	double number = json_number_value(value);
	if (json_is_number(value) && number >= 0 && number <= 10000 && !check_hours(value)) {
		char sql[48];
		FUZZ_CHECK(hours_sql(value, sql, sizeof sql));
		long long hundredths = -1;
		FUZZ_CHECK(hours_parse(sql, &hundredths));
		FUZZ_CHECK(hundredths == llround(number * 100.0));
	}
	json_decref(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	check_text(text);
	check_number(text);
	free(text);
	return 0;
}
