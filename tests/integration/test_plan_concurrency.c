/* Two drafts of one kind signed at the same moment (API.md "Plans"): the signings take
 * turns on the participant's row, so the later supersedes the earlier and the participant
 * has exactly one active plan of that kind. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "plans_support.h"

TestSuite(plan_concurrency, .init = arena_open, .fini = arena_close);

Test(plan_concurrency, two_drafts_signed_at_once_leave_one_active)
{
	struct plan_world plans;
	plan_world_open(&plans, (struct world_options){0});
	const char *const tokens[2] = {plans.provider.specialist.token,
				       plans.provider.supervisor.token};
	const char *ids[2];
	for (size_t i = 0; i < 2; i++)
		ids[i] = plan_draft_ok(plans.person.id, tokens[i], plan_doc("crisis"));
	char today[16], body[96];
	days_from_today(0, today, sizeof today);
	snprintf(body, sizeof body, "{\"participant_signed_on\":\"%s\"}", today);
	/* Both wait on the participant's row, then go at once. */
	PGconn *lock = row_lock_participant(plans.person.id);
	struct background_request signings[2];
	char paths[2][128];
	for (size_t i = 0; i < 2; i++) {
		plan_path(paths[i], sizeof paths[i], ids[i], "/sign");
		signings[i] =
			(struct background_request){.request = {.method = "POST",
								.path = paths[i],
								.token = tokens[i],
								.content_type = "application/json",
								.body = body}};
		background_send(&signings[i]);
	}
	sleep_ms(500);
	row_lock_release(lock);
	for (size_t i = 0; i < 2; i++) {
		struct http_response *answer = background_wait(&signings[i]);
		cr_assert(answer, "no answer to signing %zu", i);
		cr_assert_eq(answer->status, 200, "signing %zu: %s", i, answer->body);
		http_response_free(answer);
	}
	size_t active = 0, superseded = 0;
	for (size_t i = 0; i < 2; i++) {
		const char *status = http_string(plan_get(ids[i], tokens[0]), "status");
		active += strcmp(status, "active") == 0;
		superseded += strcmp(status, "superseded") == 0;
	}
	cr_assert_eq(active, 1);
	cr_assert_eq(superseded, 1);
}
