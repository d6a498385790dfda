/* Calendar days in unit tests, written as text. */
#pragma once

#include <criterion/criterion.h>

#include "civil_date.h"

/* The day text names; fails the test when it names none. */
static inline struct civil_date test_day(const char *text)
{
	struct civil_date date;
	cr_assert(civil_date_parse(text, &date), "%s", text);
	return date;
}
