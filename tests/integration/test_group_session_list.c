/* The list of group sessions (API.md, "Group sessions"): the filters from, to (the
 * organization's days), facilitator_id, participant_id and status. */
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

TestSuite(group_session_list, .init = arena_open, .fini = arena_close);

/* Asserts that GET /v1/group-sessions?query lists exactly ids (newest first) for token. */
static void assert_listed(const char *query, const char *token, const char *const *ids,
			  size_t count)
{
	char path[512], listed[2048], expected[2048];
	snprintf(path, sizeof path, "/v1/group-sessions?%s", query);
	list_ids(path, token, listed, sizeof listed);
	join_ids(ids, count, expected, sizeof expected);
	cr_assert_str_eq(listed, expected, "?%s", query);
}

Test(group_session_list, filters_by_day_facilitator_participant_and_status)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 3);
	const struct actor *lead = &group.provider.specialist;
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	const char *supervisor = group.provider.supervisor.token;
	char at[3][32];
	/* 23:30 three days ago is the organization's day, not UTC's. */
	local_instant(3, "23:30", at[0], sizeof at[0]);
	local_instant(2, "10:00", at[1], sizeof at[1]);
	local_instant(1, "10:00", at[2], sizeof at[2]);

	const char *oldest = group_create_ok(
		supervisor,
		with_attendance(group_doc((const char *[]){lead->id}, 1, at[0], 60),
				json_pack("[o]", attendee(&group.people[0], "present", 0))));
	const char *middle = group_create_ok(
		supervisor,
		with_attendance(group_doc((const char *[]){co.id, lead->id}, 2, at[1], 60),
				json_pack("[o, o]", attendee(&group.people[1], "present", 0),
					  attendee(&group.people[2], "absent", 0))));
	const char *newest = group_create_ok(
		supervisor,
		with_attendance(group_doc((const char *[]){co.id}, 1, at[2], 30), json_pack("[]")));
	group_sign_ok(oldest, lead->token);
	expect(group_act(newest, "cancel", supervisor, "{\"reason\":\"Nobody came.\"}"), 200,
	       "cancelling");

	char days[3][16], query[256];
	days_from_today(-3, days[0], sizeof days[0]);
	days_from_today(-2, days[1], sizeof days[1]);
	days_from_today(-1, days[2], sizeof days[2]);

	assert_listed("limit=2", supervisor, (const char *[]){newest, middle, oldest}, 3);
	snprintf(query, sizeof query, "from=%s&to=%s", days[0], days[0]);
	assert_listed(query, supervisor, (const char *[]){oldest}, 1);
	snprintf(query, sizeof query, "from=%s", days[1]);
	assert_listed(query, supervisor, (const char *[]){newest, middle}, 2);
	snprintf(query, sizeof query, "to=%s", days[1]);
	assert_listed(query, supervisor, (const char *[]){middle, oldest}, 2);
	snprintf(query, sizeof query, "facilitator_id=%s", lead->id);
	assert_listed(query, supervisor, (const char *[]){middle, oldest}, 2);
	snprintf(query, sizeof query, "facilitator_id=%s", co.id);
	assert_listed(query, supervisor, (const char *[]){newest, middle}, 2);
	snprintf(query, sizeof query, "participant_id=%s", group.people[0].id);
	assert_listed(query, supervisor, (const char *[]){oldest}, 1);
	/* On the roster, even absent. */
	snprintf(query, sizeof query, "participant_id=%s", group.people[2].id);
	assert_listed(query, supervisor, (const char *[]){middle}, 1);
	assert_listed("status=signed", supervisor, (const char *[]){oldest}, 1);
	assert_listed("status=draft", supervisor, (const char *[]){middle}, 1);
	assert_listed("status=cancelled", supervisor, (const char *[]){newest}, 1);
	snprintf(query, sizeof query, "status=draft&facilitator_id=%s&from=%s", lead->id, days[1]);
	assert_listed(query, supervisor, (const char *[]){middle}, 1);

	/* A specialist lists only the sessions they facilitate. */
	assert_listed("limit=50", lead->token, (const char *[]){middle, oldest}, 2);
	assert_listed("limit=50", co.token, (const char *[]){newest, middle}, 2);

	/* Malformed filters are 400, from after to 422. */
	expect(http_get("/v1/group-sessions?from=yesterday", supervisor), 400, "a bad from");
	expect(http_get("/v1/group-sessions?status=archived", supervisor), 400, "a bad status");
	expect(http_get("/v1/group-sessions?facilitator_id=nope", supervisor), 400,
	       "a bad facilitator_id");
	snprintf(query, sizeof query, "/v1/group-sessions?from=%s&to=%s", days[2], days[0]);
	expect(http_get(query, supervisor), 422, "from after to");
}
