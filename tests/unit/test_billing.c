#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "billing.h"

/* The facts of a note's day that a case sets; the rest are an organization's defaults
 * (whole units, 16 a day, no yearly cap, no authorization required, 95 and 93). */
struct billing_facts {
	int minutes;
	char modality[12];
	char group_modality[12]; /* "" for a note of no group session */
	enum unit_rounding rounding;
	int day_cap, billed_today;
	int year_cap, billed_this_year;
	bool uncertified;
	bool require_authorization;
	enum authorization_standing authorization;
	int remaining;
};

/* What billing must be. modifiers and reasons: space-separated, in order; pos "" for
 * none. */
struct billing_expected {
	bool billable;
	int units;
	char modifiers[8];
	char pos[4];
	bool uses_authorization;
	char reasons[120];
};

struct billing_case {
	struct billing_facts facts;
	struct billing_expected expected;
};

#define W	ROUNDING_WHOLE
#define H	ROUNDING_HALF_UP
#define NONE	AUTHORIZATION_NONE
#define USED_UP AUTHORIZATION_EXHAUSTED
#define HELD	AUTHORIZATION_HELD

/* Shorthands: a note of minutes by modality under rounding and the daily cap. */
#define NOTE(min, mod, rnd, cap, before)                                          \
	.minutes = (min), .modality = (mod), .rounding = (rnd), .day_cap = (cap), \
	.billed_today = (before)
#define GATED(standing, left) \
	.require_authorization = true, .authorization = (standing), .remaining = (left)

ParameterizedTestParameters(billing, table)
{
	static struct billing_case cases[] = {
		/* whole: 15 full minutes make a unit. */
		{{NOTE(0, "in_person", W, 16, 0)}, {false, 0, "", "11", false, "under_one_unit"}},
		{{NOTE(7, "in_person", W, 16, 0)}, {false, 0, "", "11", false, "under_one_unit"}},
		{{NOTE(14, "in_person", W, 16, 0)}, {false, 0, "", "11", false, "under_one_unit"}},
		{{NOTE(15, "in_person", W, 16, 0)}, {true, 1, "", "11", false, ""}},
		{{NOTE(29, "in_person", W, 16, 0)}, {true, 1, "", "11", false, ""}},
		{{NOTE(30, "in_person", W, 16, 0)}, {true, 2, "", "11", false, ""}},
		{{NOTE(480, "in_person", W, 96, 0)}, {true, 32, "", "11", false, ""}},
		/* half_up: 8 minutes or more of a unit count. */
		{{NOTE(7, "community", H, 16, 0)}, {false, 0, "", "99", false, "under_one_unit"}},
		{{NOTE(8, "community", H, 16, 0)}, {true, 1, "", "99", false, ""}},
		{{NOTE(22, "community", H, 16, 0)}, {true, 1, "", "99", false, ""}},
		{{NOTE(23, "community", H, 16, 0)}, {true, 2, "", "99", false, ""}},
		{{NOTE(37, "community", H, 16, 0)}, {true, 2, "", "99", false, ""}},
		{{NOTE(38, "community", H, 16, 0)}, {true, 3, "", "99", false, ""}},
		{{NOTE(480, "community", H, 96, 0)}, {true, 32, "", "99", false, ""}},
		/* The daily cap: exactly reached, cut, and already full. */
		{{NOTE(480, "home_visit", W, 16, 0)}, {true, 16, "", "12", false, ""}},
		{{NOTE(60, "home_visit", W, 16, 13)}, {true, 3, "", "12", false, ""}},
		{{NOTE(60, "home_visit", W, 16, 16)},
		 {false, 0, "", "12", false, "daily_cap_reached"}},
		{{NOTE(60, "home_visit", W, 16, 20)},
		 {false, 0, "", "12", false, "daily_cap_reached"}},
		/* Text is never billable and has no place; certification is the day's. */
		{{NOTE(60, "text", W, 16, 0)}, {false, 0, "", "", false, "text_modality"}},
		{{NOTE(60, "in_person", W, 16, 0), .uncertified = true},
		 {false, 0, "", "11", false, "not_certified"}},
		/* Telehealth: the organization's modifiers, place 10. */
		{{NOTE(30, "video", W, 16, 0)}, {true, 2, "95", "10", false, ""}},
		{{NOTE(30, "phone", W, 16, 0)}, {true, 2, "93", "10", false, ""}},
		/* A group: HQ, and the session's way of meeting beside it. */
		{{NOTE(60, "group", W, 16, 0), .group_modality = "in_person"},
		 {true, 4, "HQ", "11", false, ""}},
		{{NOTE(60, "group", W, 16, 0), .group_modality = "video"},
		 {true, 4, "HQ 95", "10", false, ""}},
		{{NOTE(60, "group", W, 16, 0), .group_modality = "phone"},
		 {true, 4, "HQ 93", "10", false, ""}},
		{{NOTE(60, "group", W, 16, 0), .group_modality = "community"},
		 {true, 4, "HQ", "99", false, ""}},
		{{NOTE(60, "group", W, 16, 0)}, {true, 4, "HQ", "11", false, ""}},
		/* Even a group note that cannot be billed says what it was. */
		{{NOTE(60, "group", W, 16, 0), .group_modality = "video", .uncertified = true},
		 {false, 0, "HQ 95", "10", false, "not_certified"}},
		/* The yearly cap: room, cut, exactly full, over. */
		{{NOTE(60, "in_person", W, 16, 0), .year_cap = 900, .billed_this_year = 800},
		 {true, 4, "", "11", false, ""}},
		{{NOTE(60, "in_person", W, 16, 0), .year_cap = 900, .billed_this_year = 898},
		 {true, 2, "", "11", false, ""}},
		{{NOTE(60, "in_person", W, 16, 0), .year_cap = 900, .billed_this_year = 900},
		 {false, 0, "", "11", false, "annual_cap_reached"}},
		{{NOTE(60, "in_person", W, 16, 0), .year_cap = 900, .billed_this_year = 950},
		 {false, 0, "", "11", false, "annual_cap_reached"}},
		/* The daily cap cuts deeper than the yearly, and the other way round. */
		{{NOTE(60, "in_person", W, 16, 15), .year_cap = 900, .billed_this_year = 897},
		 {true, 1, "", "11", false, ""}},
		{{NOTE(60, "in_person", W, 16, 10), .year_cap = 900, .billed_this_year = 899},
		 {true, 1, "", "11", false, ""}},
		/* No authorization needed: the standing is not asked. */
		{{NOTE(60, "in_person", W, 16, 0), .authorization = NONE},
		 {true, 4, "", "11", false, ""}},
		/* The gate: held with room, cut to what remains, used up, none. */
		{{NOTE(60, "in_person", W, 16, 0), GATED(HELD, 10)}, {true, 4, "", "11", true, ""}},
		{{NOTE(60, "in_person", W, 16, 0), GATED(HELD, 4)}, {true, 4, "", "11", true, ""}},
		{{NOTE(60, "in_person", W, 16, 0), GATED(HELD, 1)}, {true, 1, "", "11", true, ""}},
		{{NOTE(60, "in_person", W, 16, 0), GATED(USED_UP, 0)},
		 {false, 0, "", "11", false, "authorization_exhausted"}},
		{{NOTE(60, "in_person", W, 16, 0), GATED(NONE, 0)},
		 {false, 0, "", "11", false, "no_authorization"}},
		/* A held authorization with nothing left is no room either. */
		{{NOTE(60, "in_person", W, 16, 0), GATED(HELD, 0)},
		 {false, 0, "", "11", false, "authorization_exhausted"}},
		/* The smallest of the authorization, the day and the year wins. */
		{{NOTE(120, "video", W, 16, 13), .year_cap = 900, .billed_this_year = 898,
		  GATED(HELD, 5)},
		 {true, 2, "95", "10", true, ""}},
		{{NOTE(120, "video", W, 16, 10), .year_cap = 900, .billed_this_year = 800,
		  GATED(HELD, 3)},
		 {true, 3, "95", "10", true, ""}},
		/* Every cause is listed. */
		{{NOTE(5, "text", W, 16, 16), .uncertified = true, .year_cap = 100,
		  .billed_this_year = 100, GATED(NONE, 0)},
		 {false, 0, "", "", false,
		  "not_certified text_modality under_one_unit daily_cap_reached annual_cap_reached "
		  "no_authorization"}},
		{{NOTE(60, "phone", W, 16, 16), .year_cap = 100, .billed_this_year = 100,
		  GATED(USED_UP, 0)},
		 {false, 0, "93", "10", false,
		  "daily_cap_reached annual_cap_reached authorization_exhausted"}},
		{{NOTE(10, "phone", W, 16, 0), .uncertified = true},
		 {false, 0, "93", "10", false, "not_certified under_one_unit"}},
	};
	return cr_make_param_array(struct billing_case, cases, sizeof cases / sizeof cases[0]);
}

/* The space-separated list of count texts. */
static void joined(const char *const *texts, size_t count, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s", used ? " " : "", texts[i]);
	}
}

ParameterizedTest(struct billing_case *c, billing, table)
{
	const struct billing_facts *f = &c->facts;
	struct billing_input input = {
		.duration_minutes = f->minutes,
		.modality = f->modality,
		.group_modality = f->group_modality[0] ? f->group_modality : NULL,
		.rounding = f->rounding,
		.max_units_per_day = f->day_cap,
		.units_billed_today = f->billed_today,
		.max_units_per_year = f->year_cap,
		.units_billed_this_year = f->billed_this_year,
		.certified_on_day = !f->uncertified,
		.require_authorization = f->require_authorization,
		.authorization = f->authorization,
		.authorization_units_remaining = f->remaining,
		.video_modifier = "95",
		.phone_modifier = "93",
	};
	struct billing out;
	billing_compute(&input, &out);
	char reasons[160], modifiers[16];
	joined(out.reasons, out.reason_count, reasons, sizeof reasons);
	joined(out.modifiers, out.modifier_count, modifiers, sizeof modifiers);
	const struct billing_expected *e = &c->expected;
	cr_assert_eq(out.billable, e->billable, "%d min %s", f->minutes, f->modality);
	cr_assert_eq(out.units, e->units, "%d min %s: %d units", f->minutes, f->modality,
		     out.units);
	cr_assert_str_eq(reasons, e->reasons, "%d min %s", f->minutes, f->modality);
	cr_assert_str_eq(modifiers, e->modifiers, "%d min %s", f->minutes, f->modality);
	cr_assert_str_eq(out.place_of_service ? out.place_of_service : "", e->pos, "%s",
			 f->modality);
	cr_assert_eq(out.uses_authorization, e->uses_authorization, "%d min %s", f->minutes,
		     f->modality);
	cr_assert_str_eq(out.code, "H0038");
}

Test(billing, an_organization_chooses_its_telehealth_modifiers)
{
	struct billing_input video = {.duration_minutes = 30,
				      .modality = "video",
				      .max_units_per_day = 16,
				      .certified_on_day = true,
				      .video_modifier = "GT",
				      .phone_modifier = "FQ"};
	struct billing out;
	billing_compute(&video, &out);
	cr_assert_eq(out.modifier_count, 1);
	cr_assert_str_eq(out.modifiers[0], "GT");
	video.modality = "phone";
	billing_compute(&video, &out);
	cr_assert_str_eq(out.modifiers[0], "FQ");
}

Test(billing, rounding_names)
{
	enum unit_rounding rounding;
	cr_assert(unit_rounding_parse("whole", &rounding));
	cr_assert_eq(rounding, ROUNDING_WHOLE);
	cr_assert(unit_rounding_parse("half_up", &rounding));
	cr_assert_eq(rounding, ROUNDING_HALF_UP);
	cr_assert_not(unit_rounding_parse("up", &rounding));
}
