#include "billing.h"

#include <string.h>

#define MINUTES_PER_UNIT 15

int billing_units_for(int duration_minutes, enum unit_rounding rounding)
{
	if (duration_minutes <= 0)
		return 0;
	int counted = rounding == ROUNDING_HALF_UP ? duration_minutes + MINUTES_PER_UNIT / 2
						   : duration_minutes;
	return counted / MINUTES_PER_UNIT;
}

static void add_reason(struct billing *out, const char *reason)
{
	if (out->reason_count < BILLING_REASONS_MAX)
		out->reasons[out->reason_count++] = reason;
}

void billing_compute(const struct billing_input *input, struct billing *out)
{
	memset(out, 0, sizeof *out);
	out->code = BILLING_CODE;
	if (input->modality && strcmp(input->modality, "group") == 0)
		out->modifiers[out->modifier_count++] = BILLING_MODIFIER_GROUP;
	int units = billing_units_for(input->duration_minutes, input->rounding);
	int room = input->max_units_per_day - input->units_billed_today;
	if (room < 0)
		room = 0;
	if (!input->certified_on_day)
		add_reason(out, "not_certified");
	if (input->modality && strcmp(input->modality, "text") == 0)
		add_reason(out, "text_modality");
	if (units == 0)
		add_reason(out, "under_one_unit");
	if (room == 0)
		add_reason(out, "daily_cap_reached");
	out->billable = out->reason_count == 0;
	out->units = out->billable ? (units < room ? units : room) : 0;
}

bool unit_rounding_parse(const char *name, enum unit_rounding *out)
{
	if (strcmp(name, "whole") == 0)
		*out = ROUNDING_WHOLE;
	else if (strcmp(name, "half_up") == 0)
		*out = ROUNDING_HALF_UP;
	else
		return false;
	return true;
}
