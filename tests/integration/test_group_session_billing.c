/* What signing a group session bills (API.md, "Group sessions" and "Session notes"): a
 * note per attendee who came, H0038 with HQ, units from that attendee's own minutes under
 * the organization's rounding, the daily cap shared with individual notes whichever is
 * signed first, and the notes counted by the summary and carried by the export. */
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

TestSuite(group_session_billing, .init = arena_open, .fini = arena_close);

struct attendance_case {
	const char *status;
	int minutes; /* for left_early */
	bool billable;
	int units;
	const char *reasons;
};

/* One 60-minute session with a roster of cases (one person each), signed by its lead;
 * asserts each attendee's note, or that none was made. */
static void check_roster(const struct group_world *group, const struct attendance_case *cases,
			 size_t count, const char *rounding)
{
	const struct actor *lead = &group->provider.specialist;
	struct showing showings[GROUP_PEOPLE_MAX];
	for (size_t i = 0; i < count; i++)
		showings[i] = (struct showing){cases[i].status, cases[i].minutes};
	const char *id = group_roster_draft_ok(group, 1, "10:00", 60, showings, count);
	struct http_response *signed_session = group_sign_ok(id, lead->token);
	size_t made = 0;
	for (size_t i = 0; i < count; i++) {
		char what[96];
		snprintf(what, sizeof what, "%s: %s %d minutes", rounding, cases[i].status,
			 cases[i].minutes);
		const json_t *note =
			group_note_for(signed_session, group->people[i].id, lead->token);
		bool came = strcmp(cases[i].status, "present") == 0 ||
			    strcmp(cases[i].status, "left_early") == 0;
		if (!came) {
			cr_assert_null(note, "%s: a note for someone who did not come", what);
			continue;
		}
		made++;
		cr_assert(note, "%s: no note", what);
		cr_assert_eq(json_integer_value(json_object_get(note, "duration_minutes")),
			     cases[i].minutes ? cases[i].minutes : 60, "%s", what);
		assert_billing(json_object_get(note, "billing"), cases[i].billable, cases[i].units,
			       true, cases[i].reasons, what);
	}
	cr_assert_eq(json_array_size(json_object_get(signed_session->json, "note_ids")), made, "%s",
		     signed_session->body);
}

Test(group_session_billing, whole_rounding_bills_each_attendee_their_own_minutes)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 7);
	const struct attendance_case cases[] = {
		{"present", 0, true, 4, ""},	 {"left_early", 29, true, 1, ""},
		{"left_early", 30, true, 2, ""}, {"left_early", 14, false, 0, "under_one_unit"},
		{"left_early", 15, true, 1, ""}, {"absent", 0, false, 0, ""},
		{"excused", 0, false, 0, ""},
	};
	check_roster(&group, cases, sizeof cases / sizeof cases[0], "whole");
}

Test(group_session_billing, half_up_rounding_bills_each_attendee_their_own_minutes)
{
	struct group_world group;
	group_world_open(
		&group, (struct world_options){.unit_rounding = "half_up", .max_units_per_day = 16},
		7);
	const struct attendance_case cases[] = {
		{"present", 0, true, 4, ""},	 {"left_early", 7, false, 0, "under_one_unit"},
		{"left_early", 8, true, 1, ""},	 {"left_early", 22, true, 1, ""},
		{"left_early", 23, true, 2, ""}, {"left_early", 38, true, 3, ""},
		{"absent", 0, false, 0, ""},
	};
	check_roster(&group, cases, sizeof cases / sizeof cases[0], "half_up");
}

Test(group_session_billing, the_leads_certification_on_the_day_decides)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	/* A co-facilitator without a certification leads: nothing is billable. */
	struct actor uncertified;
	specialist_open(&uncertified, group.provider.provider, false);
	const struct actor *assigned = &group.provider.specialist;
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);
	const char *id = group_create_ok(
		group.provider.supervisor.token,
		with_attendance(
			group_doc((const char *[]){uncertified.id, assigned->id}, 2, occurred, 60),
			json_pack("[o]", attendee(&group.people[0], "present", 0))));
	struct http_response *signed_session = group_sign_ok(id, assigned->token);
	const json_t *note = group_note_for(signed_session, group.people[0].id, assigned->token);
	cr_assert(note);
	cr_assert_str_eq(member_of(note, "specialist_id"), uncertified.id, "the first leads");
	assert_billing(json_object_get(note, "billing"), false, 0, true, "not_certified",
		       "an uncertified lead");
}

/* A 60-minute session at time_of_day days_ago, led by the group's specialist with person
 * 0 and person 1 present; signed, its notes' billing for each. */
static void sign_group_of_two(const struct group_world *group, int days_ago,
			      const char *time_of_day, const json_t *billing[2])
{
	const struct actor *lead = &group->provider.specialist;
	const char *id =
		group_roster_draft_ok(group, days_ago, time_of_day, 60,
				      (const struct showing[]){{"present", 0}, {"present", 0}}, 2);
	struct http_response *signed_session = group_sign_ok(id, lead->token);
	for (size_t i = 0; i < 2; i++) {
		const json_t *note =
			group_note_for(signed_session, group->people[i].id, lead->token);
		cr_assert(note, "%s", signed_session->body);
		billing[i] = json_object_get(note, "billing");
	}
}

/* A signed individual note of person 0, minutes long, at time_of_day days_ago; its billing
 * (decref it). */
static json_t *sign_individual(const struct group_world *group, int days_ago,
			       const char *time_of_day, int minutes)
{
	char occurred[32];
	local_instant(days_ago, time_of_day, occurred, sizeof occurred);
	const struct person *person = &group->people[0];
	char *id = note_draft_ok(
		group->provider.specialist.token,
		note_doc(person->id, person->goal_id, occurred, minutes, "in_person"));
	json_t *billing = note_sign_ok(id, group->provider.specialist.token);
	free(id);
	return billing;
}

Test(group_session_billing, an_individual_note_signed_first_leaves_the_group_the_rest_of_the_day)
{
	struct group_world group;
	group_world_open(&group,
			 (struct world_options){.unit_rounding = "whole", .max_units_per_day = 4},
			 2);
	/* The individual note happens later in the day but is signed first: the cap counts
	 * notes signed earlier. */
	json_t *individual = sign_individual(&group, 2, "16:00", 45);
	assert_billing(individual, true, 3, false, "", "the individual note, signed first");
	json_decref(individual);
	const json_t *billing[2];
	sign_group_of_two(&group, 2, "10:00", billing);
	assert_billing(billing[0], true, 1, true, "", "the group note: 1 of the day's 4 left");
	assert_billing(billing[1], true, 4, true, "", "another attendee: their own day");

	/* Once the group has reached the cap, nothing is left that day. */
	json_t *more = sign_individual(&group, 2, "18:00", 15);
	assert_billing(more, false, 0, false, "daily_cap_reached", "after the cap");
	json_decref(more);
}

Test(group_session_billing, a_group_signed_first_leaves_the_individual_note_the_rest_of_the_day)
{
	struct group_world group;
	group_world_open(&group,
			 (struct world_options){.unit_rounding = "whole", .max_units_per_day = 5},
			 2);
	const json_t *billing[2];
	sign_group_of_two(&group, 3, "14:00", billing);
	assert_billing(billing[0], true, 4, true, "", "the group, signed first");
	json_t *individual = sign_individual(&group, 3, "09:00", 45);
	assert_billing(individual, true, 1, false, "", "the individual note: 1 of 5 left");
	json_decref(individual);
	individual = sign_individual(&group, 3, "19:00", 30);
	assert_billing(individual, false, 0, false, "daily_cap_reached", "the cap reached");
	json_decref(individual);
	/* Another day is its own. */
	individual = sign_individual(&group, 4, "09:00", 30);
	assert_billing(individual, true, 2, false, "", "another day");
	json_decref(individual);
}

/* The export's lines, each parsed; asserts every one is an object. Decref it. */
static json_t *export_lines(const struct http_response *exported)
{
	json_t *lines = json_array();
	char *copy = strdup(exported->body);
	char *saved = NULL;
	for (char *line = strtok_r(copy, "\n", &saved); line; line = strtok_r(NULL, "\n", &saved)) {
		json_t *object = json_loads(line, 0, NULL);
		cr_assert(json_is_object(object), "not a JSON object: %s", line);
		json_array_append_new(lines, object);
	}
	free(copy);
	return lines;
}

Test(group_session_billing, the_summary_and_the_export_count_each_attendees_note)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 3);
	const struct actor *lead = &group.provider.specialist;
	const char *id = group_roster_draft_ok(
		&group, 1, "10:00", 60,
		(const struct showing[]){{"present", 0}, {"left_early", 30}, {"absent", 0}}, 3);
	struct http_response *signed_session = group_sign_ok(id, lead->token);
	json_t *alone = sign_individual(&group, 1, "15:00", 30);
	json_decref(alone);

	char from[16], to[16], path[256];
	days_from_today(-7, from, sizeof from);
	days_from_today(0, to, sizeof to);
	snprintf(path, sizeof path, "/v1/reports/summary?from=%s&to=%s", from, to);
	struct http_response *summary = http_get(path, group.provider.reporter.token);
	cr_assert_eq(summary->status, 200, "%s", summary->body);
	json_t *by_modality = json_pack("{s:i, s:i}", "group", 2, "in_person", 1);
	cr_assert(json_equal(json_object_get(summary->json, "sessions_by_modality"), by_modality),
		  "%s", summary->body);
	json_decref(by_modality);
	cr_assert_eq(json_integer_value(json_object_get(summary->json, "sessions")), 3, "%s",
		     summary->body);
	cr_assert_eq(json_integer_value(json_object_get(summary->json, "billable_units")),
		     4 + 2 + 2, "%s", summary->body);

	snprintf(path, sizeof path, "/v1/exports/session-notes?from=%s&to=%s", from, to);
	struct http_response *exported = http_get(path, group.provider.reporter.token);
	cr_assert_eq(exported->status, 200, "%s", exported->body);
	json_t *lines = export_lines(exported);
	cr_assert_eq(json_array_size(lines), 3, "%s", exported->body);
	size_t from_group = 0, index;
	json_t *line;
	json_array_foreach (lines, index, line) {
		json_t *session = json_object_get(line, "group_session_id");
		cr_assert(session, "every line carries group_session_id: %s", exported->body);
		if (json_is_null(session))
			continue;
		cr_assert_str_eq(json_string_value(session), id, "%s", exported->body);
		from_group++;
		bool listed = false;
		size_t k;
		json_t *note_id;
		json_array_foreach (json_object_get(signed_session->json, "note_ids"), k, note_id) {
			listed = listed ||
				 strcmp(json_string_value(note_id), member_of(line, "id")) == 0;
		}
		cr_assert(listed, "a line of the group that signing did not make: %s",
			  exported->body);
	}
	cr_assert_eq(from_group, 2, "%s", exported->body);
	json_decref(lines);
}
