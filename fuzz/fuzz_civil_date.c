/* Days and moments as clients write them: civil dates (rules/civil_date.c), for body
 * fields and the ?from=/?to= filters, and RFC 3339 timestamps (service/validate.c). The
 * input is a text, or two texts separated by a line break. The promises: a date parses
 * only when it is written exactly as civil_date_format writes it; a day after and a day
 * before come back to it; two years earlier is a real day; comparison is antisymmetric
 * and agrees with the age; a timestamp is valid exactly when it has an epoch. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "civil_date.h"
#include "validate.h"

static void check_date(const char *text, struct civil_date date)
{
	char written[16];
	civil_date_format(date, written, sizeof written);
	FUZZ_CHECK(strcmp(written, text) == 0);
	FUZZ_CHECK(date_is_valid(text));
	int weekday = civil_date_weekday(date);
	FUZZ_CHECK(weekday >= 1 && weekday <= 7);
	struct civil_date next = civil_date_add_days(date, 1);
	FUZZ_CHECK(civil_date_compare(next, date) > 0);
	FUZZ_CHECK(civil_date_weekday(next) == weekday % 7 + 1);
	FUZZ_CHECK(civil_date_compare(civil_date_add_days(next, -1), date) == 0);
	struct civil_date earlier = civil_date_minus_years(date, 2);
	FUZZ_CHECK(earlier.day >= 1 &&
		   earlier.day <= civil_date_days_in_month(earlier.year, earlier.month));
	FUZZ_CHECK(civil_date_compare(earlier, date) < 0);
}

static void check_pair(struct civil_date a, struct civil_date b)
{
	int order = civil_date_compare(a, b);
	FUZZ_CHECK(civil_date_compare(b, a) == -order);
	int age = civil_date_age_on(a, b);
	FUZZ_CHECK(order > 0 ? age < 0 : age >= 0);
}

static void check_timestamp(const char *text)
{
	long long epoch = 0;
	FUZZ_CHECK(timestamp_is_valid(text) == timestamp_epoch(text, &epoch));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *first = fuzz_text(data, size);
	char *second = fuzz_split(first, '\n');
	struct civil_date a, b;
	bool has_a = civil_date_parse(first, &a);
	bool has_b = second && civil_date_parse(second, &b);
	if (has_a)
		check_date(first, a);
	else
		FUZZ_CHECK(!date_is_valid(first));
	if (has_b)
		check_date(second, b);
	if (has_a && has_b)
		check_pair(a, b);
	check_timestamp(first);
	if (second)
		check_timestamp(second);
	free(first);
	return 0;
}
