/* A plan's life (API.md "Plans"): a draft of each kind, changed while a draft, signed into
 * the participant's active plan with its review date, never changed after (the API's 409
 * and the database's trigger), and revised by a new draft whose signing supersedes it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "plans_support.h"

TestSuite(plan_lifecycle, .init = arena_open, .fini = arena_close);

Test(plan_lifecycle, each_kind_is_created_as_a_draft_with_its_sections_and_goals)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *const kinds[] = {"recovery", "wrap", "crisis"};
	for (size_t i = 0; i < 3; i++) {
		json_t *doc = plan_doc(kinds[i]);
		json_t *sections = json_deep_copy(json_object_get(doc, "sections"));
		json_object_set_new(doc, "goal_ids", json_pack("[s]", plans.person.goal_id));
		struct http_response *created =
			plan_post(plans.person.id, plans.provider.specialist.token, doc);
		expect(created, 201, kinds[i]);
		char location[128];
		plan_path(location, sizeof location, http_string(created, "id"), "");
		char *header = http_header(created, "Location");
		cr_assert_str_eq(header, location);
		free(header);
		cr_assert_str_eq(http_string(created, "kind"), kinds[i]);
		cr_assert_str_eq(http_string(created, "status"), "draft");
		cr_assert_str_eq(http_string(created, "participant_id"), plans.person.id);
		cr_assert_str_eq(http_string(created, "organization_id"), plans.provider.provider);
		cr_assert(json_equal(json_object_get(created->json, "sections"), sections), "%s",
			  created->body);
		json_decref(sections);
		cr_assert_str_eq(json_string_value(json_array_get(
					 json_object_get(created->json, "goal_ids"), 0)),
				 plans.person.goal_id);
		const char *const unset[] = {"revises", "participant_signed_on", "staff_signed_by",
					     "staff_signed_at", "next_review_on"};
		for (size_t k = 0; k < 5; k++)
			cr_assert(json_is_null(json_object_get(created->json, unset[k])), "%s: %s",
				  unset[k], created->body);
		cr_assert(json_is_false(json_object_get(created->json, "review_due")));
		cr_assert_eq(json_integer_value(json_object_get(created->json, "version")), 1);
	}
}

Test(plan_lifecycle, a_draft_changes_by_merge_patch_and_signing_makes_it_active)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *id = plan_draft_ok(plans.person.id, plans.provider.specialist.token,
				       plan_doc("recovery"));
	char body[256];
	snprintf(body, sizeof body,
		 "{\"sections\":{\"needs\":null,\"supports\":\"My sponsor, Tuesdays.\"},"
		 "\"goal_ids\":[\"%s\"]}",
		 plans.person.goal_id);
	struct http_response *patched = plan_patch(id, plans.provider.specialist.token, body);
	expect(patched, 200, "changing the draft");
	const json_t *sections = json_object_get(patched->json, "sections");
	cr_assert_null(json_object_get(sections, "needs"), "%s", patched->body);
	cr_assert_str_eq(member_of(sections, "supports"), "My sponsor, Tuesdays.");
	cr_assert_str_eq(member_of(sections, "strengths"), "I keep showing up.\nI cook.");
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2);

	char signed_on[16], review[16];
	days_from_today(-3, signed_on, sizeof signed_on);
	days_from_today(87, review, sizeof review); /* the default plan_review_days, 90 */
	struct http_response *signed_plan =
		plan_sign_ok(id, plans.provider.specialist.token, signed_on);
	cr_assert_str_eq(http_string(signed_plan, "participant_signed_on"), signed_on);
	cr_assert_str_eq(http_string(signed_plan, "next_review_on"), review);
	cr_assert_str_eq(http_string(signed_plan, "staff_signed_by"),
			 plans.provider.specialist.subject);
	cr_assert_not_null(http_string(signed_plan, "staff_signed_at"));
	cr_assert_eq(json_integer_value(json_object_get(signed_plan->json, "version")), 3);
	cr_assert_eq(audit_events_by(plans.provider.specialist.subject, id, "sign"), 1);
}

Test(plan_lifecycle, a_signed_plan_never_changes)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *supervisor = plans.provider.supervisor.token;
	const char *id = plan_draft_ok(plans.person.id, supervisor, plan_doc("wrap"));
	char today[16];
	days_from_today(0, today, sizeof today);
	struct http_response *signed_plan = plan_sign_ok(id, supervisor, today);

	struct http_response *again = plan_sign(id, supervisor, today);
	cr_assert_eq(again->status, 409, "signing twice: %s", again->body);
	struct http_response *patched =
		plan_patch(id, supervisor, "{\"sections\":{\"triggers\":\"Loud rooms.\"}}");
	cr_assert_eq(patched->status, 409, "changing a signed plan: %s", patched->body);
	struct http_response *read = plan_get(id, supervisor);
	cr_assert(json_equal(read->json, signed_plan->json), "%s\n%s", read->body,
		  signed_plan->body);

	/* Nor does any other writer: the database refuses. */
	database_refuses("UPDATE plans SET sections = '{\"triggers\":\"Loud rooms.\"}'"
			 " WHERE id = $1",
			 1, (const char *[]){id}, "plans_keep_signed");
	database_refuses("UPDATE plans SET next_review_on = next_review_on + 1 WHERE id = $1", 1,
			 (const char *[]){id}, "plans_keep_signed");
	database_refuses("DELETE FROM plans WHERE id = $1", 1, (const char *[]){id},
			 "plans_keep_signed");
	database_refuses("INSERT INTO plan_goals (plan_id, participant_id, organization_id,"
			 " goal_id, position) SELECT p.id, p.participant_id, p.organization_id,"
			 " g.id, 1 FROM plans p JOIN goals g ON g.participant_id = p.participant_id"
			 " WHERE p.id = $1",
			 1, (const char *[]){id}, "plans_keep_signed");
}

/* A superseded plan is history: not even its status moves. */
static void superseded_stays(const char *id)
{
	database_refuses("UPDATE plans SET status = 'active' WHERE id = $1", 1,
			 (const char *[]){id}, "plans_keep_signed");
	database_refuses("UPDATE plans SET updated_at = now() WHERE id = $1", 1,
			 (const char *[]){id}, "plans_keep_signed");
}

Test(plan_lifecycle, a_revision_copies_the_active_plan_and_signing_it_supersedes_it)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *specialist = plans.provider.specialist.token;
	json_t *doc = plan_doc("crisis");
	json_object_set_new(doc, "goal_ids", json_pack("[s]", plans.person.goal_id));
	const char *first = plan_draft_ok(plans.person.id, specialist, doc);
	char signed_on[16];
	days_from_today(-30, signed_on, sizeof signed_on);
	struct http_response *active = plan_sign_ok(first, specialist, signed_on);

	/* The goal has been achieved since: the copy keeps it. */
	char goal_path[128];
	snprintf(goal_path, sizeof goal_path, "/v1/goals/%s", plans.person.goal_id);
	char achieved[128], today[16];
	days_from_today(0, today, sizeof today);
	snprintf(achieved, sizeof achieved, "{\"status\":\"achieved\",\"achieved_on\":\"%s\"}",
		 today);
	expect(http_patch_as_read(goal_path, specialist, achieved), 200, "achieving the goal");

	char body[128];
	snprintf(body, sizeof body, "{\"revises\":\"%s\"}", first);
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/plans", plans.person.id);
	struct http_response *copy = http_post(path, specialist, body);
	expect(copy, 201, "revising");
	cr_assert_str_eq(http_string(copy, "status"), "draft");
	cr_assert_str_eq(http_string(copy, "revises"), first);
	cr_assert_str_eq(http_string(copy, "kind"), "crisis");
	cr_assert(json_equal(json_object_get(copy->json, "sections"),
			     json_object_get(active->json, "sections")),
		  "%s", copy->body);
	cr_assert(json_equal(json_object_get(copy->json, "goal_ids"),
			     json_object_get(active->json, "goal_ids")),
		  "%s", copy->body);

	const char *second = arena_text(strdup(http_string(copy, "id")));
	expect(plan_patch(second, specialist,
			  "{\"sections\":{\"reasons_for_living\":\"My daughter.\"}}"),
	       200, "changing the revision");
	struct http_response *now_active = plan_sign_ok(second, specialist, today);
	cr_assert_str_eq(
		member_of(json_object_get(now_active->json, "sections"), "reasons_for_living"),
		"My daughter.");
	struct http_response *old = plan_get(first, specialist);
	cr_assert_str_eq(http_string(old, "status"), "superseded", "%s", old->body);
	cr_assert_str_eq(http_string(old, "participant_signed_on"), signed_on);
	superseded_stays(first);

	/* The superseded plan cannot be revised again, nor signed, nor changed. */
	struct http_response *stale = http_post(path, specialist, body);
	cr_assert_eq(stale->status, 422, "%s", stale->body);
	assert_error_names(stale, "revises");
	cr_assert_eq(plan_sign(first, specialist, today)->status, 409);
}
