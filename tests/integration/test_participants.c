/* Participants (API.md): walk-ins recorded by a supervisor, who may read and correct
 * them, and what a specialist, a partner and a reporter may see. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "requests.h"
#include "world.h"

/* Records a walk-in named Jordan family_name as token, with more fields (JSON members or
 * ""), and returns its id (the caller frees it). */
static char *walk_in(const char *token, const char *family_name, const char *fields)
{
	char body[1024];
	snprintf(body, sizeof body, "{\"given_name\":\"Jordan\",\"family_name\":\"%s\"%s%s}",
		 family_name, fields[0] ? "," : "", fields);
	struct http_response *created = http_post("/v1/participants", token, body);
	cr_assert_eq(created->status, 201, "%s: %s", body, created->body);
	char *id = strdup(http_string(created, "id"));
	return id;
}

static char *participant_path(const char *id)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "/v1/participants/%s", id) > 0);
	return path;
}

TestSuite(participants, .init = arena_open, .fini = arena_close);

Test(participants, supervisor_records_a_walk_in)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	struct http_response *created = http_post(
		"/v1/participants", world.supervisor.token,
		"{\"given_name\":\"Jordan\",\"family_name\":\"Lee\",\"preferred_name\":\"Jo\","
		"\"birth_date\":\"1990-04-02\",\"phone\":\"+1 (503) 555-0199\","
		"\"email\":\"jo@example.org\",\"county\":\"Multnomah\",\"preferred_language\":"
		"\"es-MX\",\"youth\":{\"given_name\":\"Sky\",\"birth_date\":\"2014-06-01\"}}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(http_string(created, "organization_id"), world.provider);
	cr_assert_str_eq(http_string(created, "preferred_name"), "Jo");
	json_t *youth = json_object_get(created->json, "youth");
	cr_assert_str_eq(json_string_value(json_object_get(youth, "birth_date")), "2014-06-01");
	char *location = arena_text(http_header(created, "Location"));
	char *expected = arena_text(participant_path(http_string(created, "id")));
	cr_assert_str_eq(location, expected);
	struct http_response *read = http_get(location, world.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, created->json), "%s", read->body);
}

Test(participants, organization_rules_on_a_walk_in)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *other = arena_text(create_organization("provider"));
	char *partner = arena_text(create_organization("partner"));
	const char *person = "\"given_name\":\"A\",\"family_name\":\"B\"";
	assert_organization_rules_on_create("/v1/participants", person, &world, other, partner);
	char body[512];
	snprintf(body, sizeof body, "{\"organization_id\":\"%s\",%s}", other, person);
	struct http_response *by_admin = http_post("/v1/participants", world.admin.token, body);
	cr_assert_eq(by_admin->status, 201, "%s", by_admin->body);
	cr_assert_str_eq(http_string(by_admin, "organization_id"), other);
}

Test(participants, every_broken_field_is_named)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	const char *fields[] = {
		"given_name", "family_name", "preferred_name",	   "birth_date",       "phone",
		"email",      "county",	     "preferred_language", "youth.birth_date", "id",
		"ssn"};
	assert_post_names_fields(
		"/v1/participants", world.supervisor.token,
		"{\"given_name\":\"\",\"preferred_name\":\" Jo\",\"birth_date\":\"2999-01-01\","
		"\"phone\":\"call me\",\"email\":\"jo at example\",\"county\":7,"
		"\"preferred_language\":\"spanish\",\"youth\":{\"given_name\":\"Sky\"},"
		"\"id\":\"x\",\"ssn\":\"123\"}",
		fields, sizeof fields / sizeof fields[0]);
}

Test(participants, roles_that_are_refused)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *id = arena_text(walk_in(world.supervisor.token, "Lee", ""));
	char *path = arena_text(participant_path(id));
	const char *person = "{\"given_name\":\"A\",\"family_name\":\"B\"}";
	const char *phone = "{\"phone\":\"5035550100\"}";
	struct refused_call everything[COLLECTION_CALLS];
	collection_calls(everything, "/v1/participants", person, path, phone);
	assert_role_refused("partner", world.provider, everything, COLLECTION_CALLS);
	assert_role_refused("reporter", world.provider, everything, COLLECTION_CALLS);
	/* A specialist reads the people assigned to them but records and corrects no one. */
	const struct refused_call writes[] = {everything[1], everything[3]};
	assert_role_refused("specialist", world.provider, writes, 2);
}

Test(participants, another_organization_is_invisible)
{
	char *org_a = arena_text(create_organization("provider"));
	char *org_b = arena_text(create_organization("provider"));
	char *supervisor_a = arena_text(token_for("supervisor", org_a));
	char *supervisor_b = arena_text(token_for("supervisor", org_b));
	char *id = arena_text(walk_in(supervisor_a, "Lee", "\"phone\":\"5035550100\""));
	char *path = arena_text(participant_path(id));
	struct http_response *read = http_get(path, supervisor_b);
	cr_assert_eq(read->status, 404, "%s", read->body);
	struct http_response *patch =
		http_patch(path, supervisor_b, "{\"phone\":\"5035550111\"}", NULL);
	cr_assert_eq(patch->status, 404, "%s", patch->body);
	char ids[1024];
	list_ids("/v1/participants?limit=200", supervisor_b, ids, sizeof ids);
	cr_assert_null(strstr(ids, id), "B lists A's participant");
	struct http_response *after = http_get(path, supervisor_a);
	cr_assert_str_eq(http_string(after, "phone"), "5035550100");
}

Test(participants, a_specialist_sees_only_the_people_assigned_to_them)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96], other_subject[96], participant_id[64];
	char *specialist_id =
		arena_text(certified_specialist(world.provider, subject, sizeof subject));
	char *other_id = arena_text(
		certified_specialist(world.provider, other_subject, sizeof other_subject));
	char *specialist = arena_text(token_for_subject("specialist", world.provider, subject));
	char *other = arena_text(token_for_subject("specialist", world.provider, other_subject));
	char *walk_in_id = arena_text(walk_in(world.supervisor.token, "Lee", ""));
	char *referral = arena_text(assigned_referral(world.supervisor.token, specialist_id,
						      participant_id, sizeof participant_id));
	char *path = arena_text(participant_path(participant_id));

	struct http_response *mine = http_get(path, specialist);
	cr_assert_eq(mine->status, 200, "%s", mine->body);
	char listed[1024];
	const char *only[] = {participant_id};
	char expected[128];
	join_ids(only, 1, expected, sizeof expected);
	list_ids("/v1/participants?limit=50", specialist, listed, sizeof listed);
	cr_assert_str_eq(listed, expected);
	struct http_response *not_mine = http_get(path, other);
	cr_assert_eq(not_mine->status, 404, "%s", not_mine->body);
	char *walk_in_path = arena_text(participant_path(walk_in_id));
	struct http_response *unassigned = http_get(walk_in_path, specialist);
	cr_assert_eq(unassigned->status, 404, "%s", unassigned->body);

	/* Reassigned: the person goes with the referral. */
	char assignment[160], body[160];
	snprintf(assignment, sizeof assignment, "/v1/referrals/%s/assignment", referral);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", other_id);
	struct http_response *moved = http_post(assignment, world.supervisor.token, body);
	cr_assert_eq(moved->status, 200, "%s", moved->body);
	struct http_response *gone = http_get(path, specialist);
	cr_assert_eq(gone->status, 404, "%s", gone->body);
	struct http_response *arrived = http_get(path, other);
	cr_assert_eq(arrived->status, 200, "%s", arrived->body);
}

Test(participants, supervisor_corrects_a_record)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *id = arena_text(walk_in(world.supervisor.token, "Lee",
				      "\"youth\":{\"given_name\":\"Sky\",\"birth_date\":"
				      "\"2014-06-01\"}"));
	char *path = arena_text(participant_path(id));
	struct http_response *stale =
		http_patch(path, world.supervisor.token, "{\"phone\":\"5035550100\"}", "\"9\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	struct http_response *same =
		http_patch(path, world.supervisor.token, "{\"given_name\":\"Jordan\"}", NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(json_integer_value(json_object_get(same->json, "version")), 1);
	struct http_response *changed = http_patch(
		path, world.supervisor.token, "{\"phone\":\"5035550100\",\"youth\":null}", "\"1\"");
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(json_integer_value(json_object_get(changed->json, "version")), 2);
	cr_assert(json_is_null(json_object_get(changed->json, "youth")), "%s", changed->body);
	cr_assert_str_eq(http_string(changed, "phone"), "5035550100");
	assert_stays_in_its_organization(path, world.supervisor.token);
	struct http_response *broken =
		http_patch(path, world.supervisor.token, "{\"email\":\"nope\"}", NULL);
	cr_assert_eq(broken->status, 422, "%s", broken->body);
	assert_error_names(broken, "email");
	struct http_response *after = http_get(path, world.supervisor.token);
	cr_assert_eq(json_integer_value(json_object_get(after->json, "version")), 2);
}

Test(participants, list_filters)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *lee = arena_text(walk_in(world.supervisor.token, "Lee", "\"county\":\"Multnomah\""));
	char *park = arena_text(walk_in(world.supervisor.token, "Park-Filter",
					"\"county\":\"Clackamas\",\"preferred_name\":\"Mo\""));
	char listed[1024], expected[1024];
	const char *multnomah[] = {lee};
	join_ids(multnomah, 1, expected, sizeof expected);
	list_ids("/v1/participants?county=MULTNOMAH", world.supervisor.token, listed,
		 sizeof listed);
	cr_assert_str_eq(listed, expected);
	const char *parks[] = {park};
	join_ids(parks, 1, expected, sizeof expected);
	list_ids("/v1/participants?q=park-f", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, expected);
	list_ids("/v1/participants?q=mo", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, expected, "preferred names are searched too");
	const char *both[] = {park, lee};
	join_ids(both, 2, expected, sizeof expected);
	list_ids("/v1/participants?q=jordan", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, expected);
	const char *bad[] = {"/v1/participants?q=", "/v1/participants?organization_id=x",
			     "/v1/participants?limit=500", "/v1/participants?name=Lee"};
	for (size_t i = 0; i < 4; i++) {
		struct http_response *response = http_get(bad[i], world.supervisor.token);
		cr_assert_eq(response->status, 400, "%s: %s", bad[i], response->body);
	}
}

Test(participants, a_parent_in_family_support_keeps_the_youth)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	struct http_response *created = http_post(
		"/v1/referrals", world.supervisor.token,
		"{\"service_type\":\"family\",\"participant\":{\"given_name\":\"Dee\","
		"\"family_name\":\"Moss\",\"youth\":{\"given_name\":\"Kai\",\"birth_date\":"
		"\"2015-03-03\"}},\"reason\":\"School refusal and a new diagnosis.\","
		"\"consent\":{\"obtained\":true}}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *path = arena_text(participant_path(http_string(created, "participant_id")));
	struct http_response *dropped =
		http_patch(path, world.supervisor.token, "{\"youth\":null}", NULL);
	cr_assert_eq(dropped->status, 422, "%s", dropped->body);
	assert_error_names(dropped, "youth");
	struct http_response *renamed = http_patch(
		path, world.supervisor.token, "{\"youth\":{\"given_name\":\"Kai-Lee\"}}", NULL);
	cr_assert_eq(renamed->status, 200, "%s", renamed->body);
}

Test(participants, a_closed_referral_ends_the_specialists_access)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96], participant_id[64];
	char *specialist_id =
		arena_text(certified_specialist(world.provider, subject, sizeof subject));
	char *specialist = arena_text(token_for_subject("specialist", world.provider, subject));
	char *referral = arena_text(assigned_referral(world.supervisor.token, specialist_id,
						      participant_id, sizeof participant_id));
	char *path = arena_text(participant_path(participant_id));
	char referral_path[128], transitions[160];
	snprintf(referral_path, sizeof referral_path, "/v1/referrals/%s", referral);
	snprintf(transitions, sizeof transitions, "/v1/referrals/%s/transitions", referral);
	struct http_response *before = http_get(path, specialist);
	cr_assert_eq(before->status, 200, "%s", before->body);
	struct http_response *closed =
		http_post(transitions, world.supervisor.token,
			  "{\"to\":\"closed\",\"reason\":\"Moved out of state\"}");
	cr_assert_eq(closed->status, 200, "%s", closed->body);
	struct http_response *after = http_get(path, specialist);
	cr_assert_eq(after->status, 404, "%s", after->body);
	struct http_response *referral_after = http_get(referral_path, specialist);
	cr_assert_eq(referral_after->status, 404, "%s", referral_after->body);
	char goals[160];
	snprintf(goals, sizeof goals, "%s/goals", path);
	struct http_response *goal = http_post(
		goals, specialist, "{\"domain\":\"social\",\"statement\":\"Keep in touch.\"}");
	cr_assert_eq(goal->status, 404, "%s", goal->body);
}
