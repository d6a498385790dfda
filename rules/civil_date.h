/* Calendar days (YYYY-MM-DD) without a time or zone: expiry dates, CEU completion days,
 * "today" in an organization's zone. Pure arithmetic, no clock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct civil_date {
	int year, month, day;
};

/* Reads YYYY-MM-DD naming a real day. Returns false for anything else. */
bool civil_date_parse(const char *text, struct civil_date *out);

/* Writes YYYY-MM-DD into out (at least 11 bytes). */
void civil_date_format(struct civil_date date, char *out, size_t size);

/* Negative, zero or positive as a is before, equal to or after b. */
int civil_date_compare(struct civil_date a, struct civil_date b);

/* The same day `years` earlier; 29 February becomes 28 February in a common year, as
 * PostgreSQL's date - interval 'n years' does. */
struct civil_date civil_date_minus_years(struct civil_date date, int years);

/* Days in month of year (month 1..12). */
int civil_date_days_in_month(int year, int month);

/* The day `days` after date (before it when negative). */
struct civil_date civil_date_add_days(struct civil_date date, int days);

/* Days from `from` to `to`: negative when to is before from (PostgreSQL's to - from). */
long civil_date_days_between(struct civil_date from, struct civil_date to);

/* ISO weekday: 1 Monday .. 7 Sunday. */
int civil_date_weekday(struct civil_date date);

/* Whole years from birth to day: the age on day. Someone born on 29 February turns a
 * year older on 1 March in a common year. Negative when day is before birth. */
int civil_date_age_on(struct civil_date birth, struct civil_date day);
