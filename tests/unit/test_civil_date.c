#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "civil_date.h"
#include "test_day.h"

Test(civil_date, parses_real_days_only)
{
	const char *good[] = {"2026-11-23", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"};
	const char *bad[] = {"2026-02-29", "1900-02-29", "2026-13-01",	"2026-00-10",
			     "2026-04-31", "2026-1-01",	 "2026-01-01T", " 2026-01-01",
			     "0000-01-01", "",		 "2026/01/01",	"abcd-ef-gh"};
	struct civil_date date;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_assert(civil_date_parse(good[i], &date), "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_not(civil_date_parse(bad[i], &date), "%s", bad[i]);
	cr_assert_not(civil_date_parse(NULL, &date));
}

Test(civil_date, formats_what_it_parses)
{
	char text[16];
	civil_date_format(test_day("2027-03-09"), text, sizeof text);
	cr_assert_str_eq(text, "2027-03-09");
}

Test(civil_date, compares_by_year_month_day)
{
	cr_assert_lt(civil_date_compare(test_day("2026-12-31"), test_day("2027-01-01")), 0);
	cr_assert_lt(civil_date_compare(test_day("2027-01-31"), test_day("2027-02-01")), 0);
	cr_assert_gt(civil_date_compare(test_day("2027-02-02"), test_day("2027-02-01")), 0);
	cr_assert_eq(civil_date_compare(test_day("2027-02-01"), test_day("2027-02-01")), 0);
}

struct years_case {
	char from[11];
	int years;
	char expected[11];
};

ParameterizedTestParameters(civil_date, minus_years_clamps_like_postgresql)
{
	/* PostgreSQL: date '2028-02-29' - interval '2 years' = 2026-02-28. */
	static struct years_case cases[] = {
		{"2028-02-29", 2, "2026-02-28"},
		{"2028-02-29", 4, "2024-02-29"},
		{"2027-01-10", 2, "2025-01-10"},
		{"2027-12-31", 2, "2025-12-31"},
	};
	return cr_make_param_array(struct years_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct years_case *c, civil_date, minus_years_clamps_like_postgresql)
{
	char text[16];
	civil_date_format(civil_date_minus_years(test_day(c->from), c->years), text, sizeof text);
	cr_assert_str_eq(text, c->expected, "%s - %d years", c->from, c->years);
}
