/* Who may do what with a group session (API.md, "Group sessions" and "Who calls"): a
 * specialist only the sessions they facilitate, a supervisor every session of the
 * organization but not the signing, an admin all, partner and reporter nothing; another
 * organization's sessions are not found. */
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

TestSuite(group_session_roles, .init = arena_open, .fini = arena_close);

/* A draft the supervisor made, led by the group's specialist with co, person 0 present. */
static const char *draft_for(const struct group_world *group, const struct actor *co)
{
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);
	return group_create_ok(
		group->provider.supervisor.token,
		with_attendance(group_doc((const char *[]){group->provider.specialist.id, co->id},
					  2, occurred, 60),
				json_pack("[o]", attendee(&group->people[0], "present", 0))));
}

/* Asserts that token gets status for every route on session id, and the session is as it
 * was. */
static void assert_every_route(const struct group_world *group, const char *id, const char *token,
			       long status, const char *who)
{
	struct http_response *before = group_get(id, group->provider.supervisor.token);
	char what[128];
	snprintf(what, sizeof what, "%s: GET", who);
	expect(group_get(id, token), status, what);
	snprintf(what, sizeof what, "%s: PATCH", who);
	expect(group_patch(id, token, "{\"topic\":\"Taken over\"}"), status, what);
	snprintf(what, sizeof what, "%s: PUT attendance", who);
	expect(group_put_attendance(id, token, json_array()), status, what);
	snprintf(what, sizeof what, "%s: cancel", who);
	expect(group_act(id, "cancel", token, "{\"reason\":\"Not mine.\"}"), status, what);
	snprintf(what, sizeof what, "%s: sign", who);
	expect(group_act(id, "sign", token, NULL), status, what);
	struct http_response *after = group_get(id, group->provider.supervisor.token);
	cr_assert(json_equal(before->json, after->json), "%s changed it: %s\n%s", who, before->body,
		  after->body);
}

Test(group_session_roles, partner_and_reporter_get_403_everywhere)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){.partner = true}, 1);
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	const char *id = draft_for(&group, &co);
	const struct actor *const callers[] = {&group.provider.partner, &group.provider.reporter};
	for (size_t i = 0; i < 2; i++) {
		assert_every_route(&group, id, callers[i]->token, 403, callers[i]->subject);
		expect(http_get("/v1/group-sessions", callers[i]->token), 403, "the list");
		char occurred[32];
		local_instant(1, "12:00", occurred, sizeof occurred);
		expect(group_post(callers[i]->token,
				  group_doc((const char *[]){co.id}, 1, occurred, 60)),
		       403, "create");
	}
	cr_assert_eq(sessions_listed("limit=50", group.provider.supervisor.token), 1);
}

Test(group_session_roles, a_specialist_sees_only_the_sessions_they_facilitate)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	struct actor co, outsider;
	specialist_open(&co, group.provider.provider, true);
	specialist_open(&outsider, group.provider.provider, true);
	const char *id = draft_for(&group, &co);

	assert_every_route(&group, id, outsider.token, 404, "a specialist who is not facilitating");
	cr_assert_eq(sessions_listed("limit=50", outsider.token), 0);
	char query[128];
	snprintf(query, sizeof query, "participant_id=%s", group.people[0].id);
	cr_assert_eq(sessions_listed(query, outsider.token), 0);

	/* Both facilitators see it and may edit it; the second may sign it. */
	const struct actor *const facilitators[] = {&group.provider.specialist, &co};
	for (size_t i = 0; i < 2; i++) {
		expect(group_get(id, facilitators[i]->token), 200, "a facilitator reads");
		cr_assert_eq(sessions_listed("limit=50", facilitators[i]->token), 1);
	}
	expect(group_patch(id, co.token, "{\"location\":\"Library, room 4\"}"), 200,
	       "the second facilitator edits");
	struct http_response *signed_session = group_sign_ok(id, co.token);
	cr_assert_eq(json_array_size(json_object_get(signed_session->json, "note_ids")), 1);
}

Test(group_session_roles, a_supervisor_manages_every_session_but_does_not_sign)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	const char *supervisor = group.provider.supervisor.token;
	const char *id = draft_for(&group, &co);

	expect(group_get(id, supervisor), 200, "the supervisor reads");
	expect(group_patch(id, supervisor, "{\"topic\":\"Boundaries\"}"), 200,
	       "the supervisor edits");
	expect(group_put_attendance(id, supervisor,
				    json_pack("[o, o]", attendee(&group.people[0], "present", 0),
					      attendee(&group.people[1], "absent", 0))),
	       200, "the supervisor replaces the roster");
	expect(group_act(id, "sign", supervisor, NULL), 403, "the supervisor signs");
	struct http_response *still = group_get(id, supervisor);
	cr_assert_str_eq(http_string(still, "status"), "draft", "%s", still->body);
	cr_assert_eq(notes_of(group.people[0].id, supervisor), 0);

	/* An admin signs. */
	struct http_response *signed_session = group_sign_ok(id, group.provider.admin.token);
	cr_assert_eq(json_array_size(json_object_get(signed_session->json, "note_ids")), 1);
}

Test(group_session_roles, an_admin_creates_reads_and_signs_in_any_organization)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	const struct actor *lead = &group.provider.specialist;
	const char *id = group_draft_ok(group.provider.admin.token, lead->id, 1, "10:00", 60,
					json_pack("[o]", attendee(&group.people[0], "present", 0)));
	struct http_response *read = group_get(id, lead->token);
	cr_assert_eq(read->status, 200, "the facilitator reads what the admin made: %s",
		     read->body);
	expect(group_get(id, group.provider.admin.token), 200, "the admin reads");
	group_sign_ok(id, group.provider.admin.token);
	cr_assert_eq(notes_of(group.people[0].id, lead->token), 1);
}

Test(group_session_roles, another_organization_finds_nothing)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 1);
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	const char *id = draft_for(&group, &co);
	struct world other;
	world_build(&other, (struct world_options){.certified_around_today = true});

	assert_every_route(&group, id, other.specialist.token, 404,
			   "another organization's specialist");
	/* Its supervisor finds nothing to read, edit or cancel (and may sign nothing). */
	expect(group_get(id, other.supervisor.token), 404, "another supervisor: GET");
	expect(group_patch(id, other.supervisor.token, "{\"topic\":\"Ours now\"}"), 404,
	       "another supervisor: PATCH");
	expect(group_put_attendance(id, other.supervisor.token, json_array()), 404,
	       "another supervisor: PUT attendance");
	expect(group_act(id, "cancel", other.supervisor.token, "{\"reason\":\"Ours.\"}"), 404,
	       "another supervisor: cancel");
	cr_assert_eq(sessions_listed("limit=50", other.supervisor.token), 0);
	char query[128];
	snprintf(query, sizeof query, "facilitator_id=%s", group.provider.specialist.id);
	cr_assert_eq(sessions_listed(query, other.supervisor.token), 0);
	struct http_response *still = group_get(id, group.provider.supervisor.token);
	cr_assert_str_eq(http_string(still, "status"), "draft", "%s", still->body);
	cr_assert_str_eq(http_string(still, "topic"), "Staying well through the holidays");
}
