/* Group sessions signed at the same moment (API.md, "Group sessions"): one session signed
 * twice at once is signed once, with its notes made once; two sessions sharing an attendee
 * signed at once never bill that person past the daily cap. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "group_sessions_support.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(group_session_concurrency, .init = arena_open, .fini = arena_close);

/* Sends POST /sign on ids[i] as tokens[i] (If-Match: *, whatever version each finds) at
 * once; when lock is not NULL the requests first wait on that held row, released together.
 * Writes the answers. */
static void sign_together(const char *const ids[2], const char *const tokens[2], PGconn *lock,
			  struct http_response *answers[2])
{
	struct background_request signings[2];
	char paths[2][128];
	for (size_t i = 0; i < 2; i++) {
		group_path(paths[i], sizeof paths[i], ids[i], "/sign");
		signings[i] = (struct background_request){.request = {.method = "POST",
								      .path = paths[i],
								      .token = tokens[i],
								      .headers = {"If-Match: *"}}};
	}
	for (size_t i = 0; i < 2; i++)
		background_send(&signings[i]);
	if (lock) {
		/* Long enough for both to reach the row on a loaded machine. */
		sleep_ms(500);
		row_lock_release(lock);
	}
	for (size_t i = 0; i < 2; i++) {
		answers[i] = background_wait(&signings[i]);
		cr_assert(answers[i], "no answer to signing %zu", i);
	}
}

/* A draft led by the group's specialist with co, persons 0 and 1 present. */
static const char *draft_for(const struct group_world *group, const struct actor *co, int days_ago)
{
	char occurred[32];
	local_instant(days_ago, "10:00", occurred, sizeof occurred);
	return group_create_ok(
		group->provider.supervisor.token,
		with_attendance(group_doc((const char *[]){group->provider.specialist.id, co->id},
					  2, occurred, 60),
				json_pack("[o, o]", attendee(&group->people[0], "present", 0),
					  attendee(&group->people[1], "left_early", 30))));
}

Test(group_session_concurrency, one_session_signed_twice_at_once_is_signed_once)
{
	struct group_world group;
	group_world_open(&group, (struct world_options){0}, 2);
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	const char *const tokens[2] = {group.provider.specialist.token, co.token};
	enum { ROUNDS = 4 };
	for (int round = 0; round < ROUNDS; round++) {
		const char *id = draft_for(&group, &co, round + 1);
		/* Half the rounds wait on a participant's row and are released together. */
		PGconn *lock = round % 2 ? row_lock_participant(group.people[0].id) : NULL;
		struct http_response *answers[2];
		sign_together((const char *const[]){id, id}, tokens, lock, answers);
		long statuses[2] = {answers[0]->status, answers[1]->status};
		size_t won = statuses[0] == 200 ? 0 : 1;
		cr_assert(statuses[won] == 200 && statuses[1 - won] == 409,
			  "round %d: %ld and %ld: %s\n%s", round, statuses[0], statuses[1],
			  answers[0]->body, answers[1]->body);
		cr_assert_eq(json_array_size(json_object_get(answers[won]->json, "note_ids")), 2,
			     "%s", answers[won]->body);
		struct http_response *read = group_get(id, group.provider.supervisor.token);
		cr_assert(json_equal(json_object_get(read->json, "note_ids"),
				     json_object_get(answers[won]->json, "note_ids")),
			  "%s", read->body);
		for (size_t i = 0; i < 2; i++)
			cr_assert_eq(notes_of(group.people[i].id, group.provider.supervisor.token),
				     (size_t)round + 1, "round %d: person %zu", round, i);
	}
}

/* The units billed to participant_id on the organization's day days_ago, over every note
 * the supervisor lists, and how many of those notes were billable. */
static int units_on(const struct group_world *group, const char *participant_id, int days_ago,
		    int *billable)
{
	char day[16], path[256];
	days_from_today(-days_ago, day, sizeof day);
	snprintf(path, sizeof path, "/v1/session-notes?participant_id=%s&from=%s&to=%s&limit=200",
		 participant_id, day, day);
	struct http_response *list = http_get(path, group->provider.supervisor.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	int units = 0;
	*billable = 0;
	size_t index;
	json_t *note;
	json_array_foreach (json_object_get(list->json, "items"), index, note) {
		json_t *billing = json_object_get(note, "billing");
		units += (int)json_integer_value(json_object_get(billing, "units"));
		*billable += json_is_true(json_object_get(billing, "billable"));
	}
	return units;
}

Test(group_session_concurrency, two_sessions_signed_at_once_share_an_attendees_daily_cap)
{
	struct group_world group;
	group_world_open(&group,
			 (struct world_options){.unit_rounding = "whole", .max_units_per_day = 4},
			 3);
	const struct actor *lead = &group.provider.specialist;
	struct actor co;
	specialist_open(&co, group.provider.provider, true);
	enum { ROUNDS = 4 };
	for (int round = 0; round < ROUNDS; round++) {
		int days_ago = round + 1;
		char morning[32], afternoon[32];
		local_instant(days_ago, "09:00", morning, sizeof morning);
		local_instant(days_ago, "14:00", afternoon, sizeof afternoon);
		/* Person 0 in both, each led by another specialist; 60 minutes is 4 units. */
		const char *first = group_create_ok(
			group.provider.supervisor.token,
			with_attendance(group_doc((const char *[]){lead->id}, 1, morning, 60),
					json_pack("[o, o]",
						  attendee(&group.people[0], "present", 0),
						  attendee(&group.people[1], "present", 0))));
		const char *second = group_create_ok(
			group.provider.supervisor.token,
			with_attendance(
				group_doc((const char *[]){co.id, lead->id}, 2, afternoon, 60),
				json_pack("[o, o]", attendee(&group.people[0], "present", 0),
					  attendee(&group.people[2], "present", 0))));
		PGconn *lock = round % 2 ? row_lock_participant(group.people[0].id) : NULL;
		struct http_response *answers[2];
		sign_together((const char *const[]){first, second},
			      (const char *const[]){lead->token, co.token}, lock, answers);
		for (size_t i = 0; i < 2; i++)
			cr_assert_eq(answers[i]->status, 200, "round %d, session %zu: %s", round, i,
				     answers[i]->body);
		int billable;
		cr_assert_eq(units_on(&group, group.people[0].id, days_ago, &billable), 4,
			     "round %d: the shared attendee's day", round);
		cr_assert_eq(billable, 1, "round %d: one of the two notes billed", round);
		cr_assert_eq(units_on(&group, group.people[1].id, days_ago, &billable), 4,
			     "round %d", round);
		cr_assert_eq(units_on(&group, group.people[2].id, days_ago, &billable), 4,
			     "round %d", round);
	}
}
