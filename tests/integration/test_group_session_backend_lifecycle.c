/* Group sessions from the backend's side (API.md "Group sessions"): a roster of three
 * signed into two billed notes, the roster's 422s, the capacity's 409, and a session
 * frozen once signed. The black-box suites (test_group_session_*.c) hold the contract. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(group_session_backend_lifecycle, .init = arena_open, .fini = arena_close);

struct group {
	struct world world;
	struct person people[3];
};

static void group_open(struct group *group)
{
	world_build(&group->world,
		    (struct world_options){.specialist = true, .certified_around_today = true});
	for (size_t i = 0; i < 3; i++)
		person_assigned(&group->people[i], &group->world, &group->world.specialist);
}

/* A 60-minute session an hour ago: people[0] present, [1] left after 25 minutes, [2]
 * absent. */
static json_t *session_doc(const struct group *group)
{
	char occurred[32];
	local_instant(0, "00:05", occurred, sizeof occurred);
	return json_pack("{s:[s], s:s, s:i, s:s, s:s, s:s, s:s, s:["
			 "{s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:i, s:s, s:[s]}, {s:s, s:s}]}",
			 "facilitator_ids", group->world.specialist.id, "occurred_at", occurred,
			 "duration_minutes", 60, "modality", "in_person", "location",
			 "Harbor office", "topic", "WRAP: daily maintenance", "domain", "emotional",
			 "attendance", "participant_id", group->people[0].id, "status", "present",
			 "note", "Shared her plan", "goal_ids", group->people[0].goal_id,
			 "participant_id", group->people[1].id, "status", "left_early", "minutes",
			 25, "note", "Left for work", "goal_ids", group->people[1].goal_id,
			 "participant_id", group->people[2].id, "status", "absent");
}

static char *session_create_ok(const struct group *group, const char *token)
{
	json_t *doc = session_doc(group);
	struct http_response *created = http_send_json("POST", "/v1/group-sessions", token, doc);
	json_decref(doc);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "draft");
	return strdup(member(created, "id"));
}

static void session_path(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "/v1/group-sessions/%s%s", id, suffix);
}

Test(group_session_backend_lifecycle, signing_makes_a_billed_note_per_attendee_who_came)
{
	struct group group;
	group_open(&group);
	const char *specialist = group.world.specialist.token;
	char *id = session_create_ok(&group, specialist);
	char path[160];
	session_path(path, sizeof path, id, "/sign");
	struct http_response *signed_ = http_post(path, specialist, NULL);
	cr_assert_eq(signed_->status, 200, "%s", signed_->body);
	cr_assert_str_eq(member(signed_, "status"), "signed");
	json_t *note_ids = json_object_get(signed_->json, "note_ids");
	cr_assert_eq(json_array_size(note_ids), 2, "%s", signed_->body);
	int units[2] = {0, 0};
	for (size_t i = 0; i < 2; i++) {
		struct http_response *note =
			note_get(json_string_value(json_array_get(note_ids, i)), specialist);
		cr_assert_eq(note->status, 200, "%s", note->body);
		cr_assert_str_eq(member(note, "modality"), "group");
		cr_assert_str_eq(member(note, "status"), "signed");
		cr_assert_str_eq(member(note, "group_session_id"), id);
		const json_t *billing = json_object_get(note->json, "billing");
		cr_assert_str_eq(
			json_string_value(json_array_get(json_object_get(billing, "modifiers"), 0)),
			"HQ");
		bool first = strcmp(member(note, "participant_id"), group.people[0].id) == 0;
		units[first ? 0 : 1] = (int)json_integer_value(json_object_get(billing, "units"));
	}
	cr_assert_eq(units[0], 4, "present: the whole hour");
	cr_assert_eq(units[1], 1, "left early: 25 minutes");

	/* Twice: 409; and nothing of it changes any more. */
	cr_assert_eq(http_post(path, specialist, NULL)->status, 409);
	session_path(path, sizeof path, id, "");
	cr_assert_eq(http_patch(path, specialist, "{\"topic\": \"Another\"}", NULL)->status, 409);
	session_path(path, sizeof path, id, "/cancel");
	cr_assert_eq(http_post(path, specialist, "{\"reason\": \"late\"}")->status, 409);
	free(id);
}

Test(group_session_backend_lifecycle, a_bad_roster_names_every_broken_field)
{
	struct group group;
	group_open(&group);
	json_t *doc = session_doc(&group);
	json_t *attendance = json_object_get(doc, "attendance");
	json_object_set_new(json_array_get(attendance, 0), "minutes", json_integer(30));
	json_object_del(json_array_get(attendance, 1), "minutes");
	json_object_set_new(json_array_get(attendance, 1), "goal_ids",
			    json_pack("[s]", UNKNOWN_ID));
	json_object_set_new(json_array_get(attendance, 2), "participant_id",
			    json_string(UNKNOWN_ID));
	struct http_response *refused =
		http_send_json("POST", "/v1/group-sessions", group.world.specialist.token, doc);
	json_decref(doc);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	cr_assert(names_field(refused, "attendance[0].minutes"), "%s", refused->body);
	cr_assert(names_field(refused, "attendance[1].minutes"), "%s", refused->body);
	cr_assert(names_field(refused, "attendance[1].goal_ids"), "%s", refused->body);
	cr_assert(names_field(refused, "attendance[2].participant_id"), "%s", refused->body);
}

Test(group_session_backend_lifecycle, over_capacity_is_a_conflict_and_roles_are_kept)
{
	struct group group;
	group_open(&group);
	char path[160];
	snprintf(path, sizeof path, "/v1/organizations/%s", group.world.provider);
	struct http_response *set = http_patch_as_read(path, group.world.supervisor.token,
						       "{\"settings\": {\"max_group_size\": 1}}");
	cr_assert_eq(set->status, 200, "%s", set->body);
	json_t *doc = session_doc(&group);
	struct http_response *full =
		http_send_json("POST", "/v1/group-sessions", group.world.supervisor.token, doc);
	json_decref(doc);
	cr_assert_eq(full->status, 409, "%s", full->body);
	cr_assert(strstr(member(full, "detail"), "capacity of 1"), "%s", full->body);

	cr_assert_eq(http_get("/v1/group-sessions", group.world.reporter.token)->status, 403);
	struct actor other;
	specialist_actor_open(&other, group.world.provider, true);
	snprintf(path, sizeof path, "/v1/organizations/%s", group.world.provider);
	(void)http_patch_as_read(path, group.world.supervisor.token,
				 "{\"settings\": {\"max_group_size\": 12}}");
	char *id = session_create_ok(&group, group.world.supervisor.token);
	session_path(path, sizeof path, id, "");
	cr_assert_eq(http_get(path, other.token)->status, 404, "not their session");
	cr_assert_eq(http_get(path, group.world.supervisor.token)->status, 200);
	session_path(path, sizeof path, id, "/sign");
	cr_assert_eq(http_post(path, group.world.supervisor.token, NULL)->status, 403);
	free(id);
}

Test(group_session_backend_lifecycle, a_patch_changes_only_a_draft_and_only_what_it_names)
{
	struct group group;
	group_open(&group);
	char *id = session_create_ok(&group, group.world.supervisor.token);
	char path[160];
	session_path(path, sizeof path, id, "");
	struct http_response *patched =
		http_patch_as_read(path, group.world.supervisor.token,
				   "{\"topic\": \"\\u202eRecovery \\ud83d\\ude00\"}");
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2);
	cr_assert_eq(json_array_size(json_object_get(patched->json, "attendance")), 3);
	free(id);
}
