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

static bool is(const char *text, const char *name)
{
	return text && strcmp(text, name) == 0;
}

static void add_reason(struct billing *out, const char *reason)
{
	if (out->reason_count < BILLING_REASONS_MAX)
		out->reasons[out->reason_count++] = reason;
}

static void add_modifier(struct billing *out, const char *modifier)
{
	if (modifier && out->modifier_count < BILLING_MODIFIERS_MAX)
		out->modifiers[out->modifier_count++] = modifier;
}

/* How the contact was made: a group's notes take the way the group met. */
static const char *contact_modality(const struct billing_input *input)
{
	if (!is(input->modality, "group"))
		return input->modality;
	return input->group_modality ? input->group_modality : "in_person";
}

static const char *place_of_service(const char *contact)
{
	if (is(contact, "in_person"))
		return "11";
	if (is(contact, "home_visit"))
		return "12";
	if (is(contact, "video") || is(contact, "phone"))
		return "10";
	if (is(contact, "community"))
		return "99";
	return NULL;
}

static int at_least_zero(int value)
{
	return value < 0 ? 0 : value;
}

static int smaller(int a, int b)
{
	return a < b ? a : b;
}

void billing_compute(const struct billing_input *input, struct billing *out)
{
	memset(out, 0, sizeof *out);
	out->code = BILLING_CODE;
	const char *contact = contact_modality(input);
	if (is(input->modality, "group"))
		add_modifier(out, BILLING_MODIFIER_GROUP);
	if (is(contact, "video"))
		add_modifier(out, input->video_modifier);
	else if (is(contact, "phone"))
		add_modifier(out, input->phone_modifier);
	out->place_of_service = place_of_service(contact);

	int units = billing_units_for(input->duration_minutes, input->rounding);
	int room = at_least_zero(input->max_units_per_day - input->units_billed_today);
	int year_room =
		input->max_units_per_year > 0
			? at_least_zero(input->max_units_per_year - input->units_billed_this_year)
			: units;
	bool held = input->authorization == AUTHORIZATION_HELD &&
		    input->authorization_units_remaining > 0;
	int authorized = !input->require_authorization ? units
			 : held			       ? input->authorization_units_remaining
						       : 0;
	if (!input->certified_on_day)
		add_reason(out, "not_certified");
	if (is(input->modality, "text"))
		add_reason(out, "text_modality");
	if (units == 0)
		add_reason(out, "under_one_unit");
	if (room == 0)
		add_reason(out, "daily_cap_reached");
	if (input->max_units_per_year > 0 && year_room == 0)
		add_reason(out, "annual_cap_reached");
	if (input->require_authorization && !held)
		add_reason(out, input->authorization == AUTHORIZATION_NONE
					? "no_authorization"
					: "authorization_exhausted");
	out->billable = out->reason_count == 0;
	out->units =
		out->billable ? smaller(smaller(units, room), smaller(year_room, authorized)) : 0;
	out->uses_authorization = out->billable && input->require_authorization;
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
