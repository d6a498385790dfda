#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "billing.h"

/* One case of API.md's billing rule. reasons: the causes, space-separated, in the order
 * billing_compute lists them. */
struct billing_case {
	int minutes;
	char modality[12];
	enum unit_rounding rounding;
	int cap, billed_before;
	bool certified;
	bool billable;
	int units;
	char reasons[80];
};

#define W ROUNDING_WHOLE
#define H ROUNDING_HALF_UP

ParameterizedTestParameters(billing, table)
{
	static struct billing_case cases[] = {
		/* whole: 15 full minutes make a unit. */
		{0, "phone", W, 16, 0, true, false, 0, "under_one_unit"},
		{7, "phone", W, 16, 0, true, false, 0, "under_one_unit"},
		{8, "phone", W, 16, 0, true, false, 0, "under_one_unit"},
		{14, "phone", W, 16, 0, true, false, 0, "under_one_unit"},
		{15, "phone", W, 16, 0, true, true, 1, ""},
		{22, "phone", W, 16, 0, true, true, 1, ""},
		{23, "phone", W, 16, 0, true, true, 1, ""},
		{29, "phone", W, 16, 0, true, true, 1, ""},
		{30, "phone", W, 16, 0, true, true, 2, ""},
		{480, "phone", W, 96, 0, true, true, 32, ""},
		/* half_up: 8 minutes or more of a unit count. */
		{0, "video", H, 16, 0, true, false, 0, "under_one_unit"},
		{7, "video", H, 16, 0, true, false, 0, "under_one_unit"},
		{8, "video", H, 16, 0, true, true, 1, ""},
		{14, "video", H, 16, 0, true, true, 1, ""},
		{15, "video", H, 16, 0, true, true, 1, ""},
		{22, "video", H, 16, 0, true, true, 1, ""},
		{23, "video", H, 16, 0, true, true, 2, ""},
		{29, "video", H, 16, 0, true, true, 2, ""},
		{30, "video", H, 16, 0, true, true, 2, ""},
		{37, "video", H, 16, 0, true, true, 2, ""},
		{38, "video", H, 16, 0, true, true, 3, ""},
		{480, "video", H, 96, 0, true, true, 32, ""},
		/* The daily cap: exactly reached, cut, and already full. */
		{480, "in_person", W, 16, 0, true, true, 16, ""},
		{60, "in_person", W, 16, 12, true, true, 4, ""},
		{60, "in_person", W, 16, 13, true, true, 3, ""},
		{60, "in_person", W, 16, 16, true, false, 0, "daily_cap_reached"},
		{60, "in_person", W, 16, 20, true, false, 0, "daily_cap_reached"},
		/* Text is never billable; certification is the day's. */
		{60, "text", W, 16, 0, true, false, 0, "text_modality"},
		{60, "home_visit", W, 16, 0, false, false, 0, "not_certified"},
		/* Every cause is listed. */
		{5, "text", W, 16, 16, false, false, 0,
		 "not_certified text_modality under_one_unit daily_cap_reached"},
		{10, "phone", W, 16, 0, false, false, 0, "not_certified under_one_unit"},
	};
	return cr_make_param_array(struct billing_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct billing_case *c, billing, table)
{
	struct billing_input input = {c->minutes, c->modality,	    c->rounding,
				      c->cap,	  c->billed_before, c->certified};
	struct billing out;
	billing_compute(&input, &out);
	char reasons[128] = "";
	for (size_t i = 0; i < out.reason_count; i++) {
		size_t used = strlen(reasons);
		snprintf(reasons + used, sizeof reasons - used, "%s%s", used ? " " : "",
			 out.reasons[i]);
	}
	cr_assert_eq(out.billable, c->billable, "%d min %s", c->minutes, c->modality);
	cr_assert_eq(out.units, c->units, "%d min %s: %d units", c->minutes, c->modality,
		     out.units);
	cr_assert_str_eq(reasons, c->reasons, "%d min %s", c->minutes, c->modality);
	cr_assert_str_eq(out.code, "H0038");
	cr_assert_eq(out.modifier_count, 0);
}

Test(billing, groups_carry_the_hq_modifier)
{
	struct billing_input group = {60, "group", ROUNDING_WHOLE, 16, 0, true};
	struct billing out;
	billing_compute(&group, &out);
	cr_assert(out.billable);
	cr_assert_eq(out.units, 4);
	cr_assert_eq(out.modifier_count, 1);
	cr_assert_str_eq(out.modifiers[0], "HQ");
	/* Even a group note that cannot be billed says what it was. */
	struct billing_input uncertified = {60, "group", ROUNDING_WHOLE, 16, 0, false};
	billing_compute(&uncertified, &out);
	cr_assert_not(out.billable);
	cr_assert_eq(out.modifier_count, 1);
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
