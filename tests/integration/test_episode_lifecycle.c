/* An episode's life (API.md "Episodes and assessments"): opened on a day not after the
 * organization's today, one open per participant and program (409), closed by PATCH with
 * an end and its reason (each required with the other: 422 naming the missing one), never
 * changed once closed (409); and its schedule's states on chosen days, by episodes started
 * in the past through the API. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "episodes_support.h"
#include "fixtures.h"
#include "http.h"

TestSuite(episode_lifecycle, .init = arena_open, .fini = arena_close);

static struct http_response *episode_patch(const char *id, const char *token, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/episodes/%s", id);
	return http_patch_as_read(path, token, body);
}

Test(episode_lifecycle, opens_reads_and_refuses_a_second_open_episode_of_a_program)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	char today[16], body[256];
	episode_day(&episodes, 0, today);
	snprintf(body, sizeof body, "{\"program\":\"SOR grant\",\"started_on\":\"%s\"}", today);
	struct http_response *created = episode_post(episodes.person.id, supervisor, body);
	expect(created, 201, "opening");
	char *location = arena_text(http_header(created, "Location"));
	struct http_response *read = http_get(location, supervisor);
	expect(read, 200, "reading");
	cr_assert(json_equal(read->json, created->json), "%s\n%s", read->body, created->body);
	cr_assert_str_eq(arena_text(http_header(read, "ETag")), "\"1\"");
	cr_assert_str_eq(member(read, "participant_id"), episodes.person.id);
	cr_assert_str_eq(member(read, "status"), "open");
	cr_assert(json_is_null(json_object_get(read->json, "ended_on")));
	json_t *baseline = json_array_get(json_object_get(read->json, "schedule"), 0);
	cr_assert_str_eq(member_of(baseline, "timepoint"), "baseline");
	cr_assert_str_eq(member_of(baseline, "state"), "due");
	cr_assert_str_eq(member_of(baseline, "window_opens_on"), today);
	cr_assert(json_is_null(json_object_get(baseline, "assessment_id")));

	struct http_response *again = episode_post(episodes.person.id, supervisor, body);
	cr_assert_eq(again->status, 409, "%s", again->body);
	snprintf(body, sizeof body, "{\"program\":\"CCBHC\",\"started_on\":\"%s\"}", today);
	expect(episode_post(episodes.person.id, supervisor, body), 201, "another program");
}

Test(episode_lifecycle, a_new_episode_is_checked_field_by_field)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	char tomorrow[16], body[256];
	episode_day(&episodes, 1, tomorrow);
	snprintf(body, sizeof body, "{\"program\":\"SOR\",\"started_on\":\"%s\"}", tomorrow);
	struct http_response *future = episode_post(episodes.person.id, supervisor, body);
	cr_assert_eq(future->status, 422, "%s", future->body);
	assert_error_names(future, "started_on");
	/* A start centuries back would list a slot per interval since: ten years at most. */
	struct http_response *ancient =
		episode_post(episodes.person.id, supervisor,
			     "{\"program\":\"SOR\",\"started_on\":\"0001-01-01\"}");
	cr_assert_eq(ancient->status, 422, "%s", ancient->body);
	assert_error_names(ancient, "started_on");
	struct http_response *empty = episode_post(episodes.person.id, supervisor, "{}");
	cr_assert_eq(empty->status, 422, "%s", empty->body);
	assert_error_names(empty, "program");
	assert_error_names(empty, "started_on");
	struct http_response *long_name = episode_post(
		episodes.person.id, supervisor,
		"{\"program\":\"" /* 101 characters */
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxx\",\"started_on\":\"2026-01-01\",\"status\":\"closed\"}");
	cr_assert_eq(long_name->status, 422, "%s", long_name->body);
	assert_error_names(long_name, "program");
	assert_error_names(long_name, "status");
	struct http_response *half_end = episode_post(
		episodes.person.id, supervisor,
		"{\"program\":\"SOR\",\"started_on\":\"2026-01-01\",\"ended_on\":\"2026-01-02\"}");
	cr_assert_eq(half_end->status, 422, "%s", half_end->body);
	assert_error_names(half_end, "end_reason");
}

Test(episode_lifecycle, patch_closes_with_an_end_and_its_reason_then_never_changes)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 20);
	char day[16], before_start[16], tomorrow[16], body[256];
	episode_day(&episodes, -5, day);
	episode_day(&episodes, -21, before_start);
	episode_day(&episodes, 1, tomorrow);

	snprintf(body, sizeof body, "{\"ended_on\":\"%s\"}", day);
	struct http_response *no_reason = episode_patch(id, supervisor, body);
	cr_assert_eq(no_reason->status, 422, "%s", no_reason->body);
	assert_error_names(no_reason, "end_reason");
	struct http_response *no_end = episode_patch(id, supervisor, "{\"end_reason\":\"moved\"}");
	cr_assert_eq(no_end->status, 422, "%s", no_end->body);
	assert_error_names(no_end, "ended_on");
	snprintf(body, sizeof body, "{\"ended_on\":\"%s\",\"end_reason\":\"moved\"}", before_start);
	struct http_response *early = episode_patch(id, supervisor, body);
	cr_assert_eq(early->status, 422, "%s", early->body);
	assert_error_names(early, "ended_on");
	snprintf(body, sizeof body, "{\"ended_on\":\"%s\",\"end_reason\":\"moved\"}", tomorrow);
	struct http_response *future = episode_patch(id, supervisor, body);
	cr_assert_eq(future->status, 422, "%s", future->body);
	assert_error_names(future, "ended_on");
	struct http_response *unknown_reason = episode_patch(
		id, supervisor, "{\"ended_on\":\"2026-01-01\",\"end_reason\":\"bored\"}");
	cr_assert_eq(unknown_reason->status, 422, "%s", unknown_reason->body);
	assert_error_names(unknown_reason, "end_reason");
	cr_assert_eq(
		json_integer_value(json_object_get(episode_get(id, supervisor)->json, "version")),
		1, "refused writes change nothing");

	snprintf(body, sizeof body, "{\"ended_on\":\"%s\",\"end_reason\":\"completed\"}", day);
	struct http_response *closed = episode_patch(id, supervisor, body);
	expect(closed, 200, "closing");
	cr_assert_str_eq(member(closed, "status"), "closed");
	cr_assert_str_eq(member(closed, "end_reason"), "completed");
	json_t *schedule = json_object_get(closed->json, "schedule");
	json_t *last = json_array_get(schedule, json_array_size(schedule) - 1);
	cr_assert_str_eq(member_of(last, "timepoint"), "discharge");
	cr_assert_str_eq(member_of(last, "window_opens_on"), day);

	struct http_response *again = episode_patch(id, supervisor, "{\"program\":\"Other\"}");
	cr_assert_eq(again->status, 409, "%s", again->body);
	snprintf(body, sizeof body, "{\"ended_on\":\"%s\",\"end_reason\":\"moved\"}", day);
	cr_assert_eq(episode_patch(id, supervisor, body)->status, 409);
	/* Closed, the program takes a new open episode. */
	episode_open_ok(&episodes, episodes.person.id, "SOR", 0);
}

Test(episode_lifecycle, an_open_episode_changes_its_program_and_start)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 20);
	episode_open_ok(&episodes, episodes.person.id, "CCBHC", 20);
	char day[16], body[256];
	episode_day(&episodes, -30, day);
	snprintf(body, sizeof body, "{\"program\":\"SOR 2\",\"started_on\":\"%s\"}", day);
	struct http_response *changed = episode_patch(id, supervisor, body);
	expect(changed, 200, "moving the start");
	cr_assert_str_eq(member(changed, "started_on"), day);
	cr_assert_eq(json_integer_value(json_object_get(changed->json, "version")), 2);
	struct http_response *same = episode_patch(id, supervisor, body);
	expect(same, 200, "the same again");
	cr_assert_eq(json_integer_value(json_object_get(same->json, "version")), 2);
	cr_assert_eq(episode_patch(id, supervisor, "{\"program\":\"CCBHC\"}")->status, 409,
		     "two open episodes of one program");
	/* A live assessment fixes the start it was placed by. */
	assessment_ok(&episodes, id, "baseline", -1);
	episode_day(&episodes, -29, day);
	snprintf(body, sizeof body, "{\"started_on\":\"%s\"}", day);
	cr_assert_eq(episode_patch(id, supervisor, body)->status, 409);
}

struct states_case {
	int started_days_ago;
	const char *expected;
};

Test(episode_lifecycle, schedule_states_on_chosen_days)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	/* The default schedule: baseline due on day 30, window to day 60; follow-up k due on
	 * day 90k, window ±30; listed while due within 90 days of today. */
	const struct states_case cases[] = {
		{10, "baseline/0 due; follow_up/1 upcoming"},
		{30, "baseline/0 due; follow_up/1 upcoming"},
		{31, "baseline/0 overdue; follow_up/1 upcoming"},
		{60, "baseline/0 overdue; follow_up/1 due"},
		{61, "baseline/0 missed; follow_up/1 due"},
		{100, "baseline/0 missed; follow_up/1 overdue; follow_up/2 upcoming"},
		{121, "baseline/0 missed; follow_up/1 missed; follow_up/2 upcoming"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char program[32], states[256];
		snprintf(program, sizeof program, "P%zu", i);
		const char *id = episode_open_ok(&episodes, episodes.person.id, program,
						 cases[i].started_days_ago);
		episode_states(id, supervisor, states, sizeof states);
		cr_assert_str_eq(states, cases[i].expected, "started %d days ago",
				 cases[i].started_days_ago);
	}
}

Test(episode_lifecycle, the_schedule_follows_the_organizations_setting)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *const refused[] = {"{\"interval_days\":0}", "{\"interval_days\":731}",
				       "{\"interval_days\":\"90\"}"};
	for (size_t i = 0; i < 3; i++) {
		struct http_response *answer = episode_schedule_set(&episodes, refused[i]);
		cr_assert_eq(answer->status, 422, "%s: %s", refused[i], answer->body);
		assert_error_names(answer, "settings.assessment_schedule.interval_days");
	}
	struct http_response *unknown = episode_schedule_set(&episodes, "{\"days\":1}");
	cr_assert_eq(unknown->status, 422, "%s", unknown->body);
	assert_error_names(unknown, "settings.assessment_schedule.days");
	struct http_response *set = episode_schedule_set(
		&episodes, "{\"baseline_days\":0,\"interval_days\":10,\"window_days\":2}");
	expect(set, 200, "a schedule of ten-day intervals");
	json_t *schedule =
		json_object_get(json_object_get(set->json, "settings"), "assessment_schedule");
	cr_assert_eq(json_integer_value(json_object_get(schedule, "discharge_days")), 30,
		     "left out: the default");
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 11);
	char states[256];
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 missed; follow_up/1 overdue; follow_up/2 upcoming");
}
