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
