/* A session note's life (API.md, Session notes): from a referral to a signed, billed,
 * amended and co-signed note with every role's refusals, and the database's guard on signed
 * notes and addenda. */
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

TestSuite(session_note_lifecycle, .init = arena_open, .fini = arena_close);

Test(session_note_lifecycle, referral_to_signed_note_with_every_role)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct actor specialist, colleague;
	specialist_open(&specialist, provider.provider, true);
	specialist_open(&colleague, provider.provider, true); /* same organization, not assigned */

	/* The supervisor records the referral, accepts it and assigns it. */
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char *second_goal = goal_set_ok(person.id, specialist.token, "occupational");
	char moves[256];
	history_moves(person.referral_id, provider.supervisor.token, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>accepted accepted>assigned");

	/* The specialist writes a note addressing both goals: a draft, not billed. */
	char occurred[32];
	local_instant(1, "10:15", occurred, sizeof occurred);
	json_t *doc = note_doc(person.id, person.goal_id, occurred, 45, "in_person");
	json_array_append_new(json_object_get(doc, "goal_ids"), json_string(second_goal));
	struct http_response *created = note_post(specialist.token, doc);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	char *location = http_header(created, "Location");
	char expected_location[128];
	note_path(expected_location, sizeof expected_location, id, "");
	cr_assert_str_eq(location, expected_location);
	free(location);
	cr_assert_str_eq(http_string(created, "status"), "draft");
	cr_assert_str_eq(http_string(created, "participant_id"), person.id);
	cr_assert_str_eq(http_string(created, "specialist_id"), specialist.id);
	cr_assert_str_eq(http_string(created, "organization_id"), provider.provider);
	cr_assert_str_eq(http_string(created, "occurred_at"), occurred);
	cr_assert_eq(json_integer_value(json_object_get(created->json, "duration_minutes")), 45);
	cr_assert_str_eq(http_string(created, "modality"), "in_person");
	cr_assert_str_eq(http_string(created, "location"), "Community center");
	json_t *goal_ids = json_pack("[s, s]", person.goal_id, second_goal);
	cr_assert(json_equal(json_object_get(created->json, "goal_ids"), goal_ids), "%s",
		  created->body);
	json_decref(goal_ids);
	const char *const unset[] = {"billing", "signed_at", "signed_by", "cosigned_by",
				     "cosigned_at"};
	for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
		cr_assert(json_is_null(json_object_get(created->json, unset[i])), "%s: %s",
			  unset[i], created->body);
	cr_assert_eq(json_array_size(json_object_get(created->json, "addenda")), 0);
	cr_assert_eq(json_integer_value(json_object_get(created->json, "version")), 1);
	cr_assert_str_eq(http_string(created, "created_by"), specialist.subject);
	assert_read_back(note_get(id, specialist.token), created, "\"1\"");

	/* The first note engages the referral, from the time of the session. */
	struct http_response *referral =
		referral_get(person.referral_id, provider.supervisor.token);
	cr_assert_eq(referral->status, 200, "%s", referral->body);
	cr_assert_str_eq(http_string(referral, "status"), "engaged", "%s", referral->body);
	cr_assert_str_eq(http_string(referral, "first_contact_at"), occurred, "%s", referral->body);
	history_moves(person.referral_id, provider.supervisor.token, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");

	/* A second note engages nothing more. */
	char now[32];
	now_instant(now, sizeof now);
	char *second = note_draft_ok(specialist.token,
				     note_doc(person.id, person.goal_id, now, 30, "phone"));
	history_moves(person.referral_id, provider.supervisor.token, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");
	referral = referral_get(person.referral_id, provider.supervisor.token);
	cr_assert_str_eq(http_string(referral, "status"), "engaged");
	cr_assert_str_eq(http_string(referral, "first_contact_at"), occurred, "%s", referral->body);

	/* A partner and a reporter never reach a note. */
	char *partner_organization = create_organization("partner");
	char *partner = token_for("partner", partner_organization);
	char *reporter = token_for("reporter", provider.provider);
	const char *const outsiders[] = {partner, reporter};
	for (size_t i = 0; i < 2; i++) {
		expect(http_get("/v1/session-notes", outsiders[i]), 403, "listing");
		expect(note_post(outsiders[i],
				 note_doc(person.id, person.goal_id, occurred, 30, "phone")),
		       403, "writing");
		expect(note_get(id, outsiders[i]), 403, "reading");
		expect(note_patch(id, outsiders[i], "{\"summary\":\"x\"}", NULL), 403, "patching");
		expect(note_act(id, "sign", outsiders[i]), 403, "signing");
		expect(note_addendum(id, outsiders[i], "x"), 403, "amending");
		expect(note_act(id, "cosign", outsiders[i]), 403, "co-signing");
	}

	/* A colleague who is not assigned does not see the note. */
	expect(note_get(id, colleague.token), 404, "a colleague reads");
	expect(note_patch(id, colleague.token, "{\"summary\":\"x\"}", NULL), 404,
	       "a colleague patches");
	expect(note_act(id, "sign", colleague.token), 404, "a colleague signs");
	expect(note_addendum(id, colleague.token, "x"), 404, "a colleague amends");
	expect(note_post(colleague.token,
			 note_doc(person.id, person.goal_id, occurred, 30, "phone")),
	       404, "a colleague writes for the participant");
	char listed[2048];
	list_ids("/v1/session-notes?", colleague.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "a colleague lists: %s", listed);

	/* Nor does another organization's supervisor. */
	char *elsewhere_id = create_organization("provider");
	char *elsewhere = token_for("supervisor", elsewhere_id);
	expect(note_get(id, elsewhere), 404, "another organization reads");
	expect(note_patch(id, elsewhere, "{\"summary\":\"x\"}", NULL), 404,
	       "another organization patches");
	expect(note_addendum(id, elsewhere, "x"), 404, "another organization amends");
	expect(note_act(id, "cosign", elsewhere), 404, "another organization co-signs");
	json_t *foreign = note_doc(person.id, person.goal_id, occurred, 30, "phone");
	json_object_set_new(foreign, "specialist_id", json_string(specialist.id));
	expect(note_post(elsewhere, foreign), 404, "another organization writes");
	list_ids("/v1/session-notes?", elsewhere, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "another organization lists: %s", listed);

	/* A supervisor does not sign; a specialist does not co-sign; a draft is neither
	 * co-signed nor amended. */
	expect(note_act(id, "sign", provider.supervisor.token), 403, "the supervisor signs");
	expect(note_act(id, "cosign", specialist.token), 403, "the specialist co-signs");
	expect(note_act(id, "cosign", provider.supervisor.token), 409, "co-signing a draft");
	expect(note_addendum(id, specialist.token, "Forgot the bus pass."), 409,
	       "amending a draft");

	/* The specialist signs: locked and billed. */
	struct http_response *signed_note = note_act(id, "sign", specialist.token);
	cr_assert_eq(signed_note->status, 200, "%s", signed_note->body);
	cr_assert_str_eq(http_string(signed_note, "status"), "signed");
	cr_assert_str_eq(http_string(signed_note, "signed_by"), specialist.subject);
	cr_assert(is_utc_timestamp(http_string(signed_note, "signed_at")), "%s", signed_note->body);
	cr_assert_eq(json_integer_value(json_object_get(signed_note->json, "version")), 2);
	assert_billing(json_object_get(signed_note->json, "billing"), true, 3, false, "",
		       "45 minutes in person");
	expect(note_act(id, "sign", specialist.token), 409, "signing again");

	/* Locked: a PATCH is refused and changes nothing. */
	expect(note_patch(id, specialist.token, "{\"summary\":\"Rewritten.\"}", NULL), 409,
	       "patching a signed note");
	expect(note_patch(id, provider.supervisor.token, "{\"duration_minutes\":60}", NULL), 409,
	       "the supervisor patches a signed note");
	struct http_response *read = note_get(id, specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, signed_note->json), "%s\n%s", signed_note->body,
		  read->body);

	/* Corrections are appended. */
	expect_invalid(note_addendum(id, specialist.token, ""), "text", "an empty addendum");
	struct http_response *amended =
		note_addendum(id, specialist.token, "The session ended at 11:05, not 11:00.");
	cr_assert_eq(amended->status, 201, "%s", amended->body);
	json_t *addenda = json_object_get(amended->json, "addenda");
	cr_assert_eq(json_array_size(addenda), 1, "%s", amended->body);
	json_t *addendum = json_array_get(addenda, 0);
	cr_assert_str_eq(json_string_value(json_object_get(addendum, "text")),
			 "The session ended at 11:05, not 11:00.");
	cr_assert_str_eq(json_string_value(json_object_get(addendum, "by")), specialist.subject);
	cr_assert(is_utc_timestamp(json_string_value(json_object_get(addendum, "at"))), "%s",
		  amended->body);
	cr_assert_eq(json_integer_value(json_object_get(amended->json, "duration_minutes")), 45);
	amended = note_addendum(id, provider.supervisor.token, "Reviewed with the specialist.");
	cr_assert_eq(amended->status, 201, "%s", amended->body);
	addenda = json_object_get(amended->json, "addenda");
	cr_assert_eq(json_array_size(addenda), 2, "%s", amended->body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(addenda, 0), "text")),
			 "The session ended at 11:05, not 11:00.");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(addenda, 1), "by")),
			 provider.supervisor.subject);

	/* The supervisor co-signs, once. */
	struct http_response *cosigned = note_act(id, "cosign", provider.supervisor.token);
	cr_assert_eq(cosigned->status, 200, "%s", cosigned->body);
	cr_assert_str_eq(http_string(cosigned, "cosigned_by"), provider.supervisor.subject);
	cr_assert(is_utc_timestamp(http_string(cosigned, "cosigned_at")), "%s", cosigned->body);
	cr_assert_str_eq(http_string(cosigned, "signed_by"), specialist.subject);
	expect(note_act(id, "cosign", provider.supervisor.token), 409, "co-signing again");

	/* The supervisor's queue: signed and not co-signed, of this organization only. A note
	 * signed and waiting elsewhere stays out of it. */
	json_decref(note_sign_ok(second, specialist.token));
	char *draft = note_draft_ok(specialist.token,
				    note_doc(person.id, person.goal_id, now, 20, "video"));
	struct world other;
	world_build(&other, (struct world_options){0});
	struct actor other_specialist;
	specialist_open(&other_specialist, other.provider, true);
	struct person other_person;
	person_walk_in(&other_person, &other);
	char *other_note =
		note_draft_for_ok(other.supervisor.token,
				  note_doc(other_person.id, other_person.goal_id, now, 30, "phone"),
				  other_specialist.id);
	json_decref(note_sign_ok(other_note, other.admin.token));
	list_ids("/v1/session-notes?cosigned=false", provider.supervisor.token, listed,
		 sizeof listed);
	cr_assert_str_eq(listed, second, "the queue: %s", listed);
	list_ids("/v1/session-notes?cosigned=true", provider.supervisor.token, listed,
		 sizeof listed);
	cr_assert_str_eq(listed, id);
	list_ids("/v1/session-notes?cosigned=false", other.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, other_note);
	char all[512];
	join_ids((const char *const[]){draft, second, id}, 3, all, sizeof all);
	list_ids("/v1/session-notes?", provider.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, all);
	list_ids("/v1/session-notes?", specialist.token, listed, sizeof listed);
	cr_assert_str_eq(listed, all);

	free(other_note);
	free(draft);
	free(elsewhere);
	free(elsewhere_id);
	free(reporter);
	free(partner);
	free(partner_organization);
	free(second);
	free(id);
	free(second_goal);
}

/* Runs sql with id as $1; returns whether it succeeded. */
static bool sql_succeeds(PGconn *db, const char *sql, const char *id)
{
	PGresult *res = PQexecParams(db, sql, 1, NULL, (const char *const[]){id}, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

Test(session_note_lifecycle, the_database_refuses_to_change_signed_notes_and_addenda)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	char *signed_id = note_draft_ok(provider.specialist.token,
					note_doc(person.id, person.goal_id, at, 30, "phone"));
	json_decref(note_sign_ok(signed_id, provider.specialist.token));
	expect(note_addendum(signed_id, provider.specialist.token, "First correction."), 201,
	       "amending");
	struct http_response *before = note_get(signed_id, provider.specialist.token);
	cr_assert_eq(before->status, 200, "%s", before->body);
	char *draft_id = note_draft_ok(provider.specialist.token,
				       note_doc(person.id, person.goal_id, at, 30, "phone"));

	PGconn *db = test_db_connect();
	const char *const refused[] = {
		"UPDATE session_notes SET summary = 'x' WHERE id = $1",
		"UPDATE session_notes SET status = 'draft', signed_at = NULL, signed_by = NULL,"
		" billing = NULL, billing_units = NULL, billing_day = NULL WHERE id = $1",
		"UPDATE session_notes SET duration_minutes = 480 WHERE id = $1",
		"UPDATE session_notes SET billing_units = 16 WHERE id = $1",
		"UPDATE session_notes SET occurred_at = occurred_at - interval '1 day' WHERE id = "
		"$1",
		"DELETE FROM session_notes WHERE id = $1",
		"UPDATE session_note_addenda SET text = 'x' WHERE note_id = $1",
		"UPDATE session_note_addenda SET by = 'someone else' WHERE note_id = $1",
		"DELETE FROM session_note_addenda WHERE note_id = $1",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		cr_assert_not(sql_succeeds(db, refused[i], signed_id), "the database ran: %s",
			      refused[i]);
	struct http_response *after = note_get(signed_id, provider.specialist.token);
	cr_assert_eq(after->status, 200, "%s", after->body);
	cr_assert(json_equal(after->json, before->json), "%s\n%s", before->body, after->body);
	cr_assert_str_eq(http_string(after, "summary"),
			 "Talked about the week and the job application.");

	/* Co-signed once, through the API; the co-signature is then as fixed. */
	expect(note_act(signed_id, "cosign", provider.supervisor.token), 200, "co-signing");
	cr_assert_not(sql_succeeds(db,
				   "UPDATE session_notes SET cosigned_by = 'someone else',"
				   " cosigned_at = now() WHERE id = $1",
				   signed_id),
		      "the database changed a co-signature");
	cr_assert_not(sql_succeeds(db,
				   "UPDATE session_notes SET cosigned_by = NULL, cosigned_at = NULL"
				   " WHERE id = $1",
				   signed_id),
		      "the database removed a co-signature");

	/* A draft is still a draft. */
	cr_assert(
		sql_succeeds(db, "UPDATE session_notes SET summary = 'x' WHERE id = $1", draft_id),
		"%s", PQerrorMessage(db));
	struct http_response *draft = note_get(draft_id, provider.specialist.token);
	cr_assert_str_eq(http_string(draft, "summary"), "x", "%s", draft->body);
	PQfinish(db);

	free(draft_id);
	free(signed_id);
}
