#include "claims_support.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "session_notes_support.h"

const char *formatted(const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	char *text = NULL;
	int length = vasprintf(&text, format, arguments);
	va_end(arguments);
	cr_assert_geq(length, 0, "out of memory");
	return arena_text(text);
}

const char *day_of(const struct world *provider, int days)
{
	char interval[32], day[16];
	snprintf(interval, sizeof interval, "%d days", days);
	organization_day_from_today(provider->provider, interval, day, sizeof day);
	return arena_text(strdup(day));
}

const char *coverage_held(const struct world *provider, const char *participant_id,
			  const char *payer, const char *kind, const char *member_id, int priority,
			  int from_days, int to_days, bool open_ended)
{
	char rank[8];
	snprintf(rank, sizeof rank, "%d", priority);
	return arena_text(test_sql_text(
		"INSERT INTO coverages (organization_id, participant_id, payer, kind, member_id,"
		" priority, effective_on, ends_on, created_by)"
		" VALUES ($1, $2, $3, $4::coverage_kind, $5, $6::int, $7::date, $8::date, 'test')"
		" RETURNING id",
		8,
		(const char *const[]){provider->provider, participant_id, payer, kind, member_id,
				      rank, day_of(provider, from_days),
				      open_ended ? NULL : day_of(provider, to_days)}));
}

const char *authorization_number(const char *authorization_id)
{
	return arena_text(test_sql_text("SELECT number FROM authorizations WHERE id = $1", 1,
					(const char *const[]){authorization_id}));
}

const char *note_signed_on(const struct world *provider, const struct person *person, int days_ago,
			   const char *at, int minutes, const char *modality, int units)
{
	char occurred[32];
	local_instant(days_ago, at, occurred, sizeof occurred);
	const char *id = arena_text(
		note_draft_ok(provider->specialist.token,
			      note_doc(person->id, person->goal_id, occurred, minutes, modality)));
	json_t *billing = note_sign_ok(id, provider->specialist.token);
	cr_assert_eq(json_integer_value(json_object_get(billing, "units")), units,
		     "the note of %d minutes %d days ago bills %d units", minutes, days_ago, units);
	json_decref(billing);
	return id;
}

struct http_response *claim_lines_get(const char *token, const char *query)
{
	return http_get(formatted("/v1/exports/claim-lines%s%s", *query ? "?" : "", query), token);
}

struct http_response *summary_ok(const char *token, const char *query)
{
	const char *path = formatted("/v1/reports/summary?%s", query);
	struct http_response *response = http_get(path, token);
	cr_assert_eq(response->status, 200, "%s: %s", path, response->body);
	return response;
}
