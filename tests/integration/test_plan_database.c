/* The database holds a plan's sections to the same rule as the API (sql/028_plans.sql):
 * its table of each kind's keys is rules/plan_sections.c's, and sections that break the
 * rule cannot be stored by any writer. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "plan_sections.h"
#include "plans_support.h"

TestSuite(plan_database, .init = arena_open, .fini = arena_close);

Test(plan_database, each_kinds_keys_and_shapes_are_rules_plan_sections)
{
	for (size_t k = 0; PLAN_KINDS[k]; k++) {
		size_t count;
		const struct plan_section *sections = plan_kind_sections((enum plan_kind)k, &count);
		json_t *expected = json_array();
		for (size_t i = 0; i < count; i++)
			json_array_append_new(
				expected, json_pack("[s, s]", sections[i].key,
						    plan_section_shape_name(sections[i].shape)));
		char *text = test_sql_text("SELECT json_agg(json_build_array(key, shape))"
					   " FROM plan_section_keys($1::plan_kind)",
					   1, (const char *[]){PLAN_KINDS[k]});
		json_t *stored = json_loads(text, 0, NULL);
		cr_assert(json_equal(expected, stored), "%s: %s", PLAN_KINDS[k], text);
		json_decref(stored);
		json_decref(expected);
		free(text);
	}
}

Test(plan_database, sections_that_break_the_rule_are_never_stored)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *id =
		plan_draft_ok(plans.person.id, plans.provider.supervisor.token, plan_doc("crisis"));
	const char *const broken[] = {
		"{}",
		"[]",
		"{\"strengths\":\"x\"}",
		"{\"warning_signs\":\"\"}",
		"{\"warning_signs\":7}",
		"{\"professionals\":[]}",
		"{\"professionals\":[{\"phone\":\"988\"}]}",
		"{\"professionals\":[{\"name\":\"A\",\"email\":\"a@example.org\"}]}",
		"{\"professionals\":[{\"name\":\"A\",\"phone\":null}]}",
		"{\"people_to_ask_for_help\":\"Mom\"}",
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		database_refuses("UPDATE plans SET sections = $2::jsonb WHERE id = $1", 2,
				 (const char *[]){id, broken[i]}, "plans_sections_valid");
		database_refuses("INSERT INTO plans (organization_id, participant_id, kind,"
				 " sections, created_by) SELECT organization_id, participant_id,"
				 " kind, $2::jsonb, 'test' FROM plans WHERE id = $1",
				 2, (const char *[]){id, broken[i]}, "plans_sections_valid");
	}
	/* 4001 characters is one too many. */
	char *sections =
		test_sql_text("SELECT json_build_object('warning_signs', repeat('é', $1::int))", 1,
			      (const char *[]){"4001"});
	database_refuses("UPDATE plans SET sections = $2::jsonb WHERE id = $1", 2,
			 (const char *[]){id, sections}, "plans_sections_valid");
	free(sections);
}
