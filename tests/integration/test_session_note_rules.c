/* What a session note must be (API.md, Session notes): its fields and goals, who writes
 * one for whom, and a draft changing until it is signed. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(session_note_rules, .init = arena_open, .fini = arena_close);

Test(session_note_rules, goal_ids_name_each_goal_that_is_not_active_for_the_participant)
{
	struct world provider;
	struct person person, other;
	person_world_build(&provider, (struct world_options){0}, &person);
	person_assigned(&other, &provider, &provider.specialist);
	char *stopped = goal_set_ok(person.id, provider.specialist.token, "financial");
	goal_discontinue(stopped, provider.specialist.token);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);

	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_t *goals =
		json_pack("[s, s, s, s]", other.goal_id, stopped, UNKNOWN_ID, person.goal_id);
	json_object_set_new(doc, "goal_ids", goals);
	struct http_response *refused = note_post(provider.specialist.token, doc);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "goal_ids[0]");
	assert_error_names(refused, "goal_ids[1]");
	assert_error_names(refused, "goal_ids[2]");
	cr_assert_not(names_field(refused, "goal_ids[3]"), "%s", refused->body);

	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "goal_ids", json_array());
	expect_invalid(note_post(provider.specialist.token, doc), "goal_ids", "no goals");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_del(doc, "goal_ids");
	expect_invalid(note_post(provider.specialist.token, doc), "goal_ids", "goal_ids left out");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "goal_ids", json_pack("[s]", "not-a-goal"));
	expect(note_post(provider.specialist.token, doc), 422, "a goal id that is no UUID");

	/* Nothing was written. */
	char listed[512];
	char path[128];
	snprintf(path, sizeof path, "/v1/session-notes?participant_id=%s", person.id);
	list_ids(path, provider.specialist.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "");

	free(stopped);
}

Test(session_note_rules, fields_are_checked_and_every_broken_one_named)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);
	char at[32], tomorrow[32];
	local_instant(1, "10:00", at, sizeof at);
	local_instant(-1, "10:00", tomorrow, sizeof tomorrow);

	expect_invalid(note_post(provider.specialist.token,
				 note_doc(person.id, person.goal_id, at, 0, "phone")),
		       "duration_minutes", "0 minutes");
	expect_invalid(note_post(provider.specialist.token,
				 note_doc(person.id, person.goal_id, at, 481, "phone")),
		       "duration_minutes", "481 minutes");
	expect_invalid(note_post(provider.specialist.token,
				 note_doc(person.id, person.goal_id, at, 30, "carrier_pigeon")),
		       "modality", "an unknown modality");
	expect_invalid(note_post(provider.specialist.token,
				 note_doc(person.id, person.goal_id, tomorrow, 30, "phone")),
		       "occurred_at", "a session tomorrow");
	expect_invalid(
		note_post(provider.specialist.token,
			  note_doc(person.id, person.goal_id, "2026-02-30T10:00:00Z", 30, "phone")),
		"occurred_at", "no such day");
	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_del(doc, "participant_id");
	expect_invalid(note_post(provider.specialist.token, doc), "participant_id",
		       "no participant");

	/* Every broken field at once. */
	struct http_response *refused =
		note_post(provider.specialist.token,
			  note_doc(person.id, person.goal_id, tomorrow, 0, "telepathy"));
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "occurred_at");
	assert_error_names(refused, "duration_minutes");
	assert_error_names(refused, "modality");

	/* The bounds themselves are allowed. */
	free(note_draft_ok(provider.specialist.token,
			   note_doc(person.id, person.goal_id, at, 1, "phone")));
	free(note_draft_ok(provider.specialist.token,
			   note_doc(person.id, person.goal_id, at, 480, "phone")));

	/* The server writes what the server owns. */
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "status", json_string("signed"));
	expect_invalid(note_post(provider.specialist.token, doc), "status", "status given");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "billing", json_pack("{s:b}", "billable", 1));
	expect_invalid(note_post(provider.specialist.token, doc), "billing", "billing given");
}

/* API.md: occurred_at may not be in the future. RFC 3339 names the same instant with Z,
 * with an offset or with a lower-case t and z, and peerd accepts all of them; the check
 * must hold for each, on POST and on PATCH. Every form is tried before the test fails, and
 * the failures are listed together. */
Test(session_note_rules, occurred_at_in_the_future_is_refused_in_every_form)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);
	char day[16], at[40], past[32], body[128];
	days_from_today(30, day, sizeof day);
	local_instant(1, "10:00", past, sizeof past);
	char *draft = note_draft_ok(provider.specialist.token,
				    note_doc(person.id, person.goal_id, past, 30, "phone"));
	/* The separator and what follows the seconds. */
	const char *const forms[][2] = {
		{"T", "Z"}, {"t", "z"}, {"T", "+00:00"}, {"T", "-07:00"}, {"T", ".5-07:00"},
	};
	char failures[2048] = "";
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		snprintf(at, sizeof at, "%s%s10:00:00%s", day, forms[i][0], forms[i][1]);
		struct http_response *posted =
			note_post(provider.specialist.token,
				  note_doc(person.id, person.goal_id, at, 30, "phone"));
		snprintf(body, sizeof body, "{\"occurred_at\":\"%s\"}", at);
		struct http_response *patched =
			note_patch(draft, provider.specialist.token, body, NULL);
		const struct http_response *const answers[] = {posted, patched};
		const char *const verbs[] = {"POST", "PATCH"};
		for (size_t k = 0; k < 2; k++) {
			if (answers[k]->status == 422 && names_field(answers[k], "occurred_at"))
				continue;
			size_t used = strlen(failures);
			snprintf(failures + used, sizeof failures - used,
				 "\n%s occurred_at %s (30 days ahead): %ld, stored as %s", verbs[k],
				 at, answers[k]->status,
				 http_string(answers[k], "occurred_at")
					 ? http_string(answers[k], "occurred_at")
					 : "-");
		}
	}
	free(draft);
	cr_assert(failures[0] == '\0', "a session in the future was accepted:%s", failures);
}

/* API.md: "422 well-formed JSON that breaks a rule; every broken field is listed". A
 * note broken in its shape and in its goals at once names both. */
Test(session_note_rules, every_broken_field_is_named_with_the_goals)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	/* By the specialist: no minutes, and no such goal. */
	struct http_response *by_specialist = note_post(
		provider.specialist.token, note_doc(person.id, UNKNOWN_ID, at, 0, "phone"));
	/* By the supervisor: no specialist named, and no such goal. */
	struct http_response *by_supervisor = note_post(
		provider.supervisor.token, note_doc(person.id, UNKNOWN_ID, at, 30, "phone"));
	const struct {
		const struct http_response *response;
		const char *fields[2];
	} cases[] = {
		{by_specialist, {"duration_minutes", "goal_ids[0]"}},
		{by_supervisor, {"specialist_id", "goal_ids[0]"}},
	};
	char failures[2048] = "";
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < 2; k++) {
			if (cases[i].response->status == 422 &&
			    names_field(cases[i].response, cases[i].fields[k]))
				continue;
			size_t used = strlen(failures);
			snprintf(failures + used, sizeof failures - used,
				 "\n%s is not named: %ld %s", cases[i].fields[k],
				 cases[i].response->status, cases[i].response->body);
		}
	}
	cr_assert(failures[0] == '\0', "not every broken field is listed:%s", failures);
}

/* A UUID is the same in either case: POST takes participant_id in upper case; a PATCH that
 * repeats the note's own participant_id in upper case changes nothing. */
Test(session_note_rules, patch_repeating_the_participant_id_in_upper_case_changes_nothing)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);
	char at[32], upper[64], body[160];
	local_instant(1, "10:00", at, sizeof at);
	snprintf(upper, sizeof upper, "%s", person.id);
	for (char *c = upper; *c; c++) {
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	}
	/* POST takes it. */
	char *id = note_draft_ok(provider.specialist.token,
				 note_doc(upper, person.goal_id, at, 30, "phone"));
	snprintf(body, sizeof body, "{\"participant_id\":\"%s\",\"summary\":\"Edited.\"}", upper);
	struct http_response *patched = note_patch(id, provider.specialist.token, body, NULL);
	long status = patched->status;
	char answer[512];
	snprintf(answer, sizeof answer, "%s", patched->body);
	free(id);
	cr_assert_eq(status, 200, "PATCH with participant_id %s: %s", upper, answer);
}

Test(session_note_rules, who_writes_a_note_for_whom)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct actor specialist, colleague;
	specialist_open(&specialist, provider.provider, true);
	specialist_open(&colleague, provider.provider, true);
	struct person person, colleagues_person;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&colleagues_person, &provider, &colleague);
	struct world other;
	world_build(&other, (struct world_options){0});
	struct actor stranger;
	specialist_open(&stranger, other.provider, true);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	json_t *doc;

	/* A specialist writes for their own participants, as themselves. */
	expect(note_post(specialist.token, note_doc(colleagues_person.id, colleagues_person.goal_id,
						    at, 30, "phone")),
	       404, "for a participant assigned to a colleague");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(colleague.id));
	expect(note_post(specialist.token, doc), 403, "naming a colleague");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(specialist.id));
	char *own = note_draft_ok(specialist.token, doc);
	doc = note_doc(UNKNOWN_ID, person.goal_id, at, 30, "phone");
	expect(note_post(specialist.token, doc), 404, "for no participant");

	/* A supervisor names the specialist, one of the participant's organization. */
	expect_invalid(note_post(provider.supervisor.token,
				 note_doc(person.id, person.goal_id, at, 30, "phone")),
		       "specialist_id", "the supervisor names nobody");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(stranger.id));
	expect_invalid(note_post(provider.supervisor.token, doc), "specialist_id",
		       "another organization's specialist");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(UNKNOWN_ID));
	expect_invalid(note_post(provider.supervisor.token, doc), "specialist_id", "nobody's id");
	expect_invalid(note_post(provider.admin.token,
				 note_doc(person.id, person.goal_id, at, 30, "phone")),
		       "specialist_id", "the admin names nobody");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(specialist.id));
	struct http_response *created = note_post(provider.supervisor.token, doc);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(http_string(created, "specialist_id"), specialist.id);
	cr_assert_str_eq(http_string(created, "created_by"), provider.supervisor.subject);
	char *for_specialist = strdup(http_string(created, "id"));
	/* The specialist signs what was written for them. */
	json_t *billing = note_sign_ok(for_specialist, specialist.token);
	assert_billing(billing, true, 2, false, "", "written by the supervisor");
	json_decref(billing);

	/* Another organization's supervisor does not see the participant. */
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(stranger.id));
	expect(note_post(other.supervisor.token, doc), 404, "another organization's supervisor");

	free(for_specialist);
	free(own);
}

Test(session_note_rules, drafts_change_until_signed)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct actor specialist, colleague;
	specialist_open(&specialist, provider.provider, true);
	specialist_open(&colleague, provider.provider, true);
	struct person person, other;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&other, &provider, &specialist);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	char *id = note_draft_ok(specialist.token,
				 note_doc(person.id, person.goal_id, at, 30, "phone"));

	/* The author edits: the version moves only when something changes. */
	struct http_response *patched = note_patch(
		id, specialist.token,
		"{\"summary\":\"Rewritten the same day.\",\"duration_minutes\":40}", "\"1\"");
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_str_eq(http_string(patched, "summary"), "Rewritten the same day.");
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "duration_minutes")), 40);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2);
	cr_assert_str_eq(http_string(patched, "status"), "draft");
	patched =
		note_patch(id, specialist.token, "{\"summary\":\"Rewritten the same day.\"}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2,
		     "a PATCH that changes nothing: %s", patched->body);
	expect(note_patch(id, specialist.token, "{\"plan\":\"Call Friday.\"}", "\"1\""), 412,
	       "a stale If-Match");

	/* What stays. */
	char body[256];
	snprintf(body, sizeof body, "{\"participant_id\":\"%s\"}", other.id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "participant_id",
		       "moving the note to another participant");
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", colleague.id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "specialist_id",
		       "moving the note to another specialist");
	expect_invalid(note_patch(id, specialist.token, "{\"duration_minutes\":0}", NULL),
		       "duration_minutes", "0 minutes");
	expect_invalid(note_patch(id, specialist.token, "{\"modality\":\"fax\"}", NULL), "modality",
		       "an unknown modality");
	expect_invalid(note_patch(id, specialist.token, "{\"goal_ids\":[]}", NULL), "goal_ids",
		       "no goals");
	snprintf(body, sizeof body, "{\"goal_ids\":[\"%s\"]}", other.goal_id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "goal_ids[0]",
		       "another participant's goal");
	/* A colleague who does not see the participant does not see the note. */
	expect(note_patch(id, colleague.token, "{\"summary\":\"Mine now.\"}", NULL), 404,
	       "a colleague patches");
	/* The supervisor may correct a draft. */
	patched = note_patch(id, provider.supervisor.token, "{\"location\":\"Library\"}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 3);
	struct http_response *read = note_get(id, specialist.token);
	cr_assert_str_eq(http_string(read, "summary"), "Rewritten the same day.");
	cr_assert_str_eq(http_string(read, "location"), "Library");
	cr_assert_str_eq(http_string(read, "participant_id"), person.id);
	cr_assert_str_eq(http_string(read, "specialist_id"), specialist.id);

	/* A goal discontinued since the draft was written: the note cannot be signed. */
	char *second_goal = goal_set_ok(person.id, specialist.token, "physical");
	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_array_append_new(json_object_get(doc, "goal_ids"), json_string(second_goal));
	char *held = note_draft_ok(specialist.token, doc);
	goal_discontinue(second_goal, provider.supervisor.token);
	struct http_response *refused = note_act(held, "sign", specialist.token);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "goal_ids[1]");
	cr_assert_not(names_field(refused, "goal_ids[0]"), "%s", refused->body);
	read = note_get(held, specialist.token);
	cr_assert_str_eq(http_string(read, "status"), "draft", "%s", read->body);
	cr_assert(json_is_null(json_object_get(read->json, "billing")), "%s", read->body);

	/* Reassigned to the colleague: they see the notes but change or sign only their
	 * own; the first specialist sees the participant no more. */
	char path[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", person.referral_id);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", colleague.id);
	expect(http_post(path, provider.supervisor.token, body), 200, "reassigning");
	expect(note_get(id, colleague.token), 200, "the new specialist reads");
	expect(note_patch(id, colleague.token, "{\"summary\":\"Mine now.\"}", NULL), 403,
	       "the new specialist patches another's note");
	expect(note_act(id, "sign", colleague.token), 403,
	       "the new specialist signs another's note");
	expect(note_get(id, specialist.token), 404, "the former specialist reads");

	free(held);
	free(second_goal);
	free(id);
}
