/* One person, one record (API.md): intake reuses the provider's participant, a
 * supervisor lists possible duplicates and merges one into another, and a merged
 * participant reads but is never written again. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "billing_support.h"
#include "episodes_support.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "plans_support.h"
#include "referrals_support.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(participant_merge, .init = arena_open, .fini = arena_close);

/* The names of a JSON object's members, in order, comma-joined into out. */
static void member_names(const json_t *object, char *out, size_t size)
{
	const char *key;
	json_t *value;
	out[0] = '\0';
	json_object_foreach ((json_t *)object, key, value) {
		strncat(out, key, size - strlen(out) - 1);
		strncat(out, ",", size - strlen(out) - 1);
	}
}

static const char *participant_of(const char *referral_id, const char *token)
{
	struct http_response *read = get_referral(referral_id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	return member(read, "participant_id");
}

Test(participant_merge, intake_reuses_the_same_person_and_tells_the_partner_nothing)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	struct http_response *first = submit(world.partner.token, body, NULL);
	cr_assert_eq(first->status, 201, "%s", first->body);
	/* The same person, names in another case, other contact details. */
	json_t *again = json_deep_copy(body);
	json_t *person = json_object_get(again, "participant");
	json_object_set_new(person, "given_name", json_string("ROSA"));
	json_object_set_new(person, "family_name", json_string("alvarez"));
	json_object_set_new(person, "phone", json_string("+1 503-555-0199"));
	json_object_set_new(again, "external_id", json_string("another-ref"));
	struct http_response *second = submit(world.partner.token, again, NULL);
	cr_assert_eq(second->status, 201, "%s", second->body);
	char first_names[512], second_names[512];
	member_names(first->json, first_names, sizeof first_names);
	member_names(second->json, second_names, sizeof second_names);
	cr_assert_str_eq(first_names, second_names);
	cr_assert_null(json_object_get(second->json, "participant_id"));
	cr_assert_str_eq(member(first, "status"), member(second, "status"));
	cr_assert_eq(referrals_stored(world.partner_organization), 2);
	cr_assert_eq(participants_stored(world.provider), 1);
	const char *kept = participant_of(member(first, "id"), world.supervisor.token);
	cr_assert_str_eq(participant_of(member(second, "id"), world.supervisor.token), kept);
	/* Its contact details are as they were. */
	struct http_response *read =
		http_get(arena_text(path_of("/v1/participants", kept, "")), world.supervisor.token);
	cr_assert_str_eq(member(read, "phone"), "+1 503-555-0142");
	cr_assert(json_is_null(json_object_get(read->json, "merged_into")), "%s", read->body);
	/* Another birth date is another person. */
	json_object_set_new(person, "birth_date", json_string("1988-03-15"));
	json_object_set_new(again, "external_id", json_string("third-ref"));
	struct http_response *third = submit(world.partner.token, again, NULL);
	cr_assert_eq(third->status, 201, "%s", third->body);
	cr_assert_eq(participants_stored(world.provider), 2);
	json_decref(again);
	json_decref(body);
}

Test(participant_merge, substance_use_intake_adds_its_consent_to_the_person_reused)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	struct http_response *first = submit(world.partner.token, body, NULL);
	cr_assert_eq(first->status, 201, "%s", first->body);
	json_object_set_new(body, "external_id", json_string("again-ref"));
	struct http_response *second = submit(world.partner.token, body, NULL);
	cr_assert_eq(second->status, 201, "%s", second->body);
	cr_assert_eq(participants_stored(world.provider), 1);
	const char *person = participant_of(member(first, "id"), world.supervisor.token);
	cr_assert_eq(sql_count("SELECT count(*) FROM consents WHERE participant_id = $1"
			       " AND kind = 'part2'",
			       1, (const char *const[]){person}),
		     2);
	json_decref(body);
}

Test(participant_merge, concurrent_intakes_of_one_new_person_make_one_participant)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	enum { INTAKES = 4 };
	pid_t children[INTAKES];
	for (int i = 0; i < INTAKES; i++) {
		json_t *body = referral_body(world.provider, "peer");
		fflush(NULL);
		children[i] = fork();
		cr_assert_geq(children[i], 0);
		if (children[i] == 0) {
			struct http_response *made = submit(world.partner.token, body, NULL);
			_exit(made->status == 201 ? 0 : 1);
		}
		json_decref(body);
	}
	for (int i = 0; i < INTAKES; i++) {
		int status = 0;
		cr_assert_eq(waitpid(children[i], &status, 0), children[i]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	cr_assert_eq(referrals_stored(world.partner_organization), INTAKES);
	cr_assert_eq(participants_stored(world.provider), 1);
}

/* A walk-in of the world's provider with fields (JSON members), its id. */
static const char *walk_in(const struct world *world, const char *fields)
{
	char body[512];
	snprintf(body, sizeof body, "{%s}", fields);
	struct http_response *made = http_post("/v1/participants", world->supervisor.token, body);
	cr_assert_eq(made->status, 201, "%s: %s", body, made->body);
	return member(made, "id");
}

/* The matched_on of id in a possible-duplicates page, comma-joined, or "" if absent. */
static void matched_on(const struct http_response *page, const char *id, char *out, size_t size)
{
	out[0] = '\0';
	size_t i;
	json_t *item;
	json_array_foreach (json_object_get(page->json, "items"), i, item) {
		if (strcmp(member_of(item, "id"), id) != 0)
			continue;
		size_t j;
		json_t *rule;
		json_array_foreach (json_object_get(item, "matched_on"), j, rule) {
			strncat(out, json_string_value(rule), size - strlen(out) - 1);
			strncat(out, ",", size - strlen(out) - 1);
		}
	}
}

Test(participant_merge, possible_duplicates_by_each_rule_and_role)
{
	struct world world;
	world_build(&world, (struct world_options){.specialist = true});
	const char *one =
		walk_in(&world, "\"given_name\":\"Sam\",\"family_name\":\"Ortiz\","
				"\"birth_date\":\"1980-01-02\",\"phone\":\"(503) 555-0101\","
				"\"email\":\"Sam@Example.org\"");
	const char *by_birth = walk_in(&world, "\"given_name\":\"Samuel\",\"family_name\":"
					       "\"ORTIZ\",\"birth_date\":\"1980-01-02\"");
	const char *by_phone = walk_in(&world, "\"given_name\":\"X\",\"family_name\":\"Y\","
					       "\"phone\":\"503.555.0101\"");
	const char *by_email = walk_in(&world, "\"given_name\":\"X\",\"family_name\":\"Z\","
					       "\"email\":\"sam@example.ORG\"");
	const char *unrelated = walk_in(&world, "\"given_name\":\"Sam\",\"family_name\":"
						"\"Ortiz\",\"birth_date\":\"1981-01-02\"");
	char *path = arena_text(path_of("/v1/participants", one, "/possible-duplicates"));
	struct http_response *page = http_get(path, world.supervisor.token);
	cr_assert_eq(page->status, 200, "%s", page->body);
	char rules[128];
	matched_on(page, by_birth, rules, sizeof rules);
	cr_assert_str_eq(rules, "birth_date_and_family_name,");
	matched_on(page, by_phone, rules, sizeof rules);
	cr_assert_str_eq(rules, "phone,");
	matched_on(page, by_email, rules, sizeof rules);
	cr_assert_str_eq(rules, "email,");
	matched_on(page, unrelated, rules, sizeof rules);
	cr_assert_str_eq(rules, "");
	matched_on(page, one, rules, sizeof rules);
	cr_assert_str_eq(rules, "");
	cr_assert_eq(json_array_size(json_object_get(page->json, "items")), 3, "%s", page->body);
	cr_assert_eq(http_get(path, world.admin.token)->status, 200);
	cr_assert_eq(http_get(path, world.specialist.token)->status, 403);
	cr_assert_eq(http_get(path, world.reporter.token)->status, 403);
	char *other = arena_text(create_organization("provider"));
	char *stranger = arena_text(token_for("supervisor", other));
	cr_assert_eq(http_get(path, stranger)->status, 404);
}

static struct http_response *merge(const char *token, const char *into, const char *duplicate)
{
	char body[128];
	snprintf(body, sizeof body, "{\"duplicate_id\":\"%s\"}", duplicate);
	return http_post(arena_text(path_of("/v1/participants", into, "/merge")), token, body);
}

/* The number of items a participant's list at suffix holds, read by token. */
static size_t items_under(const char *participant, const char *suffix, const char *token)
{
	struct http_response *page =
		http_get(arena_text(path_of("/v1/participants", participant, suffix)), token);
	cr_assert_eq(page->status, 200, "%s: %s", suffix, page->body);
	return json_array_size(json_object_get(page->json, "items"));
}

Test(participant_merge, merge_moves_records_and_closes_the_duplicate)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true, .specialist = true});
	const char *keep = walk_in(&world, "\"given_name\":\"Ana\",\"family_name\":\"Diaz\"");
	json_t *body = referral_body(world.provider, "peer");
	const char *referral = arena_text(submit_ok(world.partner.token, body));
	json_decref(body);
	const char *duplicate = participant_of(referral, world.supervisor.token);
	const char *goals = arena_text(path_of("/v1/participants", duplicate, "/goals"));
	struct http_response *goal =
		http_post(goals, world.supervisor.token,
			  "{\"domain\":\"social\",\"statement\":\"See my friends weekly.\"}");
	cr_assert_eq(goal->status, 201, "%s", goal->body);
	struct http_response *coverage = http_post(
		arena_text(path_of("/v1/participants", duplicate, "/coverages")),
		world.supervisor.token,
		"{\"payer\":\"medicaid\",\"member_id\":\"M123\",\"starts_on\":\"2025-01-01\"}");
	cr_assert_eq(merge(world.specialist.token, keep, duplicate)->status, 403);
	cr_assert_eq(merge(world.supervisor.token, keep, keep)->status, 422);
	char *other = arena_text(create_organization("provider"));
	char *stranger = arena_text(token_for("supervisor", other));
	cr_assert_eq(merge(stranger, keep, duplicate)->status, 404);
	struct http_response *merged = merge(world.supervisor.token, keep, duplicate);
	cr_assert_eq(merged->status, 200, "%s", merged->body);
	cr_assert_str_eq(member(merged, "id"), keep);
	cr_assert_str_eq(participant_of(referral, world.supervisor.token), keep);
	cr_assert_eq(items_under(keep, "/goals", world.supervisor.token), 1);
	cr_assert_eq(items_under(duplicate, "/goals", world.supervisor.token), 0);
	if (coverage->status == 201)
		cr_assert_eq(items_under(keep, "/coverages", world.supervisor.token), 1);
	struct http_response *read = http_get(
		arena_text(path_of("/v1/participants", duplicate, "")), world.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "merged_into"), keep);
	/* Never written again, nor merged again. */
	cr_assert_eq(http_post(goals, world.supervisor.token,
			       "{\"domain\":\"social\",\"statement\":\"Again.\"}")
			     ->status,
		     409);
	cr_assert_eq(http_patch(arena_text(path_of("/v1/participants", duplicate, "")),
				world.supervisor.token, "{\"county\":\"Lane\"}", NULL)
			     ->status,
		     409);
	cr_assert_eq(merge(world.supervisor.token, keep, duplicate)->status, 409);
	cr_assert_eq(merge(world.supervisor.token, duplicate, keep)->status, 409);
	/* Still in the inbox or already chained (sql/013). */
	cr_assert_eq(audit_events_by(world.supervisor.subject, keep, "merge") +
			     audit_events_by(world.supervisor.subject, duplicate, "merge"),
		     2);
}

/* A signed plan of kind for participant, signed today by token; its id. */
static const char *signed_plan(const char *participant, const char *token, const char *kind)
{
	const char *id = plan_draft_ok(participant, token, plan_doc(kind));
	char today[16];
	days_from_today(0, today, sizeof today);
	plan_sign_ok(id, token, today);
	return id;
}

/* A JSON member's text, compact, kept in the arena (NULL when absent). */
static const char *member_json(const struct http_response *response, const char *key)
{
	json_t *value = json_object_get(response->json, key);
	return value ? arena_text(json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS)) : NULL;
}

Test(participant_merge, signed_records_move_unchanged_and_open_episodes_conflict)
{
	struct episode_world episodes;
	episode_world_open(&episodes, (struct world_options){0});
	const struct world *provider = &episodes.provider;
	const char *supervisor = provider->supervisor.token;
	const char *duplicate = episodes.person.id;
	struct person keep;
	person_walk_in(&keep, provider);
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);
	const char *note = arena_text(note_draft_ok(
		provider->specialist.token,
		note_doc(duplicate, episodes.person.goal_id, occurred, 30, "in_person")));
	json_decref(note_sign_ok(note, provider->specialist.token));
	struct http_response *note_before = note_get(note, supervisor);
	const char *old_plan = signed_plan(duplicate, supervisor, "recovery");
	const char *wrap_plan = signed_plan(duplicate, supervisor, "wrap");
	const char *kept_plan = signed_plan(keep.id, supervisor, "recovery");
	const char *episode = episode_open_ok(&episodes, duplicate, "SOR", 5);
	const char *open_too = episode_open_ok(&episodes, keep.id, "SOR", 3);
	/* Both open in one program: 409, and nothing changes. */
	struct http_response *refused = merge(supervisor, keep.id, duplicate);
	cr_assert_eq(refused->status, 409, "%s", refused->body);
	struct http_response *still =
		http_get(arena_text(path_of("/v1/participants", duplicate, "")), supervisor);
	cr_assert(json_is_null(json_object_get(still->json, "merged_into")), "%s", still->body);
	cr_assert_eq(items_under(duplicate, "/goals", supervisor), 1);
	cr_assert_eq(items_under(duplicate, "/plans", supervisor), 2);
	char day[16], body[128];
	episode_day(&episodes, -1, day);
	snprintf(body, sizeof body, "{\"ended_on\":\"%s\",\"end_reason\":\"moved\"}", day);
	struct http_response *closed = http_patch_as_read(
		arena_text(path_of("/v1/episodes", open_too, "")), supervisor, body);
	cr_assert_eq(closed->status, 200, "%s", closed->body);
	struct http_response *merged = merge(supervisor, keep.id, duplicate);
	cr_assert_eq(merged->status, 200, "%s", merged->body);
	/* Every record is the survivor's now. */
	cr_assert_eq(items_under(keep.id, "/goals", supervisor), 2);
	cr_assert_eq(items_under(keep.id, "/plans", supervisor), 3);
	cr_assert_eq(items_under(keep.id, "/episodes", supervisor), 2);
	cr_assert_eq(items_under(duplicate, "/episodes", supervisor), 0);
	cr_assert_str_eq(
		member(http_get(arena_text(path_of("/v1/episodes", episode, "")), supervisor),
		       "participant_id"),
		keep.id);
	/* The signed note: its content and billing as they were. */
	struct http_response *note_after = note_get(note, supervisor);
	cr_assert_str_eq(member(note_after, "participant_id"), keep.id);
	cr_assert_str_eq(member(note_after, "status"), "signed");
	const char *same[] = {"billing", "narrative", "occurred_at",
			      "minutes", "signed_at", "goal_id"};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		const char *was = member_json(note_before, same[i]);
		const char *is = member_json(note_after, same[i]);
		cr_assert((was == NULL && is == NULL) || (was && is && strcmp(was, is) == 0),
			  "%s: %s -> %s", same[i], was ? was : "-", is ? is : "-");
	}
	/* One active plan per kind: the duplicate's recovery plan is superseded. */
	cr_assert_str_eq(member(plan_get(old_plan, supervisor), "status"), "superseded");
	cr_assert_str_eq(member(plan_get(kept_plan, supervisor), "status"), "active");
	cr_assert_str_eq(member(plan_get(wrap_plan, supervisor), "status"), "active");
	cr_assert_str_eq(member(plan_get(wrap_plan, supervisor), "participant_id"), keep.id);
}

/* Whether a participant's list at suffix, read by token, holds the item id. */
static bool listed_under(const char *participant, const char *suffix, const char *id,
			 const char *token)
{
	struct http_response *page =
		http_get(arena_text(path_of("/v1/participants", participant, suffix)), token);
	cr_assert_eq(page->status, 200, "%s: %s", suffix, page->body);
	size_t i;
	json_t *item;
	json_array_foreach (json_object_get(page->json, "items"), i, item)
		if (strcmp(member_of(item, "id"), id) == 0)
			return true;
	return false;
}

/* The one attendance entry of a group session, as token reads it. */
static const json_t *only_attendee(const char *session, const char *token)
{
	struct http_response *read = group_get(session, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	const json_t *attendance = json_object_get(read->json, "attendance");
	cr_assert_eq(json_array_size(attendance), 1, "%s", read->body);
	return json_array_get(attendance, 0);
}

/* The units_used of an authorization, as token reads it. */
static json_int_t units_used(const char *authorization, const char *token)
{
	struct http_response *read =
		http_get(arena_text(path_of("/v1/authorizations", authorization, "")), token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	return json_integer_value(json_object_get(read->json, "units_used"));
}

Test(participant_merge, consents_coverages_authorizations_assessments_and_attendance_move)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){.partner = true}, 2);
	const struct world *provider = &group.provider;
	const char *supervisor = provider->supervisor.token;
	const char *duplicate = group.people[0].id;
	const char *keep = group.people[1].id;
	settings_set(provider, "\"require_authorization\": true");
	/* A consent, a coverage and an authorization with a signed note billed under it. */
	char consent[512];
	snprintf(consent, sizeof consent,
		 "{\"kind\":\"part2\",\"recipients\":[{\"organization_id\":\"%s\"}],"
		 "\"purpose\":\"Follow-up\",\"information\":[\"all\"],\"signed_on\":\"2026-01-05\","
		 "\"signed_by\":\"participant\",\"expiry_event\":\"End of treatment\"}",
		 provider->partner_organization);
	struct http_response *consented =
		http_post(arena_text(path_of("/v1/participants", duplicate, "/consents")),
			  supervisor, consent);
	cr_assert_eq(consented->status, 201, "%s", consented->body);
	const char *authorization = authorization_held(provider, duplicate, 20, -30, 30);
	struct http_response *held =
		http_get(arena_text(path_of("/v1/authorizations", authorization, "")), supervisor);
	const char *coverage = member(held, "coverage_id");
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);
	const char *note = arena_text(note_draft_ok(
		provider->specialist.token,
		note_doc(duplicate, group.people[0].goal_id, occurred, 60, "in_person")));
	json_t *billing = note_sign_ok(note, provider->specialist.token);
	assert_billed_under(billing, authorization, "the duplicate's note");
	json_decref(billing);
	const char *billing_before = member_json(note_get(note, supervisor), "billing");
	/* An episode with an assessment. */
	struct episode_world episodes = {.provider = group.provider, .person = group.people[0]};
	const char *episode = episode_open_ok(&episodes, duplicate, "SOR", 100);
	const char *assessment = assessment_ok(&episodes, episode, "baseline", -95);
	/* A signed session both attended (the survivor present, the duplicate leaving early),
	 * and a draft only the duplicate attends. */
	const struct showing both[] = {{"left_early", 30}, {"present", 0}};
	const char *together = group_roster_draft_ok(&group, 2, "10:00", 60, both, 2);
	group_sign_ok(together, provider->specialist.token);
	const struct showing alone[] = {{"present", 0}};
	const char *apart = group_roster_draft_ok(&group, 3, "10:00", 60, alone, 1);
	json_int_t used = units_used(authorization, supervisor);
	struct http_response *merged = merge(supervisor, keep, duplicate);
	cr_assert_eq(merged->status, 200, "%s", merged->body);
	/* Each is the survivor's now, and none is listed under the duplicate. */
	const char *consent_id = member(consented, "id");
	cr_assert(listed_under(keep, "/consents", consent_id, supervisor));
	cr_assert_not(listed_under(duplicate, "/consents", consent_id, supervisor));
	cr_assert(listed_under(keep, "/coverages", coverage, supervisor));
	cr_assert_not(listed_under(duplicate, "/coverages", coverage, supervisor));
	cr_assert(listed_under(keep, "/authorizations", authorization, supervisor));
	cr_assert_not(listed_under(duplicate, "/authorizations", authorization, supervisor));
	cr_assert(listed_under(keep, "/episodes", episode, supervisor));
	struct http_response *assessed =
		http_get(arena_text(path_of("/v1/assessments", assessment, "")), supervisor);
	cr_assert_eq(assessed->status, 200, "%s", assessed->body);
	cr_assert_str_eq(member(assessed, "episode_id"), episode);
	cr_assert_str_eq(member(assessed, "participant_id"), keep);
	/* Ten answers of 3: the generated score is kept through the move. */
	cr_assert_eq(json_integer_value(json_object_get(assessed->json, "score")), 30, "%s",
		     assessed->body);
	/* The session both attended keeps the survivor's row alone; the other names it. */
	const json_t *kept = only_attendee(together, supervisor);
	cr_assert_str_eq(member_of(kept, "participant_id"), keep);
	cr_assert_str_eq(member_of(kept, "status"), "present");
	cr_assert_str_eq(member_of(only_attendee(apart, supervisor), "participant_id"), keep);
	/* What was billed is as it was. */
	assert_units_used(provider, authorization, (int)used);
	struct http_response *note_after = note_get(note, supervisor);
	cr_assert_str_eq(member(note_after, "participant_id"), keep);
	cr_assert_str_eq(member_json(note_after, "billing"), billing_before);
	/* Still in the inbox or already chained (sql/013). */
	cr_assert_eq(audit_events_by(provider->supervisor.subject, keep, "merge") +
			     audit_events_by(provider->supervisor.subject, duplicate, "merge"),
		     2);
}
