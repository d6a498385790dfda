/* Business days for response deadlines (API.md: a referral's respond_by). */
#pragma once

#include "civil_date.h"

/* The day `count` business days (Monday to Friday) after start. A start on a weekend
 * counts from the next Monday: Friday + 1 is Monday, Saturday + 1 is Monday too.
 * Public holidays are not known to peerd and count as business days. */
struct civil_date business_days_add(struct civil_date start, int count);
