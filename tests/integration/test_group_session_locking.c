/* What a group session no longer allows (API.md, "Group sessions"): once signed it is
 * locked, in the API and in the database; a draft may be cancelled with a reason, and a
 * cancelled session is locked as well. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(group_session_locking, .init = arena_open, .fini = arena_close);

/* A draft led by the group's specialist, person 0 present and person 1 absent. */
static const char *draft_of(const struct group_world *group)
{
	char occurred[32];
	local_instant(1, "10:00", occurred, sizeof occurred);
	const struct actor *lead = &group->provider.specialist;
	return group_create_ok(
		lead->token,
		with_attendance(group_doc((const char *[]){lead->id}, 1, occurred, 60),
				json_pack("[o, o]", attendee(&group->people[0], "present", 0),
					  attendee(&group->people[1], "absent", 0))));
}

/* Asserts every change to session id answers 409 and leaves it as it was. */
static void assert_locked(const struct group_world *group, const char *id, const char *state)
{
	const struct actor *lead = &group->provider.specialist;
	const char *supervisor = group->provider.supervisor.token;
	struct http_response *before = group_get(id, supervisor);
	cr_assert_eq(before->status, 200, "%s", before->body);
	cr_assert_str_eq(http_string(before, "status"), state);

	expect_conflict(group_patch(id, lead->token, "{\"topic\":\"Changed later\"}"), NULL,
			"PATCH");
	expect_conflict(group_patch(id, supervisor, "{\"location\":\"Elsewhere\"}"), NULL,
			"PATCH by the supervisor");
	expect_conflict(
		group_put_attendance(id, lead->token,
				     json_pack("[o]", attendee(&group->people[1], "present", 0))),
		NULL, "PUT attendance");
	expect_conflict(group_act(id, "cancel", supervisor, "{\"reason\":\"Too late.\"}"), NULL,
			"cancel");
	expect_conflict(group_act(id, "sign", lead->token, NULL), NULL, "sign");

	struct http_response *after = group_get(id, supervisor);
	cr_assert(json_equal(after->json, before->json), "%s\n%s", before->body, after->body);
	cr_assert_eq(notes_of(group->people[1].id, supervisor), 0, "no note for the absent");
}

Test(group_session_locking, a_signed_session_refuses_every_change)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	const char *id = draft_of(&group);
	group_sign_ok(id, group.provider.specialist.token);
	assert_locked(&group, id, "signed");
	cr_assert_eq(notes_of(group.people[0].id, group.provider.supervisor.token), 1,
		     "signed once");
}

Test(group_session_locking, the_database_refuses_to_change_a_signed_session)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	const char *id = draft_of(&group);
	group_sign_ok(id, group.provider.specialist.token);

	PGconn *db = test_db_connect();
	const char *const statements[] = {
		"UPDATE group_sessions SET topic = 'Rewritten' WHERE id = $1",
		"UPDATE group_sessions SET duration_minutes = 480 WHERE id = $1",
		"UPDATE group_sessions SET status = 'draft' WHERE id = $1",
		"DELETE FROM group_sessions WHERE id = $1",
	};
	for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
		PGresult *result = PQexecParams(db, statements[i], 1, NULL,
						(const char *const[]){id}, NULL, NULL, 0);
		cr_assert_neq(PQresultStatus(result), PGRES_COMMAND_OK,
			      "the database let through: %s (%s rows)", statements[i],
			      PQcmdTuples(result));
		PQclear(result);
	}
	PQfinish(db);
	struct http_response *after = group_get(id, group.provider.supervisor.token);
	cr_assert_str_eq(http_string(after, "status"), "signed", "%s", after->body);
	cr_assert_str_eq(http_string(after, "topic"), "Staying well through the holidays");
}

Test(group_session_locking, a_draft_is_cancelled_with_a_reason_and_then_locked)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	const char *id = draft_of(&group);
	const char *lead = group.provider.specialist.token;

	expect_invalid(group_act(id, "cancel", lead, "{}"), "reason", "cancel without a reason");
	expect_invalid(group_act(id, "cancel", lead, "{\"reason\":\"\"}"), "reason",
		       "cancel with an empty reason");
	struct http_response *still = group_get(id, lead);
	cr_assert_str_eq(http_string(still, "status"), "draft", "%s", still->body);

	struct http_response *cancelled =
		group_act(id, "cancel", lead, "{\"reason\":\"The room flooded.\"}");
	cr_assert_eq(cancelled->status, 200, "%s", cancelled->body);
	cr_assert_str_eq(http_string(cancelled, "status"), "cancelled");
	cr_assert_str_eq(http_string(cancelled, "cancel_reason"), "The room flooded.");
	assert_locked(&group, id, "cancelled");
	cr_assert_eq(notes_of(group.people[0].id, group.provider.supervisor.token), 0,
		     "a cancelled session bills nothing");
}
