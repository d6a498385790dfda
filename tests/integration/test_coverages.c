/* Coverages (API.md "Coverage, authorizations and claims"): kept by the participant's
 * supervisors and admins; every rule a 422 naming its field, all at once; status on the
 * organization's today; the list's filters; PATCH with If-Match; never deleted (405);
 * every other role refused, another organization's participant and coverage not found,
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
#include "world.h"

TestSuite(coverages, .init = arena_open, .fini = arena_close);

static const char *coverages_of(const char *participant_id, const char *query)
{
	char path[256];
	snprintf(path, sizeof path, "/v1/participants/%s/coverages%s", participant_id, query);
	return arena_text(strdup(path));
}

static const char *coverage_path(const char *id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/coverages/%s", id);
	return arena_text(strdup(path));
}

/* A Medicaid-like coverage of kind from today + from_days, to ends_on (NULL: open). */
static const char *coverage_body(const struct world *w, const char *kind, int from_days,
				 const char *ends_on)
{
	char body[512], ends[48] = "";
	if (ends_on)
		snprintf(ends, sizeof ends, ",\"ends_on\":\"%s\"", ends_on);
	snprintf(body, sizeof body,
		 "{\"payer\":\"State Medicaid\",\"kind\":\"%s\",\"member_id\":\"M123456789\","
		 "\"effective_on\":\"%s\"%s}",
		 kind, day_of(w, from_days), ends);
	return arena_text(strdup(body));
}

static const char *made(const struct world *w, const char *body)
{
	return arena_text(coverage_create(w->participant, w->supervisor.token, body));
}

Test(coverages, created_read_and_listed_as_written)
{
	struct world w;
	world_build(&w, (struct world_options){.referral = true});
	char body[512];
	snprintf(body, sizeof body,
		 "{\"payer\":\"Acme Health Plan\",\"kind\":\"commercial\",\"member_id\":\"XK-42\","
		 "\"effective_on\":\"%s\",\"ends_on\":\"%s\",\"eligibility_verified_on\":\"%s\","
		 "\"priority\":2}",
		 day_of(&w, -30), day_of(&w, 300), day_of(&w, 0));
	struct http_response *created = coverage_post(w.participant, w.supervisor.token, body);
	expect(created, 201, "a coverage");
	const char *id = member(created, "id");
	char *location = http_header(created, "Location");
	cr_expect(location && strstr(location, id), "Location: %s", location);
	free(location);
	cr_expect_str_eq(member(created, "participant_id"), w.participant);
	cr_expect_str_eq(member(created, "payer"), "Acme Health Plan");
	cr_expect_str_eq(member(created, "kind"), "commercial");
	cr_expect_str_eq(member(created, "member_id"), "XK-42");
	cr_expect_str_eq(member(created, "eligibility_verified_on"), day_of(&w, 0));
	cr_expect_str_eq(member(created, "status"), "active");
	cr_expect_eq(json_integer_value(json_object_get(created->json, "priority")), 2);
	cr_expect_eq(json_integer_value(json_object_get(created->json, "version")), 1);
	struct http_response *read = http_get(coverage_path(id), w.supervisor.token);
	expect(read, 200, "reading it");
	assert_read_back(read, created, "\"1\"");
	/* A grant names no member; priority defaults to 1 (primary). */
	char grant[256];
	snprintf(grant, sizeof grant,
		 "{\"payer\":\"County grant\",\"kind\":\"grant\",\"effective_on\":\"%s\"}",
		 day_of(&w, 10));
	struct http_response *granted = coverage_post(w.participant, w.admin.token, grant);
	expect(granted, 201, "a grant, by an admin");
	cr_expect(json_is_null(json_object_get(granted->json, "member_id")));
	cr_expect_eq(json_integer_value(json_object_get(granted->json, "priority")), 1);
	cr_expect_str_eq(member(granted, "status"), "future");
	char listed[256];
	list_ids(coverages_of(w.participant, ""), w.supervisor.token, listed, sizeof listed);
	char expected[256];
	snprintf(expected, sizeof expected, "%s %s", member(granted, "id"), id);
	cr_expect_str_eq(listed, expected, "newest first");
	cr_expect(audit_events_by(w.supervisor.subject, id, "create") == 1);
	cr_expect(audit_events_by(w.supervisor.subject, id, "read") >= 2, "read and listed");
}

Test(coverages, each_broken_rule_is_named_at_once)
{
	struct world w;
	world_build(&w, (struct world_options){.referral = true});
	char body[512];
	snprintf(body, sizeof body,
		 "{\"payer\":\"\",\"kind\":\"medicaid\",\"effective_on\":\"%s\",\"ends_on\":\"%s\","
		 "\"eligibility_verified_on\":\"%s\",\"priority\":10,\"status\":\"active\"}",
		 day_of(&w, 0), day_of(&w, -1), day_of(&w, 1));
	const char *fields[] = {"payer",    "member_id", "ends_on", "eligibility_verified_on",
				"priority", "status"};
	assert_post_names_fields(coverages_of(w.participant, ""), w.supervisor.token, body, fields,
				 sizeof fields / sizeof *fields);
	/* A member id given as null is no member id. */
	const char *null_member[] = {"payer", "member_id"};
	assert_post_names_fields(coverages_of(w.participant, ""), w.supervisor.token,
				 "{\"payer\":\"\",\"kind\":\"medicaid\",\"member_id\":null,"
				 "\"effective_on\":\"2026-01-01\"}",
				 null_member, 2);
	const char *unknown_kind[] = {"kind", "effective_on"};
	assert_post_names_fields(coverages_of(w.participant, ""), w.supervisor.token,
				 "{\"payer\":\"X\",\"kind\":\"bartering\",\"member_id\":\"1\"}",
				 unknown_kind, 2);
	char listed[64];
	list_ids(coverages_of(w.participant, ""), w.supervisor.token, listed, sizeof listed);
	cr_expect_str_eq(listed, "", "nothing was made");
}

Test(coverages, status_and_the_list_filters)
{
	struct world w;
	world_build(&w, (struct world_options){.referral = true});
	const char *ended = made(&w, coverage_body(&w, "medicaid", -100, day_of(&w, -1)));
	const char *active = made(&w, coverage_body(&w, "commercial", -10, NULL));
	const char *future = made(&w, coverage_body(&w, "medicaid", 5, day_of(&w, 50)));
	cr_expect_str_eq(member(http_get(coverage_path(ended), w.supervisor.token), "status"),
			 "ended");
	cr_expect_str_eq(member(http_get(coverage_path(active), w.supervisor.token), "status"),
			 "active");
	char listed[256], expected[256], query[64];
	list_ids(coverages_of(w.participant, "?kind=medicaid"), w.supervisor.token, listed,
		 sizeof listed);
	snprintf(expected, sizeof expected, "%s %s", future, ended);
	cr_expect_str_eq(listed, expected, "kind=medicaid");
	snprintf(query, sizeof query, "?active_on=%s", day_of(&w, 0));
	list_ids(coverages_of(w.participant, query), w.supervisor.token, listed, sizeof listed);
	cr_expect_str_eq(listed, active, "in force today");
	snprintf(query, sizeof query, "?active_on=%s", day_of(&w, 5));
	list_ids(coverages_of(w.participant, query), w.supervisor.token, listed, sizeof listed);
	snprintf(expected, sizeof expected, "%s %s", future, active);
	cr_expect_str_eq(listed, expected, "in force in five days");
	struct http_response *page =
		http_get(coverages_of(w.participant, "?limit=1"), w.supervisor.token);
	expect(page, 200, "a page of one");
	cr_expect_eq(json_array_size(json_object_get(page->json, "items")), 1);
	cr_expect(json_is_string(json_object_get(page->json, "next_cursor")));
	cr_expect_eq(http_get(coverages_of(w.participant, "?active_on=soon"), w.supervisor.token)
			     ->status,
		     400);
}

Test(coverages, changed_with_if_match_never_deleted)
{
	struct world w;
	world_build(&w, (struct world_options){.referral = true});
	const char *id = made(&w, coverage_body(&w, "medicaid", -10, NULL));
	const char *path = coverage_path(id);
	struct http_response *stale =
		http_patch(path, w.supervisor.token, "{\"ends_on\":null}", "\"2\"");
	expect(stale, 412, "a stale If-Match");
	struct http_response *ended =
		http_patch_as_read(path, w.supervisor.token, "{\"ends_on\":\"2099-12-31\"}");
	expect(ended, 200, "ending it");
	cr_expect_str_eq(member(ended, "ends_on"), "2099-12-31");
	cr_expect_eq(json_integer_value(json_object_get(ended->json, "version")), 2);
	/* A PATCH restating what is stored changes nothing (the default priority too). */
	struct http_response *same = http_patch(path, w.supervisor.token, "{\"priority\":1}", NULL);
	expect(same, 200, "restating");
	cr_expect_eq(json_integer_value(json_object_get(same->json, "version")), 2);
	/* A Medicaid coverage keeps its member; a grant may drop it. */
	assert_error_names(http_patch(path, w.supervisor.token, "{\"member_id\":null}", NULL),
			   "member_id");
	struct http_response *grant = http_patch(path, w.supervisor.token,
						 "{\"member_id\":null,\"kind\":\"grant\"}", NULL);
	expect(grant, 200, "a grant without a member");
	assert_error_names(
		http_patch(path, w.supervisor.token, "{\"effective_on\":\"2100-01-01\"}", NULL),
		"ends_on");
	assert_error_names(http_patch(path, w.supervisor.token, "{\"id\":\"x\"}", NULL), "id");
	const char *methods[] = {"DELETE", "PUT"};
	for (size_t i = 0; i < 2; i++) {
		struct http_response *refused = http_send(&(struct http_request){
			.method = methods[i], .path = path, .token = w.supervisor.token});
		cr_expect_eq(refused->status, 405, "%s: %s", methods[i], refused->body);
		char *allow = http_header(refused, "Allow");
		cr_expect(allow && strstr(allow, "PATCH") && strstr(allow, "GET"), "Allow: %s",
			  allow);
		free(allow);
	}
	cr_expect(audit_events_by(w.supervisor.subject, id, "update") >= 2);
}

Test(coverages, only_supervisors_and_admins_of_its_organization)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true,
					       .specialist = true,
					       .certified = true,
					       .referral = true});
	const char *body = coverage_body(&w, "medicaid", -10, NULL);
	const char *id = made(&w, body);
	struct refused_call calls[COLLECTION_CALLS];
	collection_calls(calls, coverages_of(w.participant, ""), body, coverage_path(id),
			 "{\"payer\":\"Other\"}");
	assert_role_refused("specialist", w.provider, calls, COLLECTION_CALLS);
	assert_role_refused("reporter", w.provider, calls, COLLECTION_CALLS);
	assert_role_refused("partner", w.partner_organization, calls, COLLECTION_CALLS);
	cr_expect_eq(http_get(coverage_path(id), w.specialist.token)->status, 403,
		     "even the assigned specialist");
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){0});
	const char *stranger = elsewhere.supervisor.token;
	cr_expect_eq(http_get(coverage_path(id), stranger)->status, 404);
	cr_expect_eq(http_patch(coverage_path(id), stranger, "{\"payer\":\"Other\"}", NULL)->status,
		     404);
	cr_expect_eq(http_get(coverages_of(w.participant, ""), stranger)->status, 404);
	cr_expect_eq(http_post(coverages_of(w.participant, ""), stranger, body)->status, 404);
	cr_expect_str_eq(member(http_get(coverage_path(id), w.supervisor.token), "payer"),
			 "State Medicaid", "unchanged");
}
