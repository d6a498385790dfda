/* What a plan must hold (API.md "Plans"): the sections of its kind and no other, each of
 * its shape and length, goals of its participant, a revision of the participant's active
 * plan of the same kind, a participant's signature not after today. Each broken field is
 * named in one 422, which writes nothing. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "plans_support.h"

TestSuite(plan_rules, .init = arena_open, .fini = arena_close);

/* The participant's plans token lists now, as ids. */
static void plan_ids(const struct plan_world *plans, char *out, size_t size)
{
	char path[160];
	snprintf(path, sizeof path, "/v1/participants/%s/plans?limit=200", plans->person.id);
	list_ids(path, plans->provider.supervisor.token, out, size);
}

/* A body (JSON text; {goal} stands for the person's goal, {other_goal} for another
 * person's) and the fields its 422 names, apart by spaces. */
static const struct {
	const char *body;
	const char *fields;
} INVALID[] = {
	{"{\"kind\":\"recovery\",\"sections\":{\"hopes\":\"x\"}}", "sections.hopes"},
	{"{\"kind\":\"recovery\",\"sections\":{}}", "sections"},
	{"{\"kind\":\"recovery\",\"sections\":[]}", "sections"},
	{"{\"kind\":\"recovery\"}", "sections"},
	{"{\"sections\":{\"needs\":\"x\"}}", "kind"},
	{"{\"kind\":\"safety\",\"sections\":{\"needs\":\"x\"}}", "kind"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":\"\"}}", "sections.needs"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":7}}", "sections.needs"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":null}}", "sections.needs"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":[\"x\"]}}", "sections.needs"},
	/* A key of another kind. */
	{"{\"kind\":\"recovery\",\"sections\":{\"warning_signs\":\"x\"}}",
	 "sections.warning_signs"},
	{"{\"kind\":\"wrap\",\"sections\":{\"strengths\":\"x\",\"triggers\":\"y\"}}",
	 "sections.strengths"},
	{"{\"kind\":\"crisis\",\"sections\":{\"professionals\":[{\"phone\":\"988\"}]}}",
	 "sections.professionals[0].name"},
	{"{\"kind\":\"crisis\",\"sections\":{\"professionals\":[{\"name\":\"Dr. Ortiz\","
	 "\"email\":\"o@example.org\"}]}}",
	 "sections.professionals[0].email"},
	{"{\"kind\":\"crisis\",\"sections\":{\"people_to_ask_for_help\":[]}}",
	 "sections.people_to_ask_for_help"},
	{"{\"kind\":\"crisis\",\"sections\":{\"people_to_ask_for_help\":\"Mom\"}}",
	 "sections.people_to_ask_for_help"},
	{"{\"kind\":\"crisis\",\"sections\":{\"people_to_ask_for_help\":[\"Mom\"]}}",
	 "sections.people_to_ask_for_help[0]"},
	{"{\"kind\":\"crisis\",\"sections\":{\"professionals\":[{\"name\":\"\",\"phone\":\"\"}],"
	 "\"warning_signs\":\"\",\"pets\":\"x\"}}",
	 "sections.professionals[0].name sections.professionals[0].phone sections.warning_signs "
	 "sections.pets"},
	/* Goals: another participant's, not a UUID, unknown. */
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":\"x\"},\"goal_ids\":[\"{goal}\",\"{other_"
	 "goal}\"]}",
	 "goal_ids[1]"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":\"x\"},\"goal_ids\":[\"nope\"]}",
	 "goal_ids[0]"},
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":\"x\"},\"goal_ids\":[\"" UNKNOWN_ID "\"]}",
	 "goal_ids[0]"},
	/* What the server sets. */
	{"{\"kind\":\"recovery\",\"sections\":{\"needs\":\"x\"},\"status\":\"active\","
	 "\"next_review_on\":\"2030-01-01\"}",
	 "status next_review_on"},
	{"{\"revises\":\"" UNKNOWN_ID "\"}", "revises"},
	{"{\"revises\":\"nope\"}", "revises"},
};

/* text with {goal} and {other_goal} written as goal and other_goal. */
static void fill_goals(const char *text, const char *goal, const char *other_goal, char *out,
		       size_t size)
{
	size_t used = 0;
	for (const char *p = text; *p && used + 1 < size;) {
		const char *with = NULL;
		if (strncmp(p, "{goal}", 6) == 0)
			with = goal, p += 6;
		else if (strncmp(p, "{other_goal}", 12) == 0)
			with = other_goal, p += 12;
		if (with)
			used += (size_t)snprintf(out + used, size - used, "%s", with);
		else
			out[used++] = *p++;
	}
	out[used < size ? used : size - 1] = '\0';
}

Test(plan_rules, every_broken_field_is_named_and_nothing_is_written)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	struct person other;
	person_assigned(&other, &plans.provider, &plans.provider.specialist);
	char before[4096], after[4096];
	plan_ids(&plans, before, sizeof before);
	for (size_t c = 0; c < sizeof INVALID / sizeof INVALID[0]; c++) {
		char body[1024], path[160];
		fill_goals(INVALID[c].body, plans.person.goal_id, other.goal_id, body, sizeof body);
		snprintf(path, sizeof path, "/v1/participants/%s/plans", plans.person.id);
		struct http_response *refused =
			http_post(path, plans.provider.specialist.token, body);
		cr_assert_eq(refused->status, 422, "%s: %s", body, refused->body);
		size_t named = 0;
		char field[96];
		int used = 0;
		for (const char *f = INVALID[c].fields; sscanf(f, " %95s%n", field, &used) == 1;
		     f += used, named++)
			assert_error_names(refused, field);
		cr_assert_eq(json_array_size(json_object_get(refused->json, "errors")), named,
			     "%s: %s", body, refused->body);
	}
	plan_ids(&plans, after, sizeof after);
	cr_assert_str_eq(before, after);
}

Test(plan_rules, text_is_one_to_four_thousand_characters_counted_as_characters)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	/* 4000 characters of two bytes each: as long as a section may be. */
	size_t size = 4001 * 2 + 1;
	char *text = arena_text(calloc(size, 1));
	for (size_t i = 0; i < 4000; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	json_t *doc = json_pack("{s:s, s:{s:s}}", "kind", "wrap", "sections", "crisis_plan", text);
	plan_draft_ok(plans.person.id, plans.provider.specialist.token, doc);
	memcpy(text + 8000, "\xc3\xa9", 2);
	doc = json_pack("{s:s, s:{s:s}}", "kind", "wrap", "sections", "crisis_plan", text);
	struct http_response *refused =
		plan_post(plans.person.id, plans.provider.specialist.token, doc);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "sections.crisis_plan");
}

Test(plan_rules, a_revision_names_the_active_plan_of_the_same_participant_and_kind)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *specialist = plans.provider.specialist.token;
	struct person other;
	person_assigned(&other, &plans.provider, &plans.provider.specialist);
	char today[16];
	days_from_today(0, today, sizeof today);
	const char *draft = plan_draft_ok(plans.person.id, specialist, plan_doc("recovery"));
	const char *active = plan_draft_ok(plans.person.id, specialist, plan_doc("recovery"));
	plan_sign_ok(active, specialist, today);
	const char *others = plan_draft_ok(other.id, specialist, plan_doc("recovery"));
	plan_sign_ok(others, specialist, today);

	const struct {
		const char *revises, *extra, *field;
	} CASES[] = {
		{draft, "", "revises"},			  /* a draft, not active */
		{others, "", "revises"},		  /* another participant's */
		{active, ",\"kind\":\"crisis\"", "kind"}, /* another kind */
	};
	char path[160];
	snprintf(path, sizeof path, "/v1/participants/%s/plans", plans.person.id);
	for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
		char body[256];
		snprintf(body, sizeof body, "{\"revises\":\"%s\"%s}", CASES[c].revises,
			 CASES[c].extra);
		struct http_response *refused = http_post(path, specialist, body);
		cr_assert_eq(refused->status, 422, "%s: %s", body, refused->body);
		assert_error_names(refused, CASES[c].field);
	}
	/* The same kind said again, and sections given: the copy takes them. */
	char body[256];
	snprintf(body, sizeof body,
		 "{\"revises\":\"%s\",\"kind\":\"recovery\",\"sections\":{\"supports\":\"NA\"}}",
		 active);
	struct http_response *revision = http_post(path, specialist, body);
	expect(revision, 201, "a revision with its own sections");
	cr_assert_eq(json_object_size(json_object_get(revision->json, "sections")), 1, "%s",
		     revision->body);
}

Test(plan_rules, patch_keeps_kind_and_revises_and_checks_the_merged_sections)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *specialist = plans.provider.specialist.token;
	const char *id = plan_draft_ok(plans.person.id, specialist, plan_doc("recovery"));
	struct {
		const char *body, *field;
	} CASES[] = {
		{"{\"kind\":\"wrap\"}", "kind"},
		{"{\"revises\":\"" UNKNOWN_ID "\"}", "revises"},
		{"{\"sections\":{\"strengths\":null,\"needs\":null}}", "sections"},
		{"{\"sections\":null}", "sections"},
		{"{\"sections\":{\"triggers\":\"x\"}}", "sections.triggers"},
		{"{\"goal_ids\":[\"" UNKNOWN_ID "\"]}", "goal_ids[0]"},
		{"{\"status\":\"active\"}", "status"},
	};
	struct http_response *before = plan_get(id, specialist);
	for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
		struct http_response *refused = plan_patch(id, specialist, CASES[c].body);
		cr_assert_eq(refused->status, 422, "%s: %s", CASES[c].body, refused->body);
		assert_error_names(refused, CASES[c].field);
	}
	struct http_response *after = plan_get(id, specialist);
	cr_assert(json_equal(before->json, after->json), "%s\n%s", before->body, after->body);
	/* The kind said again is no change. */
	expect(plan_patch(id, specialist, "{\"kind\":\"recovery\"}"), 200, "the same kind");
	cr_assert_eq(json_integer_value(json_object_get(plan_get(id, specialist)->json, "version")),
		     1);
}

Test(plan_rules, the_participant_signs_on_a_day_that_has_come)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *specialist = plans.provider.specialist.token;
	const char *id = plan_draft_ok(plans.person.id, specialist, plan_doc("crisis"));
	char tomorrow[16];
	days_from_today(1, tomorrow, sizeof tomorrow);
	struct http_response *refused = plan_sign(id, specialist, tomorrow);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "participant_signed_on");
	char path[128];
	plan_path(path, sizeof path, id, "/sign");
	struct http_response *missing = http_post(path, specialist, "{}");
	cr_assert_eq(missing->status, 422, "%s", missing->body);
	assert_error_names(missing, "participant_signed_on");
	cr_assert_str_eq(http_string(plan_get(id, specialist), "status"), "draft");
}
