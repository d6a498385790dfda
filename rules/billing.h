/* Billing a signed session note (API.md "Session notes" and "Coverage, authorizations and
 * claims"): the Medicaid code, its modifiers and place of service, its units under the
 * organization's rounding, the daily and yearly caps and the authorization, and every
 * reason a note is not billable. A pure function: the database supplies the facts of the
 * day. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* HCPCS H0038: self-help/peer services, per 15 minutes. */
#define BILLING_CODE	       "H0038"
/* HQ: group setting. */
#define BILLING_MODIFIER_GROUP "HQ"

#define BILLING_REASONS_MAX   7
#define BILLING_MODIFIERS_MAX 2

enum unit_rounding {
	ROUNDING_WHOLE,	  /* 15 full minutes make a unit */
	ROUNDING_HALF_UP, /* 8 minutes or more of a unit count */
};

/* The participant's authorizations on the day of service, as signing finds them. */
enum authorization_standing {
	AUTHORIZATION_NONE,	 /* none holds the day */
	AUTHORIZATION_EXHAUSTED, /* some hold the day, none has a unit left */
	AUTHORIZATION_HELD,	 /* one holds the day with units left */
};

struct billing_input {
	int duration_minutes;
	const char *modality; /* the note's: "in_person", "group", "text", ... */
	/* How a group met ("in_person", "video", "phone", "community"): the place of
	 * service and telehealth modifier of its notes. NULL for a note of no group session
	 * (a group note written on its own is taken as in person). */
	const char *group_modality;
	enum unit_rounding rounding;
	int max_units_per_day;	    /* per participant and day */
	int units_billed_today;	    /* by notes of the same participant and day signed before */
	int max_units_per_year;	    /* per participant and calendar year; 0: no cap */
	int units_billed_this_year; /* by notes of the participant signed before, that year */
	bool certified_on_day;	    /* the specialist held an active certification that day */
	bool require_authorization; /* the organization's setting */
	enum authorization_standing authorization;
	int authorization_units_remaining; /* AUTHORIZATION_HELD: of the one ending soonest */
	const char *video_modifier;	   /* the organization's telehealth_modifiers */
	const char *phone_modifier;
};

struct billing {
	bool billable;
	const char *code;
	const char *modifiers[BILLING_MODIFIERS_MAX];
	size_t modifier_count;
	int units;
	/* "11" in person, "12" home visit, "10" video or phone, "99" community; NULL for
	 * text, which has no place. */
	const char *place_of_service;
	/* The note draws its units from the held authorization (billable, under
	 * require_authorization). */
	bool uses_authorization;
	/* When not billable, every cause, in this order: "not_certified", "text_modality",
	 * "under_one_unit", "daily_cap_reached", "annual_cap_reached", "no_authorization",
	 * "authorization_exhausted". */
	const char *reasons[BILLING_REASONS_MAX];
	size_t reason_count;
};

/* Units of duration_minutes under rounding, before any cap. */
int billing_units_for(int duration_minutes, enum unit_rounding rounding);

void billing_compute(const struct billing_input *input, struct billing *out);

/* Reads "whole" or "half_up"; false for anything else. */
bool unit_rounding_parse(const char *name, enum unit_rounding *out);
