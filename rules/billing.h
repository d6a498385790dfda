/* Billing a signed session note (API.md "Session notes"): the Medicaid code, its units
 * under the organization's rounding and daily cap, and every reason a note is not
 * billable. A pure function: the database supplies the facts of the day. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* HCPCS H0038: self-help/peer services, per 15 minutes. */
#define BILLING_CODE	       "H0038"
/* HQ: group setting. */
#define BILLING_MODIFIER_GROUP "HQ"

#define BILLING_REASONS_MAX 4

enum unit_rounding {
	ROUNDING_WHOLE,	  /* 15 full minutes make a unit */
	ROUNDING_HALF_UP, /* 8 minutes or more of a unit count */
};

struct billing_input {
	int duration_minutes;
	const char *modality; /* "in_person", "group", "text", ... */
	enum unit_rounding rounding;
	int max_units_per_day;	/* per participant and day */
	int units_billed_today; /* by notes of the same participant and day signed before */
	bool certified_on_day;	/* the specialist held an active certification that day */
};

struct billing {
	bool billable;
	const char *code;
	const char *modifiers[1];
	size_t modifier_count;
	int units;
	/* When not billable, every cause: "not_certified", "text_modality",
	 * "under_one_unit", "daily_cap_reached". */
	const char *reasons[BILLING_REASONS_MAX];
	size_t reason_count;
};

/* Units of duration_minutes under rounding, before any cap. */
int billing_units_for(int duration_minutes, enum unit_rounding rounding);

void billing_compute(const struct billing_input *input, struct billing *out);

/* Reads "whole" or "half_up"; false for anything else. */
bool unit_rounding_parse(const char *name, enum unit_rounding *out);
