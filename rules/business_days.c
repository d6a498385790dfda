#include "business_days.h"

static int is_weekend(struct civil_date date)
{
	return civil_date_weekday(date) >= 6;
}

struct civil_date business_days_add(struct civil_date start, int count)
{
	struct civil_date day = start;
	while (count > 0) {
		day = civil_date_add_days(day, 1);
		if (!is_weekend(day))
			count--;
	}
	return day;
}
