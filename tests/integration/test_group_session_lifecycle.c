/* A group session from draft to signed (API.md, "Group sessions"): created, read, edited,
 * its roster replaced, signed into one note per attendee who came, the referral engaged on
 * that first contact, audited, then locked; or cancelled instead. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(group_session_lifecycle, .init = arena_open, .fini = arena_close);

/* Asserts the note signing made for an attendee: a signed group note of the session by
 * the lead, with that attendee's minutes, goals and note. */
static void assert_attendee_note(const json_t *note, const char *session_id,
				 const struct person *person, const char *lead, int minutes)
{
	char *text = json_dumps(note, JSON_COMPACT);
	cr_assert(note, "no note for %s", person->id);
	cr_assert_str_eq(member_of(note, "status"), "signed", "%s", text);
	cr_assert_str_eq(member_of(note, "modality"), "group", "%s", text);
	cr_assert_str_eq(member_of(note, "group_session_id"), session_id, "%s", text);
	cr_assert_str_eq(member_of(note, "specialist_id"), lead, "%s", text);
	cr_assert_eq(json_integer_value(json_object_get(note, "duration_minutes")), minutes, "%s",
		     text);
	json_t *goals = json_pack("[s]", person->goal_id);
	cr_assert(json_equal(json_object_get(note, "goal_ids"), goals), "%s", text);
	json_decref(goals);
	char summary[160];
	snprintf(summary, sizeof summary, "Shared how the week went (%s).", person->id);
	cr_assert_str_eq(member_of(note, "summary"), summary, "%s", text);
	cr_assert(is_utc_timestamp(member_of(note, "signed_at")), "%s", text);
	free(text);
}

Test(group_session_lifecycle, draft_edited_then_signed_into_a_note_per_attendee_who_came)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 4);
	const struct actor *lead = &group.provider.specialist;
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);

	/* Created without a roster. */
	struct http_response *created =
		group_post(lead->token, group_doc((const char *[]){lead->id}, 1, occurred, 60));
	cr_assert_eq(created->status, 201, "%s", created->body);
	const char *id = http_string(created, "id");
	char *location = http_header(created, "Location");
	cr_assert(location && strstr(location, id), "Location: %s", location);
	free(location);
	cr_assert_str_eq(http_string(created, "status"), "draft");
	cr_assert_eq(json_integer_value(json_object_get(created->json, "version")), 1, "%s",
		     created->body);
	cr_assert_str_eq(http_string(created, "occurred_at"), occurred);
	cr_assert_str_eq(http_string(created, "modality"), "in_person");
	cr_assert_str_eq(http_string(created, "domain"), "social");
	json_t *facilitators = json_pack("[s]", lead->id);
	cr_assert(json_equal(json_object_get(created->json, "facilitator_ids"), facilitators), "%s",
		  created->body);
	json_decref(facilitators);
	json_t *roster = json_object_get(created->json, "attendance");
	cr_assert(json_is_array(roster) && json_array_size(roster) == 0, "%s", created->body);

	/* Read back as created, with its ETag. */
	struct http_response *read = group_get(id, lead->token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	char *etag = http_header(read, "ETag");
	cr_assert_str_eq(etag, "\"1\"");
	free(etag);
	cr_assert(json_equal(read->json, created->json), "%s\n%s", created->body, read->body);

	/* Edited while a draft, by the supervisor as well. */
	struct http_response *patched =
		group_patch(id, group.provider.supervisor.token, "{\"topic\":\"Sleep and mood\"}");
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_str_eq(http_string(patched, "topic"), "Sleep and mood");
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2);
	/* A PATCH from the version before answers 412 and changes nothing. */
	char path[128];
	group_path(path, sizeof path, id, "");
	expect(http_patch(path, lead->token, "{\"topic\":\"Stale\"}", "\"1\""), 412,
	       "a PATCH from version 1");

	/* The roster replaced: two who came (one for 25 minutes), one absent, one excused. */
	struct http_response *rostered = group_put_attendance(
		id, lead->token,
		json_pack("[o, o, o, o]", attendee(&group.people[0], "present", 0),
			  attendee(&group.people[1], "left_early", 25),
			  attendee(&group.people[2], "absent", 0),
			  attendee(&group.people[3], "excused", 0)));
	cr_assert_eq(rostered->status, 200, "%s", rostered->body);
	cr_assert_str_eq(http_string(rostered, "id"), id);
	cr_assert_eq(json_array_size(json_object_get(rostered->json, "attendance")), 4, "%s",
		     rostered->body);
	cr_assert_str_eq(http_string(rostered, "status"), "draft");

	/* Signed by the facilitator: one note for each who came, none for the others. */
	struct http_response *signed_session = group_sign_ok(id, lead->token);
	cr_assert(is_utc_timestamp(http_string(signed_session, "signed_at")), "%s",
		  signed_session->body);
	cr_assert(http_string(signed_session, "signed_by"), "%s", signed_session->body);
	cr_assert_eq(json_array_size(json_object_get(signed_session->json, "note_ids")), 2, "%s",
		     signed_session->body);
	assert_attendee_note(group_note_for(signed_session, group.people[0].id, lead->token), id,
			     &group.people[0], lead->id, 60);
	assert_attendee_note(group_note_for(signed_session, group.people[1].id, lead->token), id,
			     &group.people[1], lead->id, 25);
	cr_assert_null(group_note_for(signed_session, group.people[2].id, lead->token));
	cr_assert_null(group_note_for(signed_session, group.people[3].id, lead->token));
	cr_assert_eq(notes_of(group.people[2].id, lead->token), 0, "the absent have no note");
	cr_assert_eq(notes_of(group.people[3].id, lead->token), 0, "the excused have no note");

	/* Read back signed, with the same notes. */
	struct http_response *after = group_get(id, group.provider.supervisor.token);
	cr_assert_eq(after->status, 200, "%s", after->body);
	cr_assert_str_eq(http_string(after, "status"), "signed");
	cr_assert(json_equal(json_object_get(after->json, "note_ids"),
			     json_object_get(signed_session->json, "note_ids")),
		  "%s", after->body);
}

Test(group_session_lifecycle, first_contact_engages_the_referrals_of_those_who_came)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 3);
	const struct actor *lead = &group.provider.specialist;
	const char *id = group_roster_draft_ok(
		&group, 2, "18:30", 90,
		(const struct showing[]){{"present", 0}, {"left_early", 40}, {"absent", 0}}, 3);
	group_sign_ok(id, lead->token);
	const char *occurred = http_string(group_get(id, lead->token), "occurred_at");

	char moves[256];
	for (size_t i = 0; i < 2; i++) {
		struct http_response *referral =
			referral_get(group.people[i].referral_id, group.provider.supervisor.token);
		cr_assert_str_eq(http_string(referral, "status"), "engaged", "%s", referral->body);
		cr_assert_str_eq(http_string(referral, "first_contact_at"), occurred, "%s",
				 referral->body);
		history_moves(group.people[i].referral_id, group.provider.supervisor.token, moves,
			      sizeof moves);
		cr_assert_str_eq(
			moves, "->submitted submitted>accepted accepted>assigned assigned>engaged");
	}
	/* Who was absent had no contact. */
	struct http_response *absent =
		referral_get(group.people[2].referral_id, group.provider.supervisor.token);
	cr_assert_str_eq(http_string(absent, "status"), "assigned", "%s", absent->body);
	cr_assert(json_is_null(json_object_get(absent->json, "first_contact_at")), "%s",
		  absent->body);
}

Test(group_session_lifecycle, signing_audits_each_note_made_and_the_session)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 3);
	const char *id = group_roster_draft_ok(
		&group, 1, "09:00", 45,
		(const struct showing[]){{"present", 0}, {"present", 0}, {"excused", 0}}, 3);
	/* Signed by an admin, whose subject no read below shares. */
	struct http_response *signed_session = group_sign_ok(id, group.provider.admin.token);
	json_t *note_ids = json_object_get(signed_session->json, "note_ids");
	cr_assert_eq(json_array_size(note_ids), 2, "%s", signed_session->body);
	cr_assert_eq(audit_events_by(group.provider.admin.subject, id, "sign"), 1,
		     "the session's own sign event");
	size_t index;
	json_t *note_id;
	json_array_foreach (note_ids, index, note_id) {
		cr_assert_eq(audit_events_by(group.provider.admin.subject,
					     json_string_value(note_id), NULL),
			     1, "one event for note %s", json_string_value(note_id));
	}
}

Test(group_session_lifecycle, an_idempotency_key_replays_the_create_and_the_signing)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	const struct actor *lead = &group.provider.specialist;
	char occurred[32], key[64];
	local_instant(1, "11:00", occurred, sizeof occurred);
	unique_token("group-create", key, sizeof key);
	json_t *doc = with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
				      json_pack("[o, o]", attendee(&group.people[0], "present", 0),
						attendee(&group.people[1], "left_early", 30)));
	struct http_response *first = http_post_keyed("/v1/group-sessions", lead->token, doc, key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	struct http_response *again = http_post_keyed("/v1/group-sessions", lead->token, doc, key);
	cr_assert_eq(again->status, 201, "%s", again->body);
	char *replayed = http_header(again, "Idempotent-Replayed");
	cr_assert_str_eq(replayed, "true");
	free(replayed);
	cr_assert(json_equal(first->json, again->json), "%s\n%s", first->body, again->body);
	json_decref(doc);
	cr_assert_eq(sessions_listed("status=draft", lead->token), 1, "created once");

	/* Signed twice with one key: signed once, the same answer. */
	const char *id = http_string(first, "id");
	char path[128], sign_key[64];
	group_path(path, sizeof path, id, "/sign");
	unique_token("group-sign", sign_key, sizeof sign_key);
	const char *headers[] = {"If-Match: \"1\"", NULL};
	char key_header[96];
	snprintf(key_header, sizeof key_header, "Idempotency-Key: %s", sign_key);
	struct http_response *signings[2];
	for (size_t i = 0; i < 2; i++) {
		signings[i] =
			http_send(&(struct http_request){.method = "POST",
							 .path = path,
							 .token = lead->token,
							 .headers = {headers[0], key_header}});
		cr_assert_eq(signings[i]->status, 200, "signing %zu: %s", i, signings[i]->body);
	}
	cr_assert(json_equal(signings[0]->json, signings[1]->json), "%s\n%s", signings[0]->body,
		  signings[1]->body);
	cr_assert_eq(json_array_size(json_object_get(signings[0]->json, "note_ids")), 2);
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(notes_of(group.people[i].id, lead->token), 1, "one note each");
}
