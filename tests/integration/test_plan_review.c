/* The review queue (API.md "Plans"): a signed plan is due for review plan_review_days
 * (an organization setting, 90 unless changed) after the participant signed it;
 * review_due=true lists the active plans due on the organization's today or before, and
 * kind and status filter both lists. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "plans_support.h"

TestSuite(plan_review, .init = arena_open, .fini = arena_close);

/* The ids listed at path (which carries a '?') for token, against expected. */
static void expect_listed(const char *path, const char *token, const char *const *expected,
			  size_t count)
{
	char ids[1024], want[1024];
	list_ids(path, token, ids, sizeof ids);
	join_ids(expected, count, want, sizeof want);
	cr_assert_str_eq(ids, want, "%s", path);
}

Test(plan_review, review_due_keeps_the_active_plans_whose_review_has_come)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *supervisor = plans.provider.supervisor.token;
	char organization[128];
	snprintf(organization, sizeof organization, "/v1/organizations/%s",
		 plans.provider.provider);
	struct http_response *set = http_patch(organization, supervisor,
					       "{\"settings\":{\"plan_review_days\":5}}", NULL);
	expect(set, 200, "plan_review_days 5");

	char long_ago[16], today[16], review[16];
	days_from_today(-10, long_ago, sizeof long_ago);
	days_from_today(0, today, sizeof today);
	days_from_today(-5, review, sizeof review);
	const char *due = plan_draft_ok(plans.person.id, supervisor, plan_doc("recovery"));
	struct http_response *signed_due = plan_sign_ok(due, supervisor, long_ago);
	cr_assert_str_eq(http_string(signed_due, "next_review_on"), review);
	cr_assert(json_is_true(json_object_get(signed_due->json, "review_due")));
	const char *fresh = plan_draft_ok(plans.person.id, supervisor, plan_doc("wrap"));
	plan_sign_ok(fresh, supervisor, today);
	const char *draft = plan_draft_ok(plans.person.id, supervisor, plan_doc("crisis"));

	char path[256];
	snprintf(path, sizeof path, "/v1/participants/%s/plans?review_due=true", plans.person.id);
	expect_listed(path, supervisor, (const char *[]){due}, 1);
	expect_listed("/v1/plans?review_due=true", supervisor, (const char *[]){due}, 1);
	expect_listed("/v1/plans?review_due=true", plans.provider.specialist.token,
		      (const char *[]){due}, 1);
	expect_listed("/v1/plans?review_due=false", supervisor, (const char *[]){draft, fresh}, 2);
	expect_listed("/v1/plans?kind=wrap", supervisor, (const char *[]){fresh}, 1);
	expect_listed("/v1/plans?status=draft", supervisor, (const char *[]){draft}, 1);
	expect_listed("/v1/plans?status=active&kind=recovery", supervisor, (const char *[]){due},
		      1);
	snprintf(path, sizeof path, "/v1/participants/%s/plans?status=active", plans.person.id);
	expect_listed(path, supervisor, (const char *[]){fresh, due}, 2);

	/* Revised, it leaves the queue: the revision is active and not yet due. */
	snprintf(path, sizeof path, "/v1/participants/%s/plans", plans.person.id);
	char body[96];
	snprintf(body, sizeof body, "{\"revises\":\"%s\"}", due);
	struct http_response *revision = http_post(path, supervisor, body);
	expect(revision, 201, "revising the plan due");
	plan_sign_ok(http_string(revision, "id"), supervisor, today);
	expect_listed("/v1/plans?review_due=true", supervisor, NULL, 0);

	cr_assert_eq(http_get("/v1/plans?review_due=soon", supervisor)->status, 400);
	cr_assert_eq(http_get("/v1/plans?kind=safety", supervisor)->status, 400);
}

Test(plan_review, plan_review_days_is_a_setting_from_1_to_730)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	char organization[128];
	snprintf(organization, sizeof organization, "/v1/organizations/%s",
		 plans.provider.provider);
	struct http_response *read = http_get(organization, plans.provider.supervisor.token);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(read->json, "settings"),
							"plan_review_days")),
		     90, "%s", read->body);
	const char *const refused[] = {"0", "731", "\"90\""};
	for (size_t i = 0; i < 3; i++) {
		char body[96];
		snprintf(body, sizeof body, "{\"settings\":{\"plan_review_days\":%s}}", refused[i]);
		struct http_response *answer =
			http_patch(organization, plans.provider.supervisor.token, body, NULL);
		cr_assert_eq(answer->status, 422, "%s: %s", body, answer->body);
		assert_error_names(answer, "settings.plan_review_days");
	}
	expect(http_patch(organization, plans.provider.supervisor.token,
			  "{\"settings\":{\"plan_review_days\":730}}", NULL),
	       200, "730 days");
}
