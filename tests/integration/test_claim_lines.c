/* The claim-lines export (API.md "Coverage, authorizations and claims"): one line per
 * billable signed note of the range of service days, with the authorization's coverage or
 * else the primary one on the day, only to supervisors and admins, never another
 * organization's, audited as an export. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "claims_support.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(claim_lines, .init = arena_open, .fini = arena_close);

/* The lines of a 200 NDJSON export; asserts its status and Content-Type. Decref it. */
static json_t *lines_of(struct http_response *exported)
{
	cr_assert_eq(exported->status, 200, "%s", exported->body);
	char *type = http_header(exported, "Content-Type");
	cr_assert_str_eq(type ? type : "(none)", "application/x-ndjson");
	free(type);
	return ndjson_lines(exported);
}

/* The note ids of lines, joined by spaces, kept in the arena. */
static const char *note_ids(const json_t *lines)
{
	char out[1024] = "";
	size_t index;
	json_t *line;
	json_array_foreach (lines, index, line) {
		size_t used = strlen(out);
		snprintf(out + used, sizeof out - used, "%s%s", used ? " " : "",
			 member_of(line, "note_id"));
	}
	return arena_text(strdup(out));
}

/* The ids a, b, ... in the order the export gives notes of one day: by id. */
static const char *in_id_order(const char *a, const char *b)
{
	return strcmp(a, b) < 0 ? formatted("%s %s", a, b) : formatted("%s %s", b, a);
}

/* Asserts line's member is the JSON SQL makes of sql (one parameter, id). */
static void assert_member_is(const json_t *line, const char *member, const char *sql,
			     const char *id)
{
	char *text = test_sql_text(sql, 1, (const char *const[]){id});
	json_t *expected = json_loads(text, 0, NULL);
	char *got = json_dumps(json_object_get(line, member), JSON_SORT_KEYS);
	cr_assert(json_equal(json_object_get(line, member), expected), "%s: %s, not %s", member,
		  got, text);
	free(got);
	json_decref(expected);
	free(text);
}

/* Asserts line's coverage: payer and member_id (payer NULL: null), kind medicaid or
 * commercial by the payer. */
static void assert_coverage(const json_t *line, const char *payer, const char *kind,
			    const char *member_id)
{
	const json_t *coverage = json_object_get(line, "coverage");
	if (!payer) {
		cr_assert(json_is_null(coverage), "no coverage: %s",
			  json_string_value(json_object_get(coverage, "payer")));
		return;
	}
	cr_assert_eq(json_object_size(coverage), 3);
	cr_assert_str_eq(member_of(coverage, "payer"), payer);
	cr_assert_str_eq(member_of(coverage, "kind"), kind);
	cr_assert_str_eq(member_of(coverage, "member_id"), member_id);
}

static void assert_line(const json_t *line, const char *note_id, const char *day, int units,
			const char *modifiers, const char *place)
{
	cr_assert_eq(json_object_size(line), 10, "exactly the claim's members, no narrative");
	cr_assert_str_eq(member_of(line, "note_id"), note_id);
	cr_assert_str_eq(member_of(line, "service_date"), day);
	cr_assert_str_eq(member_of(line, "code"), "H0038");
	cr_assert_eq(json_integer_value(json_object_get(line, "units")), units);
	assert_contact_billing(line, modifiers, place, note_id);
}

#define SPECIALIST_JSON                                                               \
	"SELECT json_build_object('id', id, 'given_name', given_name, 'family_name'," \
	" family_name)::text FROM specialists WHERE id = $1"
#define PARTICIPANT_JSON                                                              \
	"SELECT json_build_object('id', id, 'given_name', given_name, 'family_name'," \
	" family_name, 'birth_date', birth_date)::text FROM participants WHERE id = $1"

Test(claim_lines, a_line_per_billable_note_with_its_coverage)
{
	struct world provider;
	struct person person, uncovered;
	person_world_build(&provider, (struct world_options){0}, &person);
	person_assigned(&uncovered, &provider, &provider.specialist);
	settings_set(&provider, "\"require_authorization\": true");
	/* The authorization's coverage is State Medicaid (in effect for a year before it);
	 * the primary on the day is Blue Plan: priority 1 and the latest to take effect of
	 * those in effect, ahead of a later priority 2 and one that ended. */
	const char *held = authorization_held(&provider, person.id, 4, -20, 30);
	coverage_held(&provider, person.id, "Ended Plan", "commercial", "E-1", 1, -60, -30, false);
	coverage_held(&provider, person.id, "Second Plan", "commercial", "S-1", 2, -5, 0, true);
	coverage_held(&provider, person.id, "Blue Plan", "commercial", "B-1", 1, -100, 30, false);

	const char *under = note_signed_on(&provider, &person, 3, "10:00", 60, "in_person", 4);
	/* The authorization is spent: not billable, no line. */
	note_signed_on(&provider, &person, 2, "10:00", 60, "in_person", 0);
	settings_set(&provider, "\"require_authorization\": false");
	const char *video = note_signed_on(&provider, &person, 1, "10:00", 30, "video", 2);
	note_signed_on(&provider, &person, 1, "11:00", 30, "text", 0);
	const char *bare = note_signed_on(&provider, &uncovered, 1, "12:00", 45, "in_person", 3);
	/* A draft bills nothing yet. */
	char occurred[32];
	local_instant(1, "13:00", occurred, sizeof occurred);
	free(note_draft_ok(provider.specialist.token,
			   note_doc(person.id, person.goal_id, occurred, 60, "in_person")));

	json_t *lines = lines_of(claim_lines_get(provider.supervisor.token, ""));
	cr_assert_str_eq(note_ids(lines), formatted("%s %s", under, in_id_order(video, bare)),
			 "by service day, then note id");

	const json_t *first = json_array_get(lines, 0);
	assert_line(first, under, day_of(&provider, -3), 4, "", "11");
	assert_member_is(first, "rendering_specialist", SPECIALIST_JSON, provider.specialist.id);
	assert_member_is(first, "participant", PARTICIPANT_JSON, person.id);
	assert_coverage(first, "State Medicaid", "medicaid", "M123456789");
	cr_assert_str_eq(member_of(first, "authorization_number"),
			 authorization_number(&provider, held));

	for (size_t i = 1; i < 3; i++) {
		const json_t *line = json_array_get(lines, i);
		cr_assert(json_is_null(json_object_get(line, "authorization_number")));
		if (strcmp(member_of(line, "note_id"), video) == 0) {
			assert_line(line, video, day_of(&provider, -1), 2, "95", "10");
			assert_member_is(line, "participant", PARTICIPANT_JSON, person.id);
			assert_coverage(line, "Blue Plan", "commercial", "B-1");
		} else {
			assert_line(line, bare, day_of(&provider, -1), 3, "", "11");
			assert_member_is(line, "participant", PARTICIPANT_JSON, uncovered.id);
			assert_coverage(line, NULL, NULL, NULL);
		}
	}
	json_decref(lines);

	/* Both ends of the range are service days, included. */
	lines = lines_of(claim_lines_get(
		provider.supervisor.token,
		formatted("from=%s&to=%s", day_of(&provider, -3), day_of(&provider, -2))));
	cr_assert_str_eq(note_ids(lines), under);
	json_decref(lines);
	lines = lines_of(claim_lines_get(
		provider.supervisor.token,
		formatted("from=%s&to=%s", day_of(&provider, -1), day_of(&provider, -1))));
	cr_assert_str_eq(note_ids(lines), in_id_order(video, bare));
	json_decref(lines);
	lines = lines_of(claim_lines_get(
		provider.supervisor.token,
		formatted("from=%s&to=%s", day_of(&provider, -30), day_of(&provider, -4))));
	cr_assert_eq(json_array_size(lines), 0, "a range without billable notes is empty");
	json_decref(lines);
}

Test(claim_lines, supervisors_and_admins_only_their_organization_audited)
{
	struct world provider, other;
	struct person person, stranger;
	person_world_build(&provider, (struct world_options){.partner = true}, &person);
	person_world_build(&other, (struct world_options){0}, &stranger);
	const char *mine = note_signed_on(&provider, &person, 2, "10:00", 60, "in_person", 4);
	note_signed_on(&other, &stranger, 2, "10:00", 60, "in_person", 4);

	const char *const refused[] = {provider.specialist.token, provider.partner.token,
				       provider.reporter.token};
	for (size_t r = 0; r < 3; r++) {
		struct http_response *answer = claim_lines_get(refused[r], "");
		cr_assert_eq(answer->status, 403, "%s", answer->body);
	}

	/* A supervisor's own organization, whatever it names; an admin's the one named. */
	const char *request_id = formatted("claims-%s", provider.supervisor.subject);
	json_t *lines = lines_of(http_send(
		&(struct http_request){.path = "/v1/exports/claim-lines",
				       .token = provider.supervisor.token,
				       .headers = {formatted("X-Request-Id: %s", request_id)}}));
	cr_assert_str_eq(note_ids(lines), mine);
	json_decref(lines);
	lines = lines_of(claim_lines_get(provider.supervisor.token,
					 formatted("organization_id=%s", other.provider)));
	cr_assert_str_eq(note_ids(lines), mine);
	json_decref(lines);
	lines = lines_of(claim_lines_get(provider.admin.token,
					 formatted("organization_id=%s", provider.provider)));
	cr_assert_str_eq(note_ids(lines), mine);
	json_decref(lines);
	cr_assert_eq(claim_lines_get(provider.admin.token, "")->status, 400,
		     "an admin names the organization");
	cr_assert_eq(
		claim_lines_get(provider.admin.token, formatted("organization_id=%s", UNKNOWN_ID))
			->status,
		404);

	/* The range is checked as the session-notes export checks it. */
	struct http_response *backwards = claim_lines_get(
		provider.supervisor.token,
		formatted("from=%s&to=%s", day_of(&provider, 0), day_of(&provider, -1)));
	cr_assert_eq(backwards->status, 422, "%s", backwards->body);
	assert_error_names(backwards, "from");
	cr_assert_eq(claim_lines_get(provider.supervisor.token, "from=2026-02-30")->status, 400);
	cr_assert_eq(claim_lines_get(provider.supervisor.token, "colour=blue")->status, 400);

	/* One export event, before the first byte. */
	struct http_response *events =
		http_get(formatted("/v1/audit-events?actor=%s&resource_type=claim_line",
				   provider.supervisor.subject),
			 provider.admin.token);
	cr_assert_eq(events->status, 200, "%s", events->body);
	json_t *items = json_object_get(events->json, "items");
	cr_assert_eq(json_array_size(items), 2, "two exports made: %s", events->body);
	const json_t *event = NULL;
	size_t index;
	json_t *item;
	json_array_foreach (items, index, item) {
		if (strcmp(member_of(item, "request_id"), request_id) == 0)
			event = item;
	}
	cr_assert(event, "the export's event: %s", events->body);
	cr_assert_str_eq(member_of(event, "action"), "export");
	cr_assert_str_eq(member_of(event, "organization_id"), provider.provider);
	cr_assert(json_is_null(json_object_get(event, "resource_id")));
	cr_assert_eq(json_integer_value(json_object_get(event, "status")), 200);
}
