/* What a group session and its roster must be (API.md, "Group sessions"): each broken field
 * named in one 422 that writes nothing, the capacity of max_group_size per facilitator
 * (409), who may be put on the roster, and a roster that no longer holds at signing. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(group_session_roster, .init = arena_open, .fini = arena_close);

/* Asserts a 422 that names each of fields (prefixes: "attendance[3].goal_ids" also
 * matches "attendance[3].goal_ids[0]"). */
static void expect_fields(const struct http_response *response, const char *const *fields,
			  size_t count, const char *what)
{
	cr_assert_eq(response->status, 422, "%s: %s", what, response->body);
	char *type = http_header(response, "Content-Type");
	cr_assert_str_eq(type, "application/problem+json", "%s", what);
	free(type);
	for (size_t i = 0; i < count; i++)
		cr_expect(names_field_under(response, fields[i]), "%s: %s is not named: %s", what,
			  fields[i], response->body);
}

/* A roster with one fault in each of its first eight entries, and a ninth that is right. */
static json_t *broken_roster(const struct group_world *group, const char *stranger)
{
	json_t *minutes_when_present = attendee(&group->people[0], "present", 0);
	json_object_set_new(minutes_when_present, "minutes", json_integer(30));
	json_t *left_without_minutes = attendee(&group->people[1], "left_early", 0);
	json_t *came_without_goal = attendee(&group->people[2], "present", 0);
	json_object_set_new(came_without_goal, "goal_ids", json_array());
	json_t *someone_elses_goal = attendee(&group->people[3], "present", 0);
	json_object_set_new(someone_elses_goal, "goal_ids",
			    json_pack("[s]", group->people[0].goal_id));
	json_t *of_another_organization =
		json_pack("{s:s, s:s}", "participant_id", stranger, "status", "absent");
	json_t *came_without_note = attendee(&group->people[4], "present", 0);
	json_object_del(came_without_note, "note");
	json_t *longer_than_the_session = attendee(&group->people[5], "left_early", 61);
	json_t *absent_with_minutes = attendee(&group->people[6], "absent", 10);
	json_t *right = attendee(&group->people[7], "present", 0);
	return json_pack("[o, o, o, o, o, o, o, o, o]", minutes_when_present, left_without_minutes,
			 came_without_goal, someone_elses_goal, of_another_organization,
			 came_without_note, longer_than_the_session, absent_with_minutes, right);
}

static const char *const BROKEN_ROSTER_FIELDS[] = {
	"attendance[0].minutes",  "attendance[1].minutes",	  "attendance[2].goal_ids",
	"attendance[3].goal_ids", "attendance[4].participant_id", "attendance[5].note",
	"attendance[6].minutes",  "attendance[7].minutes",
};

/* Someone of another provider, with a referral assigned there. */
static void stranger_open(char *participant, size_t size)
{
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){.referral = true});
	snprintf(participant, size, "%s", elsewhere.participant);
}

Test(group_session_roster, every_broken_field_is_named_and_nothing_is_written)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 8);
	const struct actor *lead = &group.provider.specialist;
	char stranger[64], occurred[32];
	stranger_open(stranger, sizeof stranger);
	local_instant(1, "10:00", occurred, sizeof occurred);
	const size_t roster_fields = sizeof BROKEN_ROSTER_FIELDS / sizeof BROKEN_ROSTER_FIELDS[0];

	/* The roster's faults on create, by the specialist and by the supervisor. */
	const char *const writers[] = {lead->token, group.provider.supervisor.token};
	for (size_t w = 0; w < 2; w++) {
		struct http_response *refused = group_post(
			writers[w],
			with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
					broken_roster(&group, stranger)));
		expect_fields(refused, BROKEN_ROSTER_FIELDS, roster_fields, "create");
		/* The attendee who is right is not named. */
		cr_assert_not(names_field_under(refused, "attendance[8]"), "%s", refused->body);
	}

	/* The session's own faults. */
	json_t *doc =
		group_doc((const char *[]){lead->id, lead->id, lead->id, lead->id}, 4, occurred, 0);
	json_object_set_new(doc, "modality", json_string("text"));
	json_object_set_new(doc, "topic", json_string(""));
	json_object_set_new(doc, "domain", json_string("happiness"));
	const char *const session_fields[] = {"facilitator_ids", "duration_minutes", "modality",
					      "topic", "domain"};
	expect_fields(group_post(lead->token, doc), session_fields, 5, "the session's fields");
	doc = group_doc(NULL, 0, occurred, 481);
	json_object_del(doc, "occurred_at");
	const char *const missing_fields[] = {"facilitator_ids", "duration_minutes", "occurred_at"};
	expect_fields(group_post(group.provider.supervisor.token, doc), missing_fields, 3,
		      "no facilitators, 481 minutes, no occurred_at");
	doc = group_doc((const char *[]){UNKNOWN_ID}, 1, occurred, 60);
	expect_fields(group_post(group.provider.supervisor.token, doc),
		      (const char *const[]){"facilitator_ids"}, 1, "an unknown facilitator");
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){.specialist = true});
	doc = group_doc((const char *[]){lead->id, elsewhere.specialist.id}, 2, occurred, 60);
	expect_fields(group_post(group.provider.supervisor.token, doc),
		      (const char *const[]){"facilitator_ids"}, 1,
		      "a facilitator of another organization");

	/* Nothing was written. */
	cr_assert_eq(sessions_listed("limit=50", group.provider.supervisor.token), 0);

	/* The roster's faults on PUT leave the draft's roster as it was. */
	const char *id = group_create_ok(
		lead->token,
		with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
				json_pack("[o]", attendee(&group.people[7], "present", 0))));
	struct http_response *before = group_get(id, lead->token);
	expect_fields(group_put_attendance(id, lead->token, broken_roster(&group, stranger)),
		      BROKEN_ROSTER_FIELDS, roster_fields, "PUT attendance");
	expect_fields(group_patch(id, lead->token, "{\"duration_minutes\":0,\"topic\":\"\"}"),
		      (const char *const[]){"duration_minutes", "topic"}, 2, "PATCH");
	struct http_response *after = group_get(id, lead->token);
	cr_assert(json_equal(before->json, after->json), "%s\n%s", before->body, after->body);
}

Test(group_session_roster, a_duration_shortened_below_an_attendees_minutes_is_refused)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	const struct actor *lead = &group.provider.specialist;
	const char *id = group_roster_draft_ok(&group, 1, "10:00", 60,
					       (const struct showing[]){{"left_early", 45}}, 1);
	struct http_response *refused = group_patch(id, lead->token, "{\"duration_minutes\":30}");
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	struct http_response *after = group_get(id, lead->token);
	cr_assert_eq(json_integer_value(json_object_get(after->json, "duration_minutes")), 60);
}

/* A roster of count people from first, all present. */
static json_t *present(const struct group_world *group, size_t first, size_t count)
{
	json_t *roster = json_array();
	for (size_t i = first; i < first + count; i++)
		json_array_append_new(roster, attendee(&group->people[i], "present", 0));
	return roster;
}

Test(group_session_roster, capacity_is_max_group_size_per_facilitator)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){.max_group_size = 2}, 6);
	const struct actor *lead = &group.provider.specialist;
	const char *supervisor = group.provider.supervisor.token;
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);

	/* One facilitator: 2 may come; the absent and the excused do not count, those who
	 * left early do. */
	json_t *three = present(&group, 0, 2);
	json_array_append_new(three, attendee(&group.people[2], "left_early", 20));
	struct http_response *refused = group_post(
		lead->token,
		with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60), three));
	expect_conflict(refused, "2", "3 for one facilitator of 2");
	json_t *two_and_absent = present(&group, 0, 2);
	json_array_append_new(two_and_absent, attendee(&group.people[2], "absent", 0));
	json_array_append_new(two_and_absent, attendee(&group.people[3], "excused", 0));
	const char *id = group_create_ok(
		lead->token, with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
					     two_and_absent));
	expect_conflict(group_put_attendance(id, lead->token, present(&group, 0, 3)), "2",
			"PUT 3 for one facilitator of 2");

	/* Two facilitators: 4. */
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	expect_conflict(
		group_post(supervisor, with_attendance(group_doc((const char *[]){lead->id, co.id},
								 2, occurred, 60),
						       present(&group, 0, 5))),
		"4", "5 for two facilitators of 2");
	const char *pair = group_create_ok(
		supervisor,
		with_attendance(group_doc((const char *[]){lead->id, co.id}, 2, occurred, 60),
				present(&group, 0, 4)));
	/* Dropping a facilitator would leave 4 for one of 2. */
	char body[128];
	snprintf(body, sizeof body, "{\"facilitator_ids\":[\"%s\"]}", lead->id);
	expect_conflict(group_patch(pair, supervisor, body), "2", "a facilitator dropped");

	/* The organization's setting, changed by its supervisor, counts from then on. */
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", group.provider.provider);
	expect(http_patch(path, supervisor, "{\"settings\":{\"max_group_size\":3}}", NULL), 200,
	       "max_group_size 3");
	expect(group_put_attendance(id, lead->token, present(&group, 0, 3)), 200,
	       "3 for one facilitator of 3");
	expect_conflict(group_put_attendance(id, lead->token, present(&group, 0, 4)), "3",
			"4 for one facilitator of 3");

	/* Signing made nothing more than the roster. */
	struct http_response *signed_session = group_sign_ok(id, lead->token);
	cr_assert_eq(json_array_size(json_object_get(signed_session->json, "note_ids")), 3);
	cr_assert_eq(sessions_listed("status=draft", supervisor), 1, "%s", pair);
}

Test(group_session_roster, the_default_capacity_is_twelve)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", provider.provider);
	struct http_response *read = http_get(path, provider.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *settings = json_object_get(read->json, "settings");
	cr_assert_eq(json_integer_value(json_object_get(settings, "max_group_size")), 12, "%s",
		     read->body);
	expect_invalid(http_patch(path, provider.supervisor.token,
				  "{\"settings\":{\"max_group_size\":0}}", NULL),
		       "settings.max_group_size", "max_group_size 0");
}

Test(group_session_roster, who_may_be_on_a_specialists_roster)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	const struct actor *lead = &group.provider.specialist;
	struct actor co, outsider;
	specialist_open(&co, group.provider.provider, true);
	specialist_open(&outsider, group.provider.provider, true);
	struct person of_co, of_outsider, walk_in;
	person_assigned(&of_co, &group.provider, &co);
	person_assigned(&of_outsider, &group.provider, &outsider);
	person_walk_in(&walk_in, &group.provider);
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);

	/* The lead may roster who is assigned to either facilitator, not others. */
	struct http_response *refused = group_post(
		lead->token,
		with_attendance(group_doc((const char *[]){lead->id, co.id}, 2, occurred, 60),
				json_pack("[o, o, o, o]", attendee(&group.people[0], "present", 0),
					  attendee(&of_co, "present", 0),
					  attendee(&of_outsider, "present", 0),
					  attendee(&walk_in, "absent", 0))));
	expect_fields(refused,
		      (const char *const[]){"attendance[2].participant_id",
					    "attendance[3].participant_id"},
		      2, "another specialist's participant and a walk-in");
	cr_assert_not(names_field_under(refused, "attendance[0]"), "%s", refused->body);
	cr_assert_not(names_field_under(refused, "attendance[1]"), "%s", refused->body);
	group_create_ok(
		lead->token,
		with_attendance(group_doc((const char *[]){lead->id, co.id}, 2, occurred, 60),
				json_pack("[o, o]", attendee(&group.people[0], "present", 0),
					  attendee(&of_co, "present", 0))));

	/* The supervisor may roster anyone of the organization with a referral assigned or
	 * engaged, not a walk-in without one. */
	group_create_ok(group.provider.supervisor.token,
			with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
					json_pack("[o]", attendee(&of_outsider, "present", 0))));
	expect_fields(
		group_post(group.provider.supervisor.token,
			   with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
					   json_pack("[o]", attendee(&walk_in, "present", 0)))),
		(const char *const[]){"attendance[0].participant_id"}, 1, "a walk-in");
}

Test(group_session_roster, a_roster_that_no_longer_holds_is_refused_at_signing)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 3);
	const struct actor *lead = &group.provider.specialist;
	const char *id = group_roster_draft_ok(
		&group, 1, "10:00", 60,
		(const struct showing[]){{"present", 0}, {"present", 0}, {"left_early", 20}}, 3);
	/* Person 1's goal discontinued, person 2's referral closed since. */
	goal_discontinue(group.people[1].goal_id, lead->token);
	char path[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", group.people[2].referral_id);
	expect(http_post(path, group.provider.supervisor.token,
			 "{\"to\":\"closed\",\"reason\":\"Moved away.\"}"),
	       200, "closing a referral");

	struct http_response *refused = group_act(id, "sign", lead->token, NULL);
	expect_conflict(refused, NULL, "signing a roster that no longer holds");
	cr_assert(names_field_under(refused, "attendance[1].goal_ids"), "%s", refused->body);
	cr_assert(names_field_under(refused, "attendance[2].participant_id"), "%s", refused->body);
	cr_assert_not(names_field_under(refused, "attendance[0]"), "%s", refused->body);

	/* Nothing written: still a draft, no note, no contact. */
	struct http_response *after = group_get(id, lead->token);
	cr_assert_str_eq(http_string(after, "status"), "draft", "%s", after->body);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(notes_of(group.people[i].id, group.provider.supervisor.token), 0,
			     "person %zu", i);
	struct http_response *referral =
		referral_get(group.people[0].referral_id, group.provider.supervisor.token);
	cr_assert_str_eq(http_string(referral, "status"), "assigned", "%s", referral->body);
}
