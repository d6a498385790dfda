#include "civil_date.h"

#include <stdio.h>

static bool is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_date_days_in_month(int year, int month)
{
	static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	return month == 2 && is_leap_year(year) ? 29 : DAYS[month - 1];
}

static bool read_digits(const char *text, int count, int *out)
{
	int value = 0;
	for (int i = 0; i < count; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (text[i] - '0');
	}
	*out = value;
	return true;
}

bool civil_date_parse(const char *text, struct civil_date *out)
{
	struct civil_date date;
	if (!text || !read_digits(text, 4, &date.year) || text[4] != '-' ||
	    !read_digits(text + 5, 2, &date.month) || text[7] != '-' ||
	    !read_digits(text + 8, 2, &date.day) || text[10] != '\0')
		return false;
	if (date.year < 1 || date.day < 1 ||
	    date.day > civil_date_days_in_month(date.year, date.month))
		return false;
	*out = date;
	return true;
}

void civil_date_format(struct civil_date date, char *out, size_t size)
{
	snprintf(out, size, "%04d-%02d-%02d", date.year, date.month, date.day);
}

int civil_date_compare(struct civil_date a, struct civil_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

struct civil_date civil_date_minus_years(struct civil_date date, int years)
{
	struct civil_date earlier = {date.year - years, date.month, date.day};
	int last = civil_date_days_in_month(earlier.year, earlier.month);
	if (earlier.day > last)
		earlier.day = last;
	return earlier;
}

/* Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's days_from_civil. */
static long days_from_civil(struct civil_date date)
{
	long year = date.year - (date.month <= 2);
	long era = (year >= 0 ? year : year - 399) / 400;
	long year_of_era = year - era * 400;
	long month = date.month;
	long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
	long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
}

static struct civil_date civil_from_days(long days)
{
	days += 719468;
	long era = (days >= 0 ? days : days - 146096) / 146097;
	long day_of_era = days - era * 146097;
	long year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	long day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	long month_index = (5 * day_of_year + 2) / 153;
	long day = day_of_year - (153 * month_index + 2) / 5 + 1;
	long month = month_index < 10 ? month_index + 3 : month_index - 9;
	long year = year_of_era + era * 400 + (month <= 2);
	return (struct civil_date){(int)year, (int)month, (int)day};
}

struct civil_date civil_date_add_days(struct civil_date date, int days)
{
	return civil_from_days(days_from_civil(date) + days);
}

long civil_date_days_between(struct civil_date from, struct civil_date to)
{
	return days_from_civil(to) - days_from_civil(from);
}

int civil_date_weekday(struct civil_date date)
{
	long days = days_from_civil(date); /* 1970-01-01 was a Thursday (4) */
	long weekday = (days % 7 + 7 + 3) % 7;
	return (int)weekday + 1;
}

int civil_date_age_on(struct civil_date birth, struct civil_date day)
{
	int age = day.year - birth.year;
	if (day.month < birth.month || (day.month == birth.month && day.day < birth.day))
		age--;
	return age;
}
