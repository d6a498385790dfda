/* What a signed note bills under the payer's conditions (API.md "Coverage, authorizations
 * and claims"): the authorization gate on and off, the cut to what remains, the one ending
 * soonest, the yearly cap across notes, telehealth modifiers and place of service per
 * modality, units used derived from the notes, and signings at once that never spend one
 * unit twice. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "billing_support.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(session_note_authorization, .init = arena_open, .fini = arena_close);

/* A provider whose settings the test set (settings: a JSON object's members, without
 * braces), its certified specialist and person, assigned to them. */
static void gated_world(struct world *provider, struct person *person, const char *settings)
{
	person_world_build(provider, (struct world_options){0}, person);
	settings_set(provider, settings);
}

/* A draft by the provider's specialist for person, days_ago at 10:00 (an hour later for
 * each earlier note of the day: at), of minutes by modality; kept in the arena. */
static const char *draft(const struct world *provider, const struct person *person, int days_ago,
			 const char *at, int minutes, const char *modality)
{
	char occurred[32];
	local_instant(days_ago, at, occurred, sizeof occurred);
	return arena_text(
		note_draft_ok(provider->specialist.token,
			      note_doc(person->id, person->goal_id, occurred, minutes, modality)));
}

/* Signs id as the provider's specialist; asserts its billing and the authorization it
 * names (NULL: none). */
static void signs(const struct world *provider, const char *id, bool billable, int units,
		  const char *reasons, const char *authorization_id, const char *what)
{
	json_t *billing = note_sign_ok(id, provider->specialist.token);
	assert_billing(billing, billable, units, false, reasons, what);
	assert_billed_under(billing, authorization_id, what);
	json_decref(billing);
}

Test(session_note_authorization, without_the_gate_authorizations_are_not_consulted)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": false");
	/* An authorization holding the day changes nothing. */
	const char *held = authorization_held(&provider, person.id, 1, -30, 30);
	signs(&provider, draft(&provider, &person, 1, "10:00", 60, "in_person"), true, 4, "", NULL,
	      "gate off, an authorization of 1 unit");
	assert_units_used(&provider, held, 0);
}

Test(session_note_authorization, the_gate_needs_an_authorization_holding_the_day)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": true");
	signs(&provider, draft(&provider, &person, 1, "10:00", 60, "in_person"), false, 0,
	      "no_authorization", NULL, "no authorization at all");
	/* One that ended the day before the note, one that starts the day after. */
	authorization_held(&provider, person.id, 100, -30, -3);
	authorization_held(&provider, person.id, 100, -1, 30);
	signs(&provider, draft(&provider, &person, 2, "10:00", 60, "in_person"), false, 0,
	      "no_authorization", NULL, "authorizations around the day, none holding it");
	/* The note's day is the authorization's first and last. */
	const char *one_day = authorization_held(&provider, person.id, 100, -4, -4);
	signs(&provider, draft(&provider, &person, 4, "10:00", 60, "in_person"), true, 4, "",
	      one_day, "an authorization of the note's day alone");
	/* Every cause is listed, the gate's with the others. */
	signs(&provider, draft(&provider, &person, 40, "10:00", 5, "text"), false, 0,
	      "text_modality under_one_unit no_authorization", NULL, "five minutes by text");
}

Test(session_note_authorization, units_are_cut_to_what_remains_then_exhausted)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": true");
	const char *held = authorization_held(&provider, person.id, 5, -30, 30);
	signs(&provider, draft(&provider, &person, 3, "10:00", 60, "in_person"), true, 4, "", held,
	      "4 of 5");
	assert_units_used(&provider, held, 4);
	signs(&provider, draft(&provider, &person, 2, "10:00", 60, "in_person"), true, 1, "", held,
	      "4 asked, 1 left");
	assert_units_used(&provider, held, 5);
	signs(&provider, draft(&provider, &person, 1, "10:00", 60, "in_person"), false, 0,
	      "authorization_exhausted", NULL, "nothing left");
	/* A note that is not billable for another cause spends nothing. */
	signs(&provider, draft(&provider, &person, 1, "12:00", 10, "in_person"), false, 0,
	      "under_one_unit authorization_exhausted", NULL, "ten minutes, nothing left");
	assert_units_used(&provider, held, 5);
}

Test(session_note_authorization, the_one_ending_soonest_is_spent_first)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": true");
	const char *later = authorization_held(&provider, person.id, 50, -60, 60);
	const char *sooner = authorization_held(&provider, person.id, 3, -60, 10);
	signs(&provider, draft(&provider, &person, 5, "10:00", 60, "in_person"), true, 3, "",
	      sooner, "the sooner one, cut to its 3");
	signs(&provider, draft(&provider, &person, 4, "10:00", 60, "in_person"), true, 4, "", later,
	      "the sooner one spent: the later one");
	assert_units_used(&provider, sooner, 3);
	assert_units_used(&provider, later, 4);
}

Test(session_note_authorization, the_yearly_cap_counts_every_note_of_the_calendar_year)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"max_units_per_year\": 6");
	/* Certified for the years the notes are in. */
	certify_between(provider.specialist.id, "active", -1200, -300);
	/* Three days of one calendar year, and the same days a year earlier. */
	const char *days[3] = {"2025-03-03", "2025-03-04", "2025-11-20"};
	const char *earlier[3] = {"2024-03-03", "2024-03-04", "2024-11-20"};
	const char *expected_reasons[3] = {"", "", "annual_cap_reached"};
	const int expected_units[3] = {4, 2, 0};
	for (int year = 0; year < 2; year++) {
		for (int i = 0; i < 3; i++) {
			const char *id = draft_on(&provider, &person, year ? earlier[i] : days[i],
						  60, "in_person");
			signs(&provider, id, expected_units[i] > 0, expected_units[i],
			      expected_reasons[i], NULL, year ? earlier[i] : days[i]);
		}
	}
	/* Every cause is listed with the cap's. */
	signs(&provider, draft_on(&provider, &person, "2025-12-31", 5, "text"), false, 0,
	      "text_modality under_one_unit annual_cap_reached", NULL, "five minutes by text");
	/* Removing the cap lets the year bill again. */
	settings_set(&provider, "\"max_units_per_year\": null");
	signs(&provider, draft_on(&provider, &person, "2025-12-30", 60, "in_person"), true, 4, "",
	      NULL, "no cap");
}

/* What billing carries for each way of meeting (API.md): modifiers and place of
 * service. */
struct contact_case {
	const char *modality;
	const char *modifiers; /* space-separated */
	const char *place;     /* NULL: null */
};

static void check_contacts(const struct world *provider, const struct person *person,
			   const struct contact_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		json_t *billing = note_sign_ok(
			draft(provider, person, (int)i + 1, "10:00", 30, cases[i].modality),
			provider->specialist.token);
		assert_contact_billing(billing, cases[i].modifiers, cases[i].place,
				       cases[i].modality);
		json_decref(billing);
	}
}

Test(session_note_authorization, modifiers_and_place_of_service_follow_the_modality)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": false");
	const struct contact_case defaults[] = {
		{"in_person", "", "11"}, {"home_visit", "", "12"}, {"video", "95", "10"},
		{"phone", "93", "10"},	 {"community", "", "99"},  {"text", "", NULL},
	};
	check_contacts(&provider, &person, defaults, sizeof defaults / sizeof defaults[0]);
	/* The organization's own modifiers. */
	settings_set(&provider, "\"telehealth_modifiers\": {\"video\": \"GT\", \"phone\": \"FQ\"}");
	struct person other;
	person_assigned(&other, &provider, &provider.specialist);
	const struct contact_case chosen[] = {{"video", "GT", "10"}, {"phone", "FQ", "10"}};
	check_contacts(&provider, &other, chosen, sizeof chosen / sizeof chosen[0]);
}

Test(session_note_authorization, a_groups_notes_take_the_way_the_group_met)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	settings_set(&group.provider, "\"require_authorization\": true");
	const char *held = authorization_held(&group.provider, group.people[0].id, 3, -30, 30);
	const char *ways[] = {"video", "phone", "community", "in_person"};
	const char *modifiers[] = {"HQ 95", "HQ 93", "HQ", "HQ"};
	const char *places[] = {"10", "10", "99", "11"};
	for (int i = 0; i < 4; i++) {
		const char *id = group_roster_draft_ok(&group, i + 1, "10:00", 60,
						       (struct showing[]){{"present", 0}}, 1);
		char body[64];
		snprintf(body, sizeof body, "{\"modality\": \"%s\"}", ways[i]);
		struct http_response *changed =
			group_patch(id, group.provider.supervisor.token, body);
		cr_assert_eq(changed->status, 200, "%s", changed->body);
		struct http_response *signed_session =
			group_sign_ok(id, group.provider.specialist.token);
		const json_t *note = group_note_for(signed_session, group.people[0].id,
						    group.provider.specialist.token);
		cr_assert(note, "a note for the attendee: %s", signed_session->body);
		const json_t *billing = json_object_get(note, "billing");
		assert_contact_billing(billing, modifiers[i], places[i], ways[i]);
		/* 3 units authorized: the first group's 60 minutes are cut to 3, then none. */
		assert_billing(billing, i == 0, i == 0 ? 3 : 0, true,
			       i == 0 ? "" : "authorization_exhausted", ways[i]);
		assert_billed_under(billing, i == 0 ? held : NULL, ways[i]);
	}
	assert_units_used(&group.provider, held, 3);
}

/* Signs ids[0] and ids[1] at once as token, both waiting on the participant's row lock
 * and released together. Writes the answers. */
static void sign_at_once(const char *const ids[2], const char *token, const char *participant_id,
			 struct http_response *answers[2])
{
	PGconn *lock = row_lock_participant(participant_id);
	struct background_request signings[2];
	char paths[2][128];
	for (size_t i = 0; i < 2; i++) {
		note_path(paths[i], sizeof paths[i], ids[i], "/sign");
		signings[i] = (struct background_request){.request = {.method = "POST",
								      .path = paths[i],
								      .token = token,
								      .headers = {"If-Match: *"}}};
		background_send(&signings[i]);
	}
	/* Long enough for both to reach the row on a loaded machine. */
	sleep_ms(500);
	row_lock_release(lock);
	for (size_t i = 0; i < 2; i++)
		answers[i] = background_wait(&signings[i]);
}

Test(session_note_authorization, signings_at_once_never_spend_one_unit_twice)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": true");
	enum { ROUNDS = 4 };
	for (int round = 0; round < ROUNDS; round++) {
		/* One unit left: authorized 1, or 5 with 4 spent. */
		const char *held = authorization_held(&provider, person.id, round % 2 ? 5 : 1,
						      -(10 * round + 9), -(10 * round));
		int day = 10 * round + 1;
		if (round % 2)
			signs(&provider, draft(&provider, &person, day, "08:00", 60, "in_person"),
			      true, 4, "", held, "spending 4 of 5");
		const char *ids[2] = {draft(&provider, &person, day + 1, "10:00", 30, "in_person"),
				      draft(&provider, &person, day + 2, "10:00", 30, "in_person")};
		struct http_response *answers[2];
		sign_at_once(ids, provider.specialist.token, person.id, answers);
		int spent = 0, refused = 0;
		for (int i = 0; i < 2; i++) {
			cr_assert_eq(answers[i]->status, 200, "round %d: %s", round,
				     answers[i]->body);
			const json_t *billing = json_object_get(answers[i]->json, "billing");
			if (json_is_true(json_object_get(billing, "billable"))) {
				spent++;
				assert_billing(billing, true, 1, false, "", "the one that got it");
				assert_billed_under(billing, held, "the one that got it");
			} else {
				refused++;
				assert_billing(billing, false, 0, false, "authorization_exhausted",
					       "the other");
			}
		}
		cr_assert(spent == 1 && refused == 1, "round %d: %d spent, %d refused", round,
			  spent, refused);
		assert_units_used(&provider, held, round % 2 ? 5 : 1);
	}
}

Test(session_note_authorization, the_database_refuses_spending_past_the_authorization)
{
	struct world provider;
	struct person person;
	gated_world(&provider, &person, "\"require_authorization\": true");
	const char *held = authorization_held(&provider, person.id, 4, -30, 30);
	const char *spent = draft(&provider, &person, 2, "10:00", 60, "in_person");
	signs(&provider, spent, true, 4, "", held, "all 4");
	/* Signed outside the handler, a note that would spend a fifth unit, or bill on a
	 * day the authorization does not hold, is refused. */
	const char *other = draft(&provider, &person, 1, "10:00", 60, "in_person");
	database_refuses("UPDATE session_notes SET status = 'signed', signed_at = now(),"
			 " signed_by = 'x', billing = '{}', billing_units = 1,"
			 " billing_day = current_date - 1, billing_authorization_id = $2"
			 " WHERE id = $1",
			 2, (const char *const[]){other, held},
			 "session_notes_within_authorization");
	const char *outside = authorization_held(&provider, person.id, 4, -30, -20);
	database_refuses("UPDATE session_notes SET status = 'signed', signed_at = now(),"
			 " signed_by = 'x', billing = '{}', billing_units = 1,"
			 " billing_day = current_date - 1, billing_authorization_id = $2"
			 " WHERE id = $1",
			 2, (const char *const[]){other, outside},
			 "session_notes_within_authorization");
	/* Nor may the authorization shrink below what was spent. */
	database_refuses("UPDATE authorizations SET units_authorized = 3 WHERE id = $1", 1,
			 (const char *const[]){held}, "authorizations_cover_units_used");
	assert_units_used(&provider, held, 4);
}
