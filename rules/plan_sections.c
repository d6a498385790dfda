#include "plan_sections.h"

#include <string.h>

const char *const PLAN_KINDS[] = {"recovery", "wrap", "crisis", NULL};

static const struct plan_section RECOVERY[] = {
	{"strengths", PLAN_SECTION_TEXT},
	{"needs", PLAN_SECTION_TEXT},
	{"supports", PLAN_SECTION_TEXT},
};

static const struct plan_section WRAP[] = {
	{"wellness_toolbox", PLAN_SECTION_TEXT},
	{"daily_maintenance", PLAN_SECTION_TEXT},
	{"triggers", PLAN_SECTION_TEXT},
	{"early_warning_signs", PLAN_SECTION_TEXT},
	{"when_things_are_breaking_down", PLAN_SECTION_TEXT},
	{"crisis_plan", PLAN_SECTION_TEXT},
	{"post_crisis_plan", PLAN_SECTION_TEXT},
};

/* Stanley and Brown's six steps, with the means of harm made safe and the reasons for
 * living that the plan opens with in practice. */
static const struct plan_section CRISIS[] = {
	{"warning_signs", PLAN_SECTION_TEXT},
	{"coping_strategies", PLAN_SECTION_TEXT},
	{"people_and_places", PLAN_SECTION_TEXT},
	{"people_to_ask_for_help", PLAN_SECTION_PEOPLE},
	{"professionals", PLAN_SECTION_PEOPLE},
	{"making_the_environment_safe", PLAN_SECTION_TEXT},
	{"reasons_for_living", PLAN_SECTION_TEXT},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct plan_section *sections;
	size_t count;
} BY_KIND[] = {
	[PLAN_RECOVERY] = {RECOVERY, COUNT(RECOVERY)},
	[PLAN_WRAP] = {WRAP, COUNT(WRAP)},
	[PLAN_CRISIS] = {CRISIS, COUNT(CRISIS)},
};

_Static_assert(COUNT(WRAP) == PLAN_SECTIONS_MAX && COUNT(CRISIS) <= PLAN_SECTIONS_MAX &&
		       COUNT(RECOVERY) <= PLAN_SECTIONS_MAX,
	       "PLAN_SECTIONS_MAX is the most sections of a kind");

bool plan_kind_parse(const char *name, enum plan_kind *out)
{
	for (size_t i = 0; name && PLAN_KINDS[i]; i++) {
		if (strcmp(name, PLAN_KINDS[i]) == 0) {
			*out = (enum plan_kind)i;
			return true;
		}
	}
	return false;
}

const struct plan_section *plan_kind_sections(enum plan_kind kind, size_t *count)
{
	*count = BY_KIND[kind].count;
	return BY_KIND[kind].sections;
}

const struct plan_section *plan_section_find(enum plan_kind kind, const char *key)
{
	size_t count;
	const struct plan_section *sections = plan_kind_sections(kind, &count);
	for (size_t i = 0; key && i < count; i++) {
		if (strcmp(sections[i].key, key) == 0)
			return &sections[i];
	}
	return NULL;
}

const char *plan_section_shape_name(enum plan_section_shape shape)
{
	return shape == PLAN_SECTION_PEOPLE ? "people" : "text";
}
