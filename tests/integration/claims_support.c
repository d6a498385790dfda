#include "claims_support.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "coverage_support.h"
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

const char *coverage_held(const struct world *provider, const char *participant_id,
			  const char *payer, const char *kind, const char *member_id, int priority,
			  int from_days, int to_days, bool open_ended)
{
	json_t *doc = json_pack("{s:s, s:s, s:i, s:s}", "payer", payer, "kind", kind, "priority",
				priority, "effective_on", day_of(provider, from_days));
	if (member_id)
		json_object_set_new(doc, "member_id", json_string(member_id));
	if (!open_ended)
		json_object_set_new(doc, "ends_on", json_string(day_of(provider, to_days)));
	char *body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	const char *id =
		arena_text(coverage_create(participant_id, provider->supervisor.token, body));
	free(body);
	return id;
}

const char *authorization_number(const struct world *provider, const char *authorization_id)
{
	struct http_response *read = http_get(formatted("/v1/authorizations/%s", authorization_id),
					      provider->supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	return http_string(read, "number");
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
