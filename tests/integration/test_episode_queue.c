/* The work queue (API.md "Episodes and assessments"): GET /v1/episodes?assessment_due=true
 * lists the open episodes with a slot due or overdue, most overdue first (the oldest
 * due_on among those slots), a specialist's only of their participants; program and
 * status also filter. And who may see episodes at all (the roles table): supervisors,
 * admins and the assigned specialist; partners and reporters never (403); another
 * organization or another specialist finds none (404). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "episodes_support.h"
#include "fixtures.h"
#include "http.h"

TestSuite(episode_queue, .init = arena_open, .fini = arena_close);

static void expect_listed(const char *path, const char *token, const char *const *expected,
			  size_t count)
{
	char ids[1024], want[1024];
	list_ids(path, token, ids, sizeof ids);
	join_ids(expected, count, want, sizeof want);
	cr_assert_str_eq(ids, want, "%s: %s, not %s", path, ids, want);
}

Test(episode_queue, most_overdue_first_and_a_specialist_sees_their_participants)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *specialist = episodes.provider.specialist.token;
	const char *person = episodes.person.id;
	/* Oldest due or overdue slot: B's baseline 20 days ago, A's first follow-up 10 days
	 * ago, the walk-in's first follow-up in 20 days, C's baseline in 25 days. D has only a
	 * missed slot and one upcoming, E is closed, F's baseline is done. */
	const char *a = episode_open_ok(&episodes, person, "A", 100);
	const char *b = episode_open_ok(&episodes, person, "B", 50);
	const char *c = episode_open_ok(&episodes, person, "C", 5);
	episode_open_ok(&episodes, person, "D", 125);
	const char *f = episode_open_ok(&episodes, person, "F", 5);
	assessment_ok(&episodes, f, "baseline", 0);
	char started[16], ended[16], body[256];
	episode_day(&episodes, -50, started);
	episode_day(&episodes, -45, ended);
	snprintf(body, sizeof body,
		 "{\"program\":\"E\",\"started_on\":\"%s\",\"ended_on\":\"%s\","
		 "\"end_reason\":\"moved\"}",
		 started, ended);
	expect(episode_post(person, supervisor, body), 201, "a closed episode");
	struct person walk_in;
	person_walk_in(&walk_in, &episodes.provider);
	const char *other = episode_open_ok(&episodes, walk_in.id, "A", 70);

	const char *const everyone[] = {b, a, other, c};
	expect_listed("/v1/episodes?assessment_due=true", supervisor, everyone, 4);
	char path[160];
	snprintf(path, sizeof path, "/v1/episodes?assessment_due=true&organization_id=%s",
		 episodes.provider.provider);
	expect_listed(path, episodes.provider.admin.token, everyone, 4);
	const char *const theirs[] = {b, a, c};
	expect_listed("/v1/episodes?assessment_due=true", specialist, theirs, 3);
	const char *const program_a[] = {a, other};
	expect_listed("/v1/episodes?assessment_due=true&program=A", supervisor, program_a, 2);
	expect_listed("/v1/episodes?assessment_due=true&status=closed", supervisor, NULL, 0);
	snprintf(path, sizeof path, "/v1/participants/%s/episodes?assessment_due=true", walk_in.id);
	expect_listed(path, supervisor, (const char *const[]){other}, 1);

	/* Paged: the cursor carries the queue's order. */
	struct http_response *first =
		http_get("/v1/episodes?assessment_due=true&limit=3", supervisor);
	expect(first, 200, "the first page");
	cr_assert_eq(json_array_size(json_object_get(first->json, "items")), 3);
	char next[512];
	snprintf(next, sizeof next, "/v1/episodes?assessment_due=true&limit=3&cursor=%s",
		 member(first, "next_cursor"));
	struct http_response *second = http_get(next, supervisor);
	expect(second, 200, "the second page");
	json_t *items = json_object_get(second->json, "items");
	cr_assert_eq(json_array_size(items), 1, "%s", second->body);
	cr_assert_str_eq(member_of(json_array_get(items, 0), "id"), c);
	cr_assert(json_is_null(json_object_get(second->json, "next_cursor")));
}

Test(episode_queue, the_lists_filter_by_status_and_program)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *open = episode_open_ok(&episodes, episodes.person.id, "A", 5);
	char started[16], ended[16], body[256];
	episode_day(&episodes, -50, started);
	episode_day(&episodes, -45, ended);
	snprintf(body, sizeof body,
		 "{\"program\":\"B\",\"started_on\":\"%s\",\"ended_on\":\"%s\","
		 "\"end_reason\":\"other\"}",
		 started, ended);
	struct http_response *created = episode_post(episodes.person.id, supervisor, body);
	expect(created, 201, "a closed episode");
	const char *closed = arena_text(strdup(member(created, "id")));
	char path[160];
	snprintf(path, sizeof path, "/v1/participants/%s/episodes", episodes.person.id);
	const char *const both[] = {closed, open};
	expect_listed(path, supervisor, both, 2);
	snprintf(path, sizeof path, "/v1/participants/%s/episodes?status=open", episodes.person.id);
	expect_listed(path, supervisor, &open, 1);
	expect_listed("/v1/episodes?status=closed", supervisor, &closed, 1);
	expect_listed("/v1/episodes?program=A", supervisor, &open, 1);
	expect_listed("/v1/episodes?assessment_due=false", supervisor, &closed, 1);
	cr_assert_eq(http_get("/v1/episodes?status=ended", supervisor)->status, 400);
	cr_assert_eq(http_get("/v1/episodes?assessment_due=yes", supervisor)->status, 400);
}

/* Every episode and assessment route for episode id (and assessment assessment_id) of
 * participant_id, as token: the status each answers. */
static void expect_everywhere(const char *participant_id, const char *id, const char *assessment_id,
			      const char *token, long status, const char *who)
{
	char episodes_path[160], path[128], assessments[160], assessment[128], void_path[160];
	snprintf(episodes_path, sizeof episodes_path, "/v1/participants/%s/episodes",
		 participant_id);
	snprintf(path, sizeof path, "/v1/episodes/%s", id);
	snprintf(assessments, sizeof assessments, "/v1/episodes/%s/assessments", id);
	snprintf(assessment, sizeof assessment, "/v1/assessments/%s", assessment_id);
	snprintf(void_path, sizeof void_path, "/v1/assessments/%s/void", assessment_id);
	const struct http_response *answers[] = {
		http_get(episodes_path, token),
		http_post(episodes_path, token,
			  "{\"program\":\"X\",\"started_on\":\"2026-01-01\"}"),
		http_get(path, token),
		http_patch(path, token, "{\"program\":\"Y\"}", NULL),
		http_get(assessments, token),
		http_post(assessments, token,
			  "{\"timepoint\":\"baseline\",\"administered_on\":\"2026-01-01\","
			  "\"answers\":[1,1,1,1,1,1,1,1,1,1]}"),
		http_get(assessment, token),
		http_post(void_path, token, "{\"reason\":\"Not theirs.\"}"),
	};
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
		cr_assert_eq(answers[i]->status, status, "%s, request %zu: %s", who, i,
			     answers[i]->body);
}

Test(episode_queue, partners_reporters_other_specialists_and_organizations_are_refused)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){.partner = true});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 5);
	const char *assessment = assessment_ok(&episodes, id, "baseline", 0);
	struct http_response *before = episode_get(id, supervisor);
	expect_everywhere(episodes.person.id, id, assessment, episodes.provider.partner.token, 403,
			  "a partner");
	expect_everywhere(episodes.person.id, id, assessment, episodes.provider.reporter.token, 403,
			  "a reporter");
	cr_assert_eq(http_get("/v1/episodes", episodes.provider.partner.token)->status, 403);
	cr_assert_eq(http_get("/v1/episodes", episodes.provider.reporter.token)->status, 403);

	struct actor unassigned;
	specialist_open(&unassigned, episodes.provider.provider, true);
	expect_everywhere(episodes.person.id, id, assessment, unassigned.token, 404,
			  "a specialist not assigned");
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){.certified_around_today = true});
	expect_everywhere(episodes.person.id, id, assessment, elsewhere.supervisor.token, 404,
			  "another organization's supervisor");
	char ids[512];
	list_ids("/v1/episodes?limit=200", elsewhere.supervisor.token, ids, sizeof ids);
	cr_assert_null(strstr(ids, id), "another organization lists it: %s", ids);
	list_ids("/v1/episodes?assessment_due=true", unassigned.token, ids, sizeof ids);
	cr_assert_str_eq(ids, "", "a specialist lists episodes not theirs");
	struct http_response *after = episode_get(id, supervisor);
	cr_assert(json_equal(before->json, after->json), "%s\n%s", before->body, after->body);
	cr_assert_eq(audit_events_by(episodes.provider.supervisor.subject, id, "read"), 2);
}

Test(episode_queue, supervisor_admin_and_assigned_specialist_work_with_episodes)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const struct actor *const staff[] = {&episodes.provider.supervisor,
					     &episodes.provider.admin,
					     &episodes.provider.specialist};
	for (size_t i = 0; i < 3; i++) {
		char program[16], body[128], started[16];
		snprintf(program, sizeof program, "P%zu", i);
		episode_day(&episodes, -3, started);
		snprintf(body, sizeof body, "{\"program\":\"%s\",\"started_on\":\"%s\"}", program,
			 started);
		struct http_response *created =
			episode_post(episodes.person.id, staff[i]->token, body);
		expect(created, 201, staff[i]->subject);
		const char *id = member(created, "id");
		struct http_response *assessment = assessment_post(
			&episodes, id, staff[i]->token, "baseline", 0, "[6,6,6,6,6,6,6,6,6,6]");
		expect(assessment, 201, staff[i]->subject);
		cr_assert_eq(json_integer_value(json_object_get(assessment->json, "score")), 60);
		expect(episode_get(id, staff[i]->token), 200, staff[i]->subject);
	}
}
