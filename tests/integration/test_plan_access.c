/* Who may work with a plan (API.md "Plans", the roles table): the organization's
 * supervisors, admins and the specialist assigned to the participant; a partner or
 * reporter never (403); another specialist, or anyone of another organization, finds no
 * such plan (404). Every read, list row and write is in the audit trail. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "plans_support.h"

TestSuite(plan_access, .init = arena_open, .fini = arena_close);

/* Every plan route for plan id of participant_id, as token: the status each answers. */
static void expect_everywhere(const char *participant_id, const char *id, const char *token,
			      long status, const char *who)
{
	char plans_path[160], path[128], sign[128];
	snprintf(plans_path, sizeof plans_path, "/v1/participants/%s/plans", participant_id);
	plan_path(path, sizeof path, id, "");
	plan_path(sign, sizeof sign, id, "/sign");
	json_t *doc = plan_doc("recovery");
	char *body = arena_text(json_dumps(doc, JSON_COMPACT));
	json_decref(doc);
	const struct http_response *answers[] = {
		http_get(plans_path, token),
		http_post(plans_path, token, body),
		http_get(path, token),
		http_patch(path, token, "{\"sections\":{\"needs\":\"Work.\"}}", NULL),
		http_post(sign, token, "{\"participant_signed_on\":\"2026-01-02\"}"),
	};
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
		cr_assert_eq(answers[i]->status, status, "%s, request %zu: %s", who, i,
			     answers[i]->body);
}

Test(plan_access, partners_reporters_other_specialists_and_organizations_are_refused)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){.partner = true});
	const char *id = plan_draft_ok(plans.person.id, plans.provider.supervisor.token,
				       plan_doc("recovery"));
	struct http_response *before = plan_get(id, plans.provider.supervisor.token);
	expect_everywhere(plans.person.id, id, plans.provider.partner.token, 403, "a partner");
	expect_everywhere(plans.person.id, id, plans.provider.reporter.token, 403, "a reporter");
	cr_assert_eq(http_get("/v1/plans", plans.provider.partner.token)->status, 403);
	cr_assert_eq(http_get("/v1/plans", plans.provider.reporter.token)->status, 403);

	struct actor unassigned;
	specialist_open(&unassigned, plans.provider.provider, true);
	expect_everywhere(plans.person.id, id, unassigned.token, 404, "a specialist not assigned");

	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){.certified_around_today = true});
	expect_everywhere(plans.person.id, id, elsewhere.supervisor.token, 404,
			  "another organization's supervisor");
	expect_everywhere(plans.person.id, id, elsewhere.specialist.token, 404,
			  "another organization's specialist");
	char ids[512];
	list_ids("/v1/plans?limit=200", elsewhere.supervisor.token, ids, sizeof ids);
	cr_assert_null(strstr(ids, id), "another organization lists it: %s", ids);
	list_ids("/v1/plans?limit=200", unassigned.token, ids, sizeof ids);
	cr_assert_str_eq(ids, "", "a specialist lists plans not theirs");

	struct http_response *after = plan_get(id, plans.provider.supervisor.token);
	cr_assert(json_equal(before->json, after->json), "%s\n%s", before->body, after->body);
}

Test(plan_access, supervisor_admin_and_assigned_specialist_work_with_plans)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const struct actor *const staff[] = {&plans.provider.supervisor, &plans.provider.admin,
					     &plans.provider.specialist};
	char today[16];
	days_from_today(0, today, sizeof today);
	const char *const kinds[] = {"recovery", "wrap", "crisis"};
	for (size_t i = 0; i < 3; i++) {
		const char *token = staff[i]->token;
		const char *id = plan_draft_ok(plans.person.id, token, plan_doc(kinds[i]));
		expect(plan_get(id, token), 200, staff[i]->subject);
		expect(plan_patch(id, token, "{\"goal_ids\":[]}"), 200, staff[i]->subject);
		plan_sign_ok(id, token, today);
		cr_assert_eq(audit_events_by(staff[i]->subject, id, "create"), 1);
		cr_assert_eq(audit_events_by(staff[i]->subject, id, "sign"), 1);
		cr_assert_geq(audit_events_by(staff[i]->subject, id, "read"), 1);
	}
	/* Each list shows the three, and records a read of each row it shows. */
	char path[160], ids[512];
	snprintf(path, sizeof path, "/v1/participants/%s/plans", plans.person.id);
	struct http_response *listed = http_get(path, plans.provider.specialist.token);
	expect(listed, 200, "the participant's plans");
	const json_t *items = json_object_get(listed->json, "items");
	cr_assert_eq(json_array_size(items), 3, "%s", listed->body);
	cr_assert_str_eq(member_of(json_array_get(items, 0), "kind"), "crisis", "newest first");
	const char *newest = member_of(json_array_get(items, 0), "id");
	long long reads = audit_events_by(plans.provider.specialist.subject, newest, "read");
	list_ids("/v1/plans?limit=200", plans.provider.specialist.token, ids, sizeof ids);
	cr_assert_eq(strlen(ids), 3 * 36 + 2, "the specialist's plans: %s", ids);
	cr_assert_eq(audit_events_by(plans.provider.specialist.subject, newest, "read"), reads + 1);
	list_ids("/v1/plans?limit=200", plans.provider.supervisor.token, ids, sizeof ids);
	cr_assert_eq(strlen(ids), 3 * 36 + 2, "the organization's plans: %s", ids);
	snprintf(path, sizeof path, "/v1/plans?limit=200&organization_id=%s",
		 plans.provider.provider);
	list_ids(path, plans.provider.admin.token, ids, sizeof ids);
	cr_assert_eq(strlen(ids), 3 * 36 + 2, "an admin's, of the organization: %s", ids);
}

Test(plan_access, an_unknown_participant_or_plan_is_404)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *token = plans.provider.supervisor.token;
	cr_assert_eq(plan_post(UNKNOWN_ID, token, plan_doc("wrap"))->status, 404);
	cr_assert_eq(http_get("/v1/participants/" UNKNOWN_ID "/plans", token)->status, 404);
	cr_assert_eq(plan_get(UNKNOWN_ID, token)->status, 404);
	cr_assert_eq(plan_sign(UNKNOWN_ID, token, "2026-01-01")->status, 404);
	cr_assert_eq(http_patch("/v1/plans/" UNKNOWN_ID, token, "{}", NULL)->status, 404);
}
