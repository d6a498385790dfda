/* BARC-10 assessments (API.md "Episodes and assessments"): ten answers 1..6 (else 422
 * naming the item, or answers), their score, the slot each fills (the earliest unfilled
 * one of its timepoint whose window holds its day; none: 422 naming administered_on),
 * never changed (PATCH 405), voided once (409 after) which frees the slot for a
 * replacement; a closed episode still takes its discharge. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "episodes_support.h"
#include "fixtures.h"
#include "http.h"

TestSuite(episode_assessments, .init = arena_open, .fini = arena_close);

static struct http_response *assessment_void_as(const char *id, const char *token, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/assessments/%s/void", id);
	return http_post(path, token, body);
}

Test(episode_assessments, answers_are_ten_whole_numbers_from_1_to_6)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 5);
	const char *const wrong_count[] = {"[1,2,3,4,5,6,1,2,3]", "[1,2,3,4,5,6,1,2,3,4,5]", "[]",
					   "\"1234567890\"", "null"};
	for (size_t i = 0; i < sizeof wrong_count / sizeof wrong_count[0]; i++) {
		struct http_response *answer =
			assessment_post(&episodes, id, supervisor, "baseline", 0, wrong_count[i]);
		cr_assert_eq(answer->status, 422, "%s: %s", wrong_count[i], answer->body);
		assert_error_names(answer, "answers");
	}
	struct http_response *items = assessment_post(&episodes, id, supervisor, "baseline", 0,
						      "[1,2,3,0,5,6,7,2.5,\"3\",null]");
	cr_assert_eq(items->status, 422, "%s", items->body);
	const char *const named[] = {"answers[3]", "answers[6]", "answers[7]", "answers[8]",
				     "answers[9]"};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		assert_error_names(items, named[i]);
	cr_assert_eq(json_array_size(json_object_get(items->json, "errors")), 5, "%s", items->body);
	struct http_response *fields =
		assessment_post(&episodes, id, supervisor, "intake", 1, "[1,2,3,4,5,6,1,2,3,4]");
	cr_assert_eq(fields->status, 422, "%s", fields->body);
	assert_error_names(fields, "timepoint");
	assert_error_names(fields, "administered_on");

	struct http_response *created =
		assessment_post(&episodes, id, supervisor, "baseline", 0, "[1,2,3,4,5,6,1,2,3,4]");
	expect(created, 201, "a baseline");
	cr_assert_eq(json_integer_value(json_object_get(created->json, "score")), 31);
	cr_assert_str_eq(member(created, "instrument"), "barc10");
	cr_assert_str_eq(member(created, "participant_id"), episodes.person.id);
	cr_assert_str_eq(member(created, "episode_id"), id);
	cr_assert(json_is_null(json_object_get(created->json, "voided_at")));
	char *location = arena_text(http_header(created, "Location"));
	struct http_response *read = http_get(location, supervisor);
	cr_assert(json_equal(read->json, created->json), "%s\n%s", read->body, created->body);
	cr_assert_eq(http_patch(location, supervisor, "{\"answers\":[1,1,1,1,1,1,1,1,1,1]}", NULL)
			     ->status,
		     405);
}

Test(episode_assessments, each_fills_the_earliest_open_slot_of_its_timepoint_or_none)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	/* Started 100 days ago: baseline window days 0..60, follow-up 1 days 60..120. */
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 100);
	const char *baseline = assessment_ok(&episodes, id, "baseline", -95);
	struct http_response *second = assessment_post(&episodes, id, supervisor, "baseline", -90,
						       "[3,3,3,3,3,3,3,3,3,3]");
	cr_assert_eq(second->status, 422, "%s", second->body);
	assert_error_names(second, "administered_on");
	struct http_response *outside = assessment_post(&episodes, id, supervisor, "follow_up", -80,
							"[3,3,3,3,3,3,3,3,3,3]");
	cr_assert_eq(outside->status, 422, "between windows: %s", outside->body);
	assert_error_names(outside, "administered_on");
	struct http_response *future =
		assessment_post(&episodes, id, supervisor, "follow_up", 1, "[3,3,3,3,3,3,3,3,3,3]");
	cr_assert_eq(future->status, 422, "%s", future->body);
	assert_error_names(future, "administered_on");
	struct http_response *discharge =
		assessment_post(&episodes, id, supervisor, "discharge", 0, "[3,3,3,3,3,3,3,3,3,3]");
	cr_assert_eq(discharge->status, 422, "an open episode has no discharge: %s",
		     discharge->body);
	/* A follow-up early in its window. */
	const char *follow_up = assessment_ok(&episodes, id, "follow_up", -35);
	char states[256];
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 done; follow_up/1 done; follow_up/2 upcoming");
	struct http_response *read = episode_get(id, supervisor);
	json_t *schedule = json_object_get(read->json, "schedule");
	cr_assert_str_eq(member_of(json_array_get(schedule, 0), "assessment_id"), baseline);
	cr_assert_str_eq(member_of(json_array_get(schedule, 1), "assessment_id"), follow_up);
	char path[128];
	snprintf(path, sizeof path, "/v1/episodes/%s/assessments", id);
	char ids[256];
	list_ids(path, supervisor, ids, sizeof ids);
	cr_assert_neq(strstr(ids, baseline), NULL, "%s", ids);
	cr_assert_neq(strstr(ids, follow_up), NULL, "%s", ids);
}

Test(episode_assessments, a_void_frees_the_slot_for_its_replacement_once)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 10);
	const char *first = assessment_ok(&episodes, id, "baseline", -2);
	struct http_response *no_reason = assessment_void_as(first, supervisor, "{}");
	cr_assert_eq(no_reason->status, 422, "%s", no_reason->body);
	assert_error_names(no_reason, "reason");
	struct http_response *voided = assessment_void_as(
		first, supervisor, "{\"reason\":\"Entered for the wrong person.\"}");
	expect(voided, 200, "voiding");
	cr_assert_neq(member(voided, "voided_at"), NULL);
	cr_assert_str_eq(member(voided, "void_reason"), "Entered for the wrong person.");
	cr_assert_eq(json_integer_value(json_object_get(voided->json, "version")), 2);
	struct http_response *twice =
		assessment_void_as(first, supervisor, "{\"reason\":\"Again.\"}");
	cr_assert_eq(twice->status, 409, "%s", twice->body);
	char states[256];
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 due; follow_up/1 upcoming", "the slot is free");
	const char *replacement = assessment_ok(&episodes, id, "baseline", -1);
	struct http_response *read = episode_get(id, supervisor);
	cr_assert_str_eq(member_of(json_array_get(json_object_get(read->json, "schedule"), 0),
				   "assessment_id"),
			 replacement);
	cr_assert_eq(audit_events_by(episodes.provider.supervisor.subject, first, "update"), 1);
}

Test(episode_assessments, a_closed_episode_takes_its_discharge)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	/* Closed 20 days after its start, before its first follow-up fell due. */
	char started[16], ended[16], body[256];
	episode_day(&episodes, -40, started);
	episode_day(&episodes, -20, ended);
	snprintf(body, sizeof body,
		 "{\"program\":\"SOR\",\"started_on\":\"%s\",\"ended_on\":\"%s\","
		 "\"end_reason\":\"completed\"}",
		 started, ended);
	struct http_response *created = episode_post(episodes.person.id, supervisor, body);
	expect(created, 201, "a past episode");
	const char *id = arena_text(strdup(member(created, "id")));
	char states[256];
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 overdue; discharge/0 due");
	assessment_ok(&episodes, id, "discharge", 0);
	assessment_ok(&episodes, id, "baseline", -30);
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 done; discharge/0 done");
	struct http_response *follow_up = assessment_post(&episodes, id, supervisor, "follow_up",
							  -1, "[3,3,3,3,3,3,3,3,3,3]");
	cr_assert_eq(follow_up->status, 422, "%s", follow_up->body);
}

/* Two baselines sent at once: they choose their slots in turn on the episode's row, so one
 * fills the baseline and the other, finding it filled, is 422; never a 500. Two follow-ups
 * at once in overlapping windows: the second takes the next slot. */
Test(episode_assessments, two_at_once_for_one_slot_take_turns)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const char *supervisor = episodes.provider.supervisor.token;
	/* Follow-ups every 20 days, windows of ±15: day 25 is in the windows of 1 and 2. */
	expect(episode_schedule_set(&episodes, "{\"interval_days\":20,\"window_days\":15}"), 200,
	       "overlapping windows");
	const char *id = episode_open_ok(&episodes, episodes.person.id, "SOR", 25);
	const char *const timepoints[] = {"baseline", "follow_up"};
	for (size_t t = 0; t < 2; t++) {
		char path[128], day[16], body[256];
		snprintf(path, sizeof path, "/v1/episodes/%s/assessments", id);
		episode_day(&episodes, 0, day);
		snprintf(body, sizeof body,
			 "{\"timepoint\":\"%s\",\"administered_on\":\"%s\","
			 "\"answers\":[3,3,3,3,3,3,3,3,3,3]}",
			 timepoints[t], day);
		PGconn *lock = row_lock_episode(id);
		struct background_request posts[2];
		for (size_t i = 0; i < 2; i++) {
			posts[i] = (struct background_request){
				.request = {.method = "POST",
					    .path = path,
					    .token = supervisor,
					    .content_type = "application/json",
					    .body = body}};
			background_send(&posts[i]);
		}
		sleep_ms(300);
		row_lock_release(lock);
		long statuses[2];
		for (size_t i = 0; i < 2; i++) {
			struct http_response *answer = background_wait(&posts[i]);
			statuses[i] = answer->status;
			cr_assert(answer->status == 201 || answer->status == 422, "%s %zu: %s",
				  timepoints[t], i, answer->body);
			http_response_free(answer);
		}
		long created = (statuses[0] == 201) + (statuses[1] == 201);
		cr_assert_eq(created, t == 0 ? 1 : 2, "%s: %ld and %ld", timepoints[t], statuses[0],
			     statuses[1]);
	}
	char states[256];
	episode_states(id, supervisor, states, sizeof states);
	cr_assert_str_eq(states, "baseline/0 done; follow_up/1 done; follow_up/2 done");
}
