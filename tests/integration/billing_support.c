#include "billing_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "coverage_support.h"
#include "fixtures.h"
#include "http.h"

void settings_set(const struct world *provider, const char *members)
{
	char path[96], body[512];
	snprintf(path, sizeof path, "/v1/organizations/%s", provider->provider);
	snprintf(body, sizeof body, "{\"settings\": {%s}}", members);
	struct http_response *changed = http_patch(path, provider->supervisor.token, body, NULL);
	cr_assert_eq(changed->status, 200, "settings %s: %s", members, changed->body);
}

const char *day_of(const struct world *provider, int days)
{
	char interval[32], day[16];
	snprintf(interval, sizeof interval, "%d days", days);
	organization_day_from_today(provider->provider, interval, day, sizeof day);
	return arena_text(strdup(day));
}

const char *authorization_held(const struct world *provider, const char *participant_id, int units,
			       int from_days, int to_days)
{
	const char *starts = day_of(provider, from_days), *ends = day_of(provider, to_days);
	char body[256];
	snprintf(body, sizeof body,
		 "{\"payer\":\"State Medicaid\",\"kind\":\"medicaid\","
		 "\"member_id\":\"M123456789\",\"effective_on\":\"%s\"}",
		 day_of(provider, from_days - 365));
	const char *supervisor = provider->supervisor.token;
	char *coverage = coverage_create(participant_id, supervisor, body);
	const char *id = arena_text(
		authorization_create(participant_id, supervisor, coverage, units, starts, ends));
	free(coverage);
	return id;
}

void assert_units_used(const struct world *provider, const char *authorization_id, int units)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/authorizations/%s", authorization_id);
	struct http_response *read = http_get(path, provider->supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	const json_t *used = json_object_get(read->json, "units_used");
	const json_t *remaining = json_object_get(read->json, "units_remaining");
	const json_t *authorized = json_object_get(read->json, "units_authorized");
	cr_assert_eq(json_integer_value(used), units, "units used: %s", read->body);
	cr_assert_eq(json_integer_value(remaining),
		     json_integer_value(authorized) - json_integer_value(used), "%s", read->body);
	/* The signed notes that name it bill exactly those units. */
	char *billed =
		test_sql_text("SELECT coalesce(sum((billing->>'units')::int), 0) FROM session_notes"
			      " WHERE status = 'signed' AND billing->>'authorization_id' = $1",
			      1, (const char *const[]){authorization_id});
	cr_assert(billed && atoi(billed) == units, "units billed under it: %s, not %d", billed,
		  units);
	free(billed);
}

void assert_billed_under(const json_t *billing, const char *authorization_id, const char *what)
{
	const json_t *named = json_object_get(billing, "authorization_id");
	if (!authorization_id) {
		cr_assert(json_is_null(named), "%s: authorization_id should be null", what);
		return;
	}
	cr_assert_str_eq(json_string_value(named) ? json_string_value(named) : "(none)",
			 authorization_id, "%s: the authorization billed under", what);
}

void assert_contact_billing(const json_t *billing, const char *modifiers, const char *place,
			    const char *what)
{
	char listed[32] = "";
	const json_t *modifier;
	size_t i;
	json_array_foreach (json_object_get(billing, "modifiers"), i, modifier) {
		size_t used = strlen(listed);
		snprintf(listed + used, sizeof listed - used, "%s%s", used ? " " : "",
			 json_string_value(modifier));
	}
	cr_assert_str_eq(listed, modifiers, "%s: modifiers", what);
	const json_t *where = json_object_get(billing, "place_of_service");
	if (place)
		cr_assert_str_eq(json_string_value(where) ? json_string_value(where) : "(none)",
				 place, "%s: place_of_service", what);
	else
		cr_assert(json_is_null(where), "%s: place_of_service should be null", what);
}

const char *draft_on(const struct world *provider, const struct person *person, const char *day,
		     int minutes, const char *modality)
{
	char occurred[32];
	snprintf(occurred, sizeof occurred, "%sT17:00:00Z", day);
	return arena_text(
		note_draft_ok(provider->specialist.token,
			      note_doc(person->id, person->goal_id, occurred, minutes, modality)));
}
