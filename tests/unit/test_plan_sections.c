/* A plan's sections (rules/plan_sections.c, and api/plan_checks.c's 422 made from it), as
 * tables of cases. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "plan_checks.h"
#include "plan_sections.h"

Test(plan_sections, kinds_and_their_keys)
{
	static const struct {
		const char *kind, *key;
		int shape; /* -1: not a section of the kind */
	} cases[] = {
		{"recovery", "strengths", PLAN_SECTION_TEXT},
		{"recovery", "supports", PLAN_SECTION_TEXT},
		{"recovery", "warning_signs", -1},
		{"recovery", "Strengths", -1},
		{"wrap", "post_crisis_plan", PLAN_SECTION_TEXT},
		{"wrap", "needs", -1},
		{"crisis", "people_to_ask_for_help", PLAN_SECTION_PEOPLE},
		{"crisis", "professionals", PLAN_SECTION_PEOPLE},
		{"crisis", "reasons_for_living", PLAN_SECTION_TEXT},
		{"crisis", "", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		enum plan_kind kind;
		cr_assert(plan_kind_parse(cases[i].kind, &kind), "%s", cases[i].kind);
		const struct plan_section *found = plan_section_find(kind, cases[i].key);
		if (cases[i].shape < 0)
			cr_assert_null(found, "%s.%s", cases[i].kind, cases[i].key);
		else
			cr_assert(found && (int)found->shape == cases[i].shape, "%s.%s",
				  cases[i].kind, cases[i].key);
	}
	enum plan_kind kind;
	cr_assert_not(plan_kind_parse("safety", &kind));
	cr_assert_not(plan_kind_parse(NULL, &kind));
	size_t counts[3];
	for (size_t k = 0; k < 3; k++)
		plan_kind_sections((enum plan_kind)k, &counts[k]);
	cr_assert(counts[PLAN_RECOVERY] == 3 && counts[PLAN_WRAP] == 7 && counts[PLAN_CRISIS] == 7);
}

/* The fields the 422 of sections (JSON text) of kind names, apart by spaces. */
static void named_fields(const char *kind_name, const char *sections, char *out, size_t size)
{
	enum plan_kind kind;
	cr_assert(plan_kind_parse(kind_name, &kind));
	json_t *doc = json_loads(sections, 0, NULL);
	cr_assert(doc, "%s", sections);
	struct field_errors errors;
	field_errors_init(&errors);
	plan_sections_check(kind, doc, &errors);
	size_t used = 0, index;
	json_t *error;
	out[0] = '\0';
	json_array_foreach (errors.items, index, error)
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "",
					 json_string_value(json_object_get(error, "field")));
	field_errors_free(&errors);
	json_decref(doc);
}

Test(plan_sections, every_broken_field_is_named)
{
	static const struct {
		const char *kind, *sections, *fields;
	} cases[] = {
		{"recovery", "{\"strengths\":\"Patient.\",\"needs\":\"A job.\"}", ""},
		{"recovery", "{\"strengths\":\"Line one.\\nLine two.\"}", ""},
		{"recovery", "{}", "sections"},
		{"recovery", "[]", ""}, /* not an object: validate_object's to name */
		{"recovery", "{\"hopes\":\"x\"}", "sections.hopes"},
		{"recovery", "{\"triggers\":\"x\"}", "sections.triggers"},
		{"recovery", "{\"needs\":\"\"}", "sections.needs"},
		{"recovery", "{\"needs\":1}", "sections.needs"},
		{"recovery", "{\"needs\":null}", "sections.needs"},
		{"recovery", "{\"needs\":{\"a\":\"b\"}}", "sections.needs"},
		{"wrap", "{\"triggers\":\"x\",\"crisis_plan\":\"y\",\"needs\":\"z\"}",
		 "sections.needs"},
		{"crisis",
		 "{\"professionals\":[{\"name\":\"Dr. Ortiz\",\"phone\":\"503-555-0100\"}]}", ""},
		{"crisis", "{\"professionals\":[{\"name\":\"Dr. Ortiz\"}]}", ""},
		{"crisis", "{\"professionals\":[]}", "sections.professionals"},
		{"crisis", "{\"professionals\":\"Dr. Ortiz\"}", "sections.professionals"},
		{"crisis", "{\"professionals\":[\"Dr. Ortiz\"]}", "sections.professionals[0]"},
		{"crisis", "{\"professionals\":[{\"phone\":\"1\"}]}",
		 "sections.professionals[0].name"},
		{"crisis", "{\"professionals\":[{\"name\":\"A\",\"email\":\"a@b.c\"}]}",
		 "sections.professionals[0].email"},
		{"crisis", "{\"people_to_ask_for_help\":[{\"name\":\"Mom\"},{\"name\":\" Dad\"}]}",
		 "sections.people_to_ask_for_help[1].name"},
		{"crisis", "{\"people_to_ask_for_help\":[{\"name\":\"Mom\",\"phone\":\"\"}]}",
		 "sections.people_to_ask_for_help[0].phone"},
		{"crisis", "{\"warning_signs\":\"\",\"strengths\":\"x\"}",
		 "sections.warning_signs sections.strengths"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char named[512];
		named_fields(cases[i].kind, cases[i].sections, named, sizeof named);
		cr_assert_str_eq(named, cases[i].fields, "%s %s", cases[i].kind, cases[i].sections);
	}
}

Test(plan_sections, text_and_people_have_their_bounds)
{
	char text[PLAN_TEXT_MAX + 2];
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	json_t *doc = json_pack("{s:s}", "needs", text);
	struct field_errors errors;
	field_errors_init(&errors);
	plan_sections_check(PLAN_RECOVERY, doc, &errors);
	cr_assert_eq(errors.count, 1, "4001 characters");
	json_object_set_new(doc, "needs", json_stringn(text, PLAN_TEXT_MAX));
	field_errors_free(&errors);
	field_errors_init(&errors);
	plan_sections_check(PLAN_RECOVERY, doc, &errors);
	cr_assert_eq(errors.count, 0, "4000 characters");
	field_errors_free(&errors);
	json_decref(doc);

	json_t *people = json_array();
	for (size_t i = 0; i <= PLAN_PEOPLE_MAX; i++)
		json_array_append_new(people, json_pack("{s:s}", "name", "Someone"));
	doc = json_pack("{s:o}", "people_to_ask_for_help", people);
	field_errors_init(&errors);
	plan_sections_check(PLAN_CRISIS, doc, &errors);
	cr_assert_eq(errors.count, 1, "51 people");
	field_errors_free(&errors);
	json_array_remove(people, 0);
	field_errors_init(&errors);
	plan_sections_check(PLAN_CRISIS, doc, &errors);
	cr_assert_eq(errors.count, 0, "50 people");
	field_errors_free(&errors);
	json_decref(doc);
}
