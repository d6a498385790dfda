#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "business_days.h"
#include "test_day.h"

struct business_case {
	char start[11];
	int count;
	char expected[11];
};

ParameterizedTestParameters(business_days, add)
{
	/* 2026-11-20 is a Friday. */
	static struct business_case cases[] = {
		{"2026-11-16", 1, "2026-11-17"}, /* Monday + 1: Tuesday */
		{"2026-11-16", 2, "2026-11-18"},
		{"2026-11-19", 2, "2026-11-23"}, /* Thursday + 2: over the weekend to Monday */
		{"2026-11-20", 1, "2026-11-23"}, /* Friday + 1: Monday */
		{"2026-11-20", 2, "2026-11-24"}, /* Friday + 2: Tuesday */
		{"2026-11-21", 1, "2026-11-23"}, /* Saturday + 1: Monday */
		{"2026-11-22", 1, "2026-11-23"}, /* Sunday + 1: Monday */
		{"2026-11-22", 2, "2026-11-24"},
		{"2026-11-16", 5, "2026-11-23"}, /* a whole week */
		{"2026-11-20", 10, "2026-12-04"},
		{"2026-12-31", 1, "2027-01-01"}, /* across the year (holidays are not known) */
		{"2028-02-28", 1, "2028-02-29"}, /* a leap day is a Tuesday */
		{"2026-11-18", 0, "2026-11-18"},
	};
	return cr_make_param_array(struct business_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct business_case *c, business_days, add)
{
	char text[16];
	civil_date_format(business_days_add(test_day(c->start), c->count), text, sizeof text);
	cr_assert_str_eq(text, c->expected, "%s + %d business days", c->start, c->count);
}

Test(civil_date, weekdays)
{
	cr_assert_eq(civil_date_weekday(test_day("1970-01-01")), 4);
	cr_assert_eq(civil_date_weekday(test_day("2026-11-23")), 1);
	cr_assert_eq(civil_date_weekday(test_day("2026-11-22")), 7);
	cr_assert_eq(civil_date_weekday(test_day("2000-02-29")), 2);
	cr_assert_eq(civil_date_weekday(test_day("1969-12-31")), 3);
}

Test(civil_date, adding_days_crosses_months_and_years)
{
	char text[16];
	civil_date_format(civil_date_add_days(test_day("2024-02-28"), 1), text, sizeof text);
	cr_assert_str_eq(text, "2024-02-29");
	civil_date_format(civil_date_add_days(test_day("2026-12-31"), 1), text, sizeof text);
	cr_assert_str_eq(text, "2027-01-01");
	civil_date_format(civil_date_add_days(test_day("2026-03-01"), -1), text, sizeof text);
	cr_assert_str_eq(text, "2026-02-28");
	civil_date_format(civil_date_add_days(test_day("2026-11-23"), 365), text, sizeof text);
	cr_assert_str_eq(text, "2027-11-23");
}

struct age_case {
	char born[11];
	char on[11];
	int age;
};

ParameterizedTestParameters(civil_date, age_on)
{
	static struct age_case cases[] = {
		{"2005-11-23", "2026-11-23", 21}, /* the birthday itself: 21 */
		{"2005-11-24", "2026-11-23", 20}, /* the day before the 21st birthday */
		{"2005-11-22", "2026-11-23", 21}, {"2005-12-01", "2026-11-23", 20},
		{"2008-02-29", "2026-02-28", 17}, /* a leap-day birthday comes on 1 March */
		{"2008-02-29", "2026-03-01", 18}, {"2008-02-29", "2028-02-29", 20},
		{"2026-11-23", "2026-11-23", 0},
	};
	return cr_make_param_array(struct age_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct age_case *c, civil_date, age_on)
{
	cr_assert_eq(civil_date_age_on(test_day(c->born), test_day(c->on)), c->age,
		     "born %s, on %s", c->born, c->on);
}
