/* Authorizations (API.md "Coverage, authorizations and claims"): kept by the participant's
 * supervisors and admins under a coverage of the same participant; every rule a 422 naming
 * its field, all at once; a number once per coverage (409); units used, remaining and
 * status computed from the notes signed under it; a PATCH that would strand what was
 * billed refused; If-Match; other roles refused, another organization's records not found,
 * every read and write audited. Black-box over HTTP. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "billing_support.h"
#include "coverage_support.h"
#include "fixtures.h"
#include "http.h"
#include "requests.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(authorizations, .init = arena_open, .fini = arena_close);

static const char *authorizations_of(const char *participant_id, const char *query)
{
	char path[256];
	snprintf(path, sizeof path, "/v1/participants/%s/authorizations%s", participant_id, query);
	return arena_text(strdup(path));
}

static const char *authorization_path(const char *id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/authorizations/%s", id);
	return arena_text(strdup(path));
}

/* A Medicaid coverage of participant_id from a year ago, made by w's supervisor. */
static const char *medicaid(const struct world *w, const char *participant_id)
{
	char body[256];
	snprintf(body, sizeof body,
		 "{\"payer\":\"State Medicaid\",\"kind\":\"medicaid\",\"member_id\":\"M1\","
		 "\"effective_on\":\"%s\"}",
		 day_of(w, -365));
	return arena_text(coverage_create(participant_id, w->supervisor.token, body));
}

/* An authorization of units from today + from_days to today + to_days. */
static const char *authorized(const struct world *w, const char *participant_id,
			      const char *coverage_id, int units, int from_days, int to_days)
{
	return arena_text(authorization_create(participant_id, w->supervisor.token, coverage_id,
					       units, day_of(w, from_days), day_of(w, to_days)));
}

static struct http_response *read_back(const struct world *w, const char *id)
{
	struct http_response *read = http_get(authorization_path(id), w->supervisor.token);
	expect(read, 200, "reading the authorization");
	return read;
}

static long long integer(const struct http_response *response, const char *key)
{
	return json_integer_value(json_object_get(response->json, key));
}

/* Asserts the authorization's units used and remaining and its status. */
static void assert_units(const struct world *w, const char *id, int used, int remaining,
			 const char *status)
{
	struct http_response *read = read_back(w, id);
	cr_expect_eq(integer(read, "units_used"), used, "units_used: %s", read->body);
	cr_expect_eq(integer(read, "units_remaining"), remaining, "units_remaining: %s",
		     read->body);
	cr_expect_str_eq(member(read, "status"), status);
}

/* The message of the 422 error that names field ("" when none does). */
static const char *error_message(const struct http_response *response, const char *field)
{
	size_t i;
	const json_t *error;
	json_array_foreach (json_object_get(response->json, "errors"), i, error) {
		if (strcmp(member_of(error, "field"), field) == 0)
			return member_of(error, "message");
	}
	return "";
}

Test(authorizations, units_used_are_the_signed_notes_and_stay_covered)
{
	struct world w;
	struct person person;
	person_world_build(&w, (struct world_options){0}, &person);
	settings_set(&w, "\"require_authorization\": true");
	const char *coverage = medicaid(&w, person.id);
	const char *id = authorized(&w, person.id, coverage, 8, -10, 30);
	struct http_response *fresh = read_back(&w, id);
	cr_expect_str_eq(member(fresh, "code"), "H0038", "the default code");
	cr_expect_str_eq(member(fresh, "coverage_id"), coverage);
	assert_units(&w, id, 0, 8, "active");
	/* Two notes of an hour (4 units each) spend it all. */
	for (int days_ago = 2; days_ago >= 1; days_ago--) {
		json_t *billing =
			note_sign_ok(draft_on(&w, &person, day_of(&w, -days_ago), 60, "in_person"),
				     w.specialist.token);
		assert_billed_under(billing, id, "a note under it");
		json_decref(billing);
	}
	assert_units(&w, id, 8, 0, "exhausted");
	assert_units_used(&w, id, 8);
	/* What was billed stays covered: units, the first and the last billed day. */
	const char *path = authorization_path(id);
	struct http_response *fewer =
		http_patch(path, w.supervisor.token, "{\"units_authorized\":6}", NULL);
	assert_error_names(fewer, "units_authorized");
	cr_expect(strstr(error_message(fewer, "units_authorized"), "8"), "%s", fewer->body);
	char body[256];
	snprintf(body, sizeof body, "{\"starts_on\":\"%s\",\"ends_on\":\"%s\"}", day_of(&w, -1),
		 day_of(&w, -1));
	struct http_response *narrower = http_patch(path, w.supervisor.token, body, NULL);
	assert_error_names(narrower, "starts_on");
	snprintf(body, sizeof body, "{\"ends_on\":\"%s\"}", day_of(&w, -2));
	assert_error_names(http_patch(path, w.supervisor.token, body, NULL), "ends_on");
	/* Broken fields and what was billed, named in one answer. */
	snprintf(body, sizeof body,
		 "{\"units_authorized\":1,\"starts_on\":\"%s\",\"ends_on\":\"%s\","
		 "\"code\":\"X\",\"number\":\"\",\"coverage_id\":\"" UNKNOWN_ID "\",\"foo\":1}",
		 day_of(&w, -1), day_of(&w, -2));
	struct http_response *all = http_patch(path, w.supervisor.token, body, NULL);
	const char *named[] = {"units_authorized", "starts_on",	  "ends_on", "code",
			       "number",	   "coverage_id", "foo"};
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		assert_error_names(all, named[i]);
	/* More units, with the version read. */
	expect(http_patch(path, w.supervisor.token, "{\"units_authorized\":12}", "\"9\""), 412,
	       "a stale If-Match");
	struct http_response *more =
		http_patch_as_read(path, w.supervisor.token, "{\"units_authorized\":12}");
	expect(more, 200, "more units");
	cr_expect_eq(integer(more, "version"), 2);
	assert_units(&w, id, 8, 4, "active");
	cr_expect(audit_events_by(w.supervisor.subject, id, "create") == 1);
	cr_expect(audit_events_by(w.supervisor.subject, id, "read") >= 1);
	cr_expect(audit_events_by(w.supervisor.subject, id, "update") == 1);
	/* coverage_id stays; never deleted. */
	assert_error_names(
		http_patch(path, w.supervisor.token, "{\"coverage_id\":\"" UNKNOWN_ID "\"}", NULL),
		"coverage_id");
	struct http_response *deleted = http_send(&(struct http_request){
		.method = "DELETE", .path = path, .token = w.supervisor.token});
	cr_expect_eq(deleted->status, 405, "%s", deleted->body);
}

Test(authorizations, status_on_today_and_the_list_filters)
{
	struct world w;
	struct person person;
	person_world_build(&w, (struct world_options){0}, &person);
	const char *coverage = medicaid(&w, person.id);
	const char *other_coverage = medicaid(&w, person.id);
	const char *expired = authorized(&w, person.id, coverage, 10, -30, -1);
	const char *active = authorized(&w, person.id, coverage, 10, -1, 10);
	const char *future = authorized(&w, person.id, other_coverage, 10, 5, 40);
	assert_units(&w, expired, 0, 10, "expired");
	assert_units(&w, active, 0, 10, "active");
	assert_units(&w, future, 0, 10, "future");
	char listed[512], expected[512], query[128];
	list_ids(authorizations_of(person.id, "?status=future"), w.supervisor.token, listed,
		 sizeof listed);
	cr_expect_str_eq(listed, future, "status=future");
	snprintf(query, sizeof query, "?coverage_id=%s", coverage);
	list_ids(authorizations_of(person.id, query), w.supervisor.token, listed, sizeof listed);
	snprintf(expected, sizeof expected, "%s %s", active, expired);
	cr_expect_str_eq(listed, expected, "under the first coverage, newest first");
	snprintf(query, sizeof query, "?active_on=%s", day_of(&w, -1));
	list_ids(authorizations_of(person.id, query), w.supervisor.token, listed, sizeof listed);
	cr_expect_str_eq(listed, expected, "whose dates hold yesterday");
	snprintf(query, sizeof query, "?active_on=%s&status=active", day_of(&w, 6));
	list_ids(authorizations_of(person.id, query), w.supervisor.token, listed, sizeof listed);
	cr_expect_str_eq(listed, active, "filters combine");
	cr_expect_eq(
		http_get(authorizations_of(person.id, "?status=spent"), w.supervisor.token)->status,
		400);
}

Test(authorizations, each_broken_rule_is_named_at_once_and_a_number_once)
{
	struct world w;
	struct person person, other;
	person_world_build(&w, (struct world_options){0}, &person);
	person_walk_in(&other, &w);
	const char *coverage = medicaid(&w, person.id);
	const char *others = medicaid(&w, other.id);
	char body[512];
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"code\":\"H2015\",\"units_authorized\":0,"
		 "\"starts_on\":\"%s\",\"ends_on\":\"%s\",\"units_used\":1}",
		 others, day_of(&w, 0), day_of(&w, -1));
	const char *fields[] = {"coverage_id",	    "number",  "code",
				"units_authorized", "ends_on", "units_used"};
	assert_post_names_fields(authorizations_of(person.id, ""), w.supervisor.token, body, fields,
				 sizeof fields / sizeof *fields);
	/* Another organization's coverage, even sent by an admin. */
	struct world elsewhere;
	struct person stranger;
	person_world_build(&elsewhere, (struct world_options){0}, &stranger);
	const char *foreign = medicaid(&elsewhere, stranger.id);
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"number\":\"PA-1\",\"units_authorized\":5,"
		 "\"starts_on\":\"%s\",\"ends_on\":\"%s\"}",
		 foreign, day_of(&w, 0), day_of(&w, 5));
	assert_error_names(authorization_post(person.id, w.admin.token, body), "coverage_id");
	char listed[64];
	list_ids(authorizations_of(person.id, ""), w.supervisor.token, listed, sizeof listed);
	cr_expect_str_eq(listed, "", "nothing was made");
	/* A number once per coverage; the same number under another coverage is another. */
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"number\":\"PA-1\",\"units_authorized\":5,"
		 "\"starts_on\":\"%s\",\"ends_on\":\"%s\"}",
		 coverage, day_of(&w, 0), day_of(&w, 5));
	expect(authorization_post(person.id, w.supervisor.token, body), 201, "PA-1");
	expect(authorization_post(person.id, w.supervisor.token, body), 409, "PA-1 again");
}

Test(authorizations, only_supervisors_and_admins_of_its_organization)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true,
					       .specialist = true,
					       .certified = true,
					       .referral = true});
	const char *coverage = medicaid(&w, w.participant);
	const char *id = authorized(&w, w.participant, coverage, 10, 0, 10);
	char body[512];
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"number\":\"PA-9\",\"units_authorized\":5,"
		 "\"starts_on\":\"%s\",\"ends_on\":\"%s\"}",
		 coverage, day_of(&w, 0), day_of(&w, 5));
	struct refused_call calls[COLLECTION_CALLS];
	collection_calls(calls, authorizations_of(w.participant, ""), body, authorization_path(id),
			 "{\"units_authorized\":20}");
	assert_role_refused("specialist", w.provider, calls, COLLECTION_CALLS);
	assert_role_refused("reporter", w.provider, calls, COLLECTION_CALLS);
	assert_role_refused("partner", w.partner_organization, calls, COLLECTION_CALLS);
	cr_expect_eq(http_get(authorization_path(id), w.specialist.token)->status, 403,
		     "even the assigned specialist");
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){0});
	const char *stranger = elsewhere.supervisor.token;
	cr_expect_eq(http_get(authorization_path(id), stranger)->status, 404);
	cr_expect_eq(http_patch(authorization_path(id), stranger, "{\"units_authorized\":20}", NULL)
			     ->status,
		     404);
	cr_expect_eq(http_get(authorizations_of(w.participant, ""), stranger)->status, 404);
	cr_expect_eq(http_post(authorizations_of(w.participant, ""), stranger, body)->status, 404);
	cr_expect_eq(integer(read_back(&w, id), "units_authorized"), 10, "unchanged");
	expect(http_get(authorization_path(id), w.admin.token), 200, "an admin reads it");
}
