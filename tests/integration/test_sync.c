/* Sync (API.md "Subscriptions", last bullet): ?updated_since= lists the rows changed at or
 * after it, oldest change first, paged with a cursor of that order; the changes the server
 * makes itself (a referral engaged by its first note, a specialist's caseload) move
 * updated_at too. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "certifications_support.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(sync, .init = arena_open, .fini = arena_close);

/* The updated_at of the resource at path, as token reads it. */
static const char *updated_at_of(const char *path, const char *token)
{
	struct http_response *read = http_get(path, token);
	cr_assert_eq(read->status, 200, "%s: %s", path, read->body);
	return http_string(read, "updated_at");
}

/* Asserts that list (a path without a query, or with one) lists exactly expected (ids
 * joined by spaces, oldest change first) changed since since: in one page, and a row a
 * page, each row once. */
static void expect_changes(const char *list, const char *token, const char *since,
			   const char *expected)
{
	const char *joiner = strchr(list, '?') ? "&" : "?";
	char path[512], ids[2048];
	snprintf(path, sizeof path, "%s%supdated_since=%s", list, joiner, since);
	list_ids(path, token, ids, sizeof ids);
	cr_expect_str_eq(ids, expected, "%s", path);
	snprintf(path, sizeof path, "%s%slimit=1&updated_since=%s", list, joiner, since);
	list_ids(path, token, ids, sizeof ids);
	cr_expect_str_eq(ids, expected, "a row a page: %s", path);
	struct http_response *page = http_get(path, token);
	cr_assert_eq(page->status, 200, "%s", page->body);
	json_t *item;
	size_t index;
	const char *previous = NULL;
	json_array_foreach (json_object_get(page->json, "items"), index, item) {
		const char *at = json_string_value(json_object_get(item, "updated_at"));
		cr_expect(at && strcmp(at, since) >= 0, "changed before since: %s", page->body);
		cr_expect(!previous || strcmp(previous, at) <= 0, "oldest first: %s", page->body);
		previous = at;
	}
}

/* updated_at is written to the second: what changes after this is later than all before. */
static void next_second(void)
{
	usleep(1100 * 1000);
}

static char *path_of_id(const char *prefix, const char *id, const char *suffix)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s%s", prefix, id, suffix);
	return arena_text(strdup(path));
}

Test(sync, referrals_and_the_changes_the_server_makes)
{
	struct world provider;
	struct person first, second;
	person_world_build(&provider, (struct world_options){.specialist = true}, &first);
	next_second();
	person_assigned(&second, &provider, &provider.specialist);
	const char *token = provider.supervisor.token;
	const char *since =
		updated_at_of(path_of_id("/v1/referrals/", second.referral_id, ""), token);
	char expected[256];
	snprintf(expected, sizeof expected, "%s", second.referral_id);
	expect_changes("/v1/referrals", token, since, expected);

	/* The first note engages the first referral: a change the server makes. */
	char now[32];
	now_instant(now, sizeof now);
	free(note_draft_ok(provider.specialist.token,
			   note_doc(first.id, first.goal_id, now, 30, "phone")));
	snprintf(expected, sizeof expected, "%s %s", second.referral_id, first.referral_id);
	expect_changes("/v1/referrals", token, since, expected);
	struct http_response *engaged =
		http_get(path_of_id("/v1/referrals/", first.referral_id, ""), token);
	cr_assert_str_eq(http_string(engaged, "status"), "engaged", "%s", engaged->body);

	/* The note itself, and the participants' goals, by the same rule. */
	struct http_response *notes = http_get(
		path_of_id("/v1/session-notes?participant_id=", first.id, "&updated_since="),
		token);
	cr_assert_eq(notes->status, 400, "an empty updated_since is malformed: %s", notes->body);
	char *note_list = path_of_id("/v1/session-notes?participant_id=", first.id, "");
	struct http_response *listed = http_get(note_list, token);
	json_t *note = json_array_get(json_object_get(listed->json, "items"), 0);
	const char *note_id = json_string_value(json_object_get(note, "id"));
	cr_assert(note_id, "%s", listed->body);
	expect_changes(note_list, token, json_string_value(json_object_get(note, "updated_at")),
		       note_id);

	/* A specialist whose caseload changed shows up; one who did not, not. */
	char *third = path_of_id("/v1/specialists/", provider.specialist.id, "");
	const char *before = updated_at_of(third, token);
	next_second();
	struct actor idle;
	specialist_actor_open(&idle, provider.provider, true);
	struct person another;
	const char *mark = updated_at_of(path_of_id("/v1/specialists/", idle.id, ""), token);
	person_assigned(&another, &provider, &provider.specialist);
	cr_assert_str_neq(updated_at_of(third, token), before, "the caseload moved updated_at");
	char *scoped = path_of_id("/v1/specialists?organization_id=", provider.provider, "");
	snprintf(expected, sizeof expected, "%s %s", idle.id, provider.specialist.id);
	expect_changes(scoped, token, mark, expected);
}

Test(sync, participants_goals_consents_and_certifications)
{
	struct world provider;
	world_build(&provider, (struct world_options){.specialist = true});
	const char *token = provider.supervisor.token;
	struct person first, second;
	person_walk_in(&first, &provider);
	char *pending = arena_text(create_certification(provider.specialist.id, "pending",
							"2026-01-01", "2028-01-01"));
	next_second();
	person_walk_in(&second, &provider);
	char *scoped = path_of_id("/v1/participants?organization_id=", provider.provider, "");
	const char *since = updated_at_of(path_of_id("/v1/participants/", second.id, ""), token);
	cr_assert_eq(http_patch_as_read(path_of_id("/v1/participants/", first.id, ""), token,
					"{\"county\":\"Lane\"}")
			     ->status,
		     200);
	char expected[256];
	snprintf(expected, sizeof expected, "%s %s", second.id, first.id);
	expect_changes(scoped, token, since, expected);

	/* Goals of one participant. */
	char *goals = path_of_id("/v1/participants/", first.id, "/goals");
	char *later = arena_text(goal_set_ok(first.id, token, "financial"));
	since = updated_at_of(path_of_id("/v1/goals/", later, ""), token);
	goal_discontinue(first.goal_id, token);
	snprintf(expected, sizeof expected, "%s %s", later, first.goal_id);
	expect_changes(goals, token, since, expected);

	/* Consents: a participant-scoped list. */
	char *consents = path_of_id("/v1/participants/", first.id, "/consents");
	struct http_response *consent = http_post(
		consents, token,
		"{\"kind\":\"release_of_information\",\"recipients\":[{\"name\":\"County\"}],"
		"\"purpose\":\"Coordination\",\"information\":[\"attendance\"],"
		"\"signed_on\":\"2026-01-02\",\"signed_by\":\"participant\"}");
	cr_assert_eq(consent->status, 201, "%s", consent->body);
	expect_changes(consents, token, http_string(consent, "updated_at"),
		       http_string(consent, "id"));

	/* Certifications: a verification is a change. */
	char *other = arena_text(create_certification(provider.specialist.id, "pending",
						      "2026-01-01", "2028-06-01"));
	since = updated_at_of(path_of_id("/v1/certifications/", other, ""), token);
	struct http_response *verified = verify_certification(pending, token);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	snprintf(expected, sizeof expected, "%s %s", other, pending);
	expect_changes(path_of_id("/v1/specialists/", provider.specialist.id, "/certifications"),
		       token, since, expected);
	expect_changes(path_of_id("/v1/certifications?specialist_id=", provider.specialist.id, ""),
		       token, since, expected);
}

Test(sync, malformed_future_and_cursors_of_the_other_order)
{
	struct world provider;
	struct person first, second;
	person_world_build(&provider, (struct world_options){0}, &first);
	person_walk_in(&second, &provider);
	const char *token = provider.supervisor.token;
	const char *bad[] = {"yesterday", "2026-01-01", "2026-01-01T00:00:00",
			     "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char path[128];
		snprintf(path, sizeof path, "/v1/participants?updated_since=%s", bad[i]);
		struct http_response *refused = http_get(path, token);
		cr_expect_eq(refused->status, 400, "%s: %s", bad[i], refused->body);
	}
	struct http_response *future =
		http_get("/v1/participants?updated_since=2999-01-01T00:00:00Z", token);
	cr_assert_eq(future->status, 200, "%s", future->body);
	cr_assert_eq(json_array_size(json_object_get(future->json, "items")), 0);
	struct http_response *offset =
		http_get("/v1/participants?updated_since=2026-01-01T00:00:00%2B02:00", token);
	cr_assert_eq(offset->status, 200, "%s", offset->body);

	/* A cursor of one order is no position in the other. */
	struct http_response *newest = http_get("/v1/participants?limit=1", token);
	const char *cursor = http_string(newest, "next_cursor");
	cr_assert(cursor, "%s", newest->body);
	char path[512];
	snprintf(path, sizeof path,
		 "/v1/participants?limit=1&updated_since=2000-01-01T00:00:00Z&cursor=%s", cursor);
	cr_expect_eq(http_get(path, token)->status, 400);
	struct http_response *changes =
		http_get("/v1/participants?limit=1&updated_since=2000-01-01T00:00:00Z", token);
	cursor = http_string(changes, "next_cursor");
	cr_assert(cursor, "%s", changes->body);
	snprintf(path, sizeof path, "/v1/participants?limit=1&cursor=%s", cursor);
	cr_expect_eq(http_get(path, token)->status, 400);

	/* The work queue keeps its own order. */
	struct http_response *queue = http_get(
		"/v1/episodes?assessment_due=true&updated_since=2026-01-01T00:00:00Z", token);
	cr_expect_eq(queue->status, 400, "%s", queue->body);
}

Test(sync, subscriptions_changed_since)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	const char *token = provider.supervisor.token;
	const char *body = "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"note.signed\"]}";
	struct http_response *first = http_post("/v1/subscriptions", token, body);
	cr_assert_eq(first->status, 201, "%s", first->body);
	next_second();
	struct http_response *second = http_post("/v1/subscriptions", token, body);
	cr_assert_eq(second->status, 201, "%s", second->body);
	const char *since = http_string(second, "updated_at");
	/* Paused by its owner: a change (the worker disabling one moves updated_at by sql/040). */
	cr_assert_eq(
		http_patch_as_read(path_of_id("/v1/subscriptions/", http_string(first, "id"), ""),
				   token, "{\"active\":false}")
			->status,
		200);
	char expected[128];
	snprintf(expected, sizeof expected, "%s %s", http_string(second, "id"),
		 http_string(first, "id"));
	expect_changes("/v1/subscriptions", token, since, expected);
}
