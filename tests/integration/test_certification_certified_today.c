/* What "certified" means on the organization's today (API.md, Certifications): expiry,
 * the last day, and an issue day still to come. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "certifications_support.h"
#include "fixtures.h"
#include "http.h"
#include "world.h"

TestSuite(certification_certified_today, .init = arena_open, .fini = arena_close);

Test(certification_certified_today, active_but_past_expiry_reads_expired)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *id =
		certification_from_today(team.specialist.id, "active", "-2 years", "-1 day");
	struct http_response *read = get_certification(id, team.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), "active");
	cr_assert_str_eq(member(read, "effective_status"), "expired", "%s", read->body);
	cr_assert(!specialist_certified(team.specialist.id), "an expired certification certifies");
	cr_assert(!own_certified(team.specialist.token));

	/* The lists say the same. */
	char path[160];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist.id);
	struct http_response *list = http_get(path, team.supervisor.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	json_t *item = json_array_get(json_object_get(list->json, "items"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(item, "effective_status")), "expired",
			 "%s", list->body);
}

Test(certification_certified_today, expiring_today_is_still_active_and_certified)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *id =
		certification_from_today(team.specialist.id, "active", "-2 years", "0 days");
	const char *today = day_in("0 days");
	struct http_response *read = get_certification(id, team.specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "expires_on"), today);
	cr_assert_str_eq(member(read, "effective_status"), "active", "%s", read->body);
	cr_assert(own_certified(team.specialist.token), "not certified on the last day");
	cr_assert(specialist_certified(team.specialist.id));
}

Test(certification_certified_today, issued_in_the_future_does_not_certify)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	certification_from_today(team.specialist.id, "active", "1 day", "2 years");
	cr_assert(!own_certified(team.specialist.token), "certified before the issue day");
	cr_assert(!specialist_certified(team.specialist.id));
}
