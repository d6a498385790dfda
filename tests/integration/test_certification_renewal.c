/* Continuing education and renewal readiness (API.md, Certifications): what a CEU must be
 * and how hours count against the requirement. */
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

TestSuite(certification_renewal, .init = arena_open, .fini = arena_close);

Test(certification_renewal, specialist_records_continuing_education)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	const char *today = day_in("0 days");
	const char *last_month = day_in("-1 month");

	struct http_response *created = post_ceu(id, team.specialist.token, today, 1.5, "ethics");
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "certification_id"), id);
	cr_assert_str_eq(member(created, "completed_on"), today);
	cr_assert_str_eq(member(created, "category"), "ethics");
	cr_assert_str_eq(member(created, "title"), "Trauma-informed care");
	cr_assert_str_eq(member(created, "provider"), "Oregon Peer Network");
	cr_assert_float_eq(number_at(created->json, "hours"), 1.5, 1e-9);
	char *location = http_header(created, "Location");
	char expected_location[192];
	snprintf(expected_location, sizeof expected_location, "/v1/certifications/%s/ceus/%s", id,
		 member(created, "id"));
	cr_assert_str_eq(location, expected_location);
	struct http_response *read = http_get(location, team.specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, created->json), "GET returns what POST returned:\n%s\n%s",
		  created->body, read->body);
	struct http_response *by_supervisor = http_get(location, team.supervisor.token);
	cr_assert_eq(by_supervisor->status, 200, "%s", by_supervisor->body);

	struct http_response *second =
		post_ceu(id, team.supervisor.token, last_month, 3, "peer_specific");
	cr_assert_eq(second->status, 201, "%s", second->body);
	char path[160];
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
	struct http_response *list = http_get(path, team.specialist.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	json_t *items = json_object_get(list->json, "items");
	cr_assert_eq(json_array_size(items), 2, "%s", list->body);
	bool found = false;
	size_t index;
	json_t *item;
	json_array_foreach (items, index, item)
		found |= json_equal(item, created->json);
	cr_assert(found, "the list holds the entry as created: %s", list->body);

	/* An entry is found only under its own certification. */
	char *other = current_certification(team.specialist.token, team.specialist.id);
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus/%s", other, member(created, "id"));
	struct http_response *wrong_parent = http_get(path, team.specialist.token);
	cr_assert_eq(wrong_parent->status, 404, "%s", wrong_parent->body);

	free(other);
	free(location);
	free(id);
}

Test(certification_renewal, continuing_education_rules)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	const char *tomorrow = day_in("1 day");
	const char *today = day_in("0 days");
	const char *completed_on[] = {"completed_on"};
	const char *hours[] = {"hours"};

	struct http_response *response = post_ceu(id, team.specialist.token, tomorrow, 2, "other");
	assert_fields_named(response, completed_on, 1);

	response = post_ceu(id, team.specialist.token, today, 0, "other");
	assert_fields_named(response, hours, 1);

	response = post_ceu(id, team.specialist.token, today, 1.125, "other");
	assert_fields_named(response, hours, 1);

	char path[160];
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
	response = http_send(&(struct http_request){
		.method = "POST",
		.path = path,
		.token = team.specialist.token,
		.content_type = "application/json",
		.body = "{\"completed_on\":\"2025-02-29\",\"hours\":-2,\"category\":\"yoga\","
			"\"title\":\"\",\"id\":\"x\",\"color\":\"blue\"}"});
	const char *all[] = {"completed_on", "hours", "category", "title", "id", "color"};
	assert_fields_named(response, all, sizeof all / sizeof all[0]);

	struct http_response *list = http_get(path, team.specialist.token);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	free(id);
}

/* A certification body whose requirement is 20 hours, 6 of them ethics and 4 peer
 * specific. The caller owns it. */
static json_t *body_requiring_twenty_hours(const char *issued_on, const char *expires_on)
{
	json_t *body = certification_body(issued_on, expires_on);
	json_object_set_new(body, "ceu_requirement",
			    json_pack("{s:i, s:i, s:i}", "total_hours", 20, "ethics_hours", 6,
				      "peer_specific_hours", 4));
	return body;
}

/* Records a CEU and asserts the renewal after it. */
static void add_ceu_then_expect(const char *id, const char *token, const char *completed_on,
				double hours, const char *category,
				const struct expected_renewal *expected)
{
	add_ceu(id, token, completed_on, hours, category);
	assert_renewal(id, token, expected);
}

Test(certification_renewal, renewal_counts_hours_against_the_requirement)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	/* Issued three years ago, expiring in a year: the cycle began two years before the
	 * expiry, a year ago. */
	char cycle_start[16];
	const char *issued = day_in("-3 years");
	const char *expires = day_in("1 year");
	day_from(expires, "-2 years", cycle_start, sizeof cycle_start);
	json_t *body = body_requiring_twenty_hours(issued, expires);
	struct http_response *created =
		post_certification(team.supervisor.token, team.specialist.id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	json_t *requirement = json_object_get(created->json, "ceu_requirement");
	cr_assert_float_eq(number_at(requirement, "total_hours"), 20, 1e-9);
	cr_assert_float_eq(number_at(requirement, "ethics_hours"), 6, 1e-9);
	cr_assert_float_eq(number_at(requirement, "peer_specific_hours"), 4, 1e-9);
	const char *id = member(created, "id");

	struct expected_renewal expected = {.cycle_start = cycle_start, .missing = 20};
	assert_renewal(id, team.specialist.token, &expected);

	const char *one_month = day_in("-1 month");
	const char *two_months = day_in("-2 months");
	const char *three_months = day_in("-3 months");
	const char *before_cycle = day_in("-18 months");
	const char *today = day_in("0 days");
	add_ceu(id, team.specialist.token, three_months, 8, "other");
	add_ceu(id, team.specialist.token, two_months, 5, "peer_specific");
	add_ceu(id, team.specialist.token, one_month, 3, "ethics");
	/* After the issue day but before the cycle: not counted. */
	add_ceu(id, team.specialist.token, before_cycle, 10, "peer_specific");
	/* 16 of 20 done, 3 ethics hours short: 4 missing. */
	expected = (struct expected_renewal){.cycle_start = cycle_start,
					     .peer_specific = 5,
					     .ethics = 3,
					     .other = 8,
					     .total = 16,
					     .missing = 4};
	assert_renewal(id, team.specialist.token, &expected);

	/* 26 hours, but still 3 ethics hours short. */
	expected.other = 18;
	expected.total = 26;
	expected.missing = 3;
	add_ceu_then_expect(id, team.specialist.token, today, 10, "other", &expected);

	/* Exactly the ethics hours required, completed on the cycle's first day (read by the
	 * supervisor). */
	add_ceu(id, team.specialist.token, cycle_start, 3, "ethics");
	assert_renewal(id, team.supervisor.token,
		       &(struct expected_renewal){.cycle_start = cycle_start,
						  .peer_specific = 5,
						  .ethics = 6,
						  .other = 18,
						  .total = 29,
						  .ready = true});

	json_decref(body);
}

Test(certification_renewal, renewal_ready_at_exactly_the_total)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *issued = day_in("-1 year");
	const char *expires = day_in("1 year");
	const char *today = day_in("0 days");
	char *id = create_with(team.specialist.token, team.specialist.id,
			       certification_body(issued, expires));
	/* The supervisor sets the state's rule later; the category minimums default to 0. */
	struct http_response *patched = patch_certification(
		id, team.supervisor.token, "{\"ceu_requirement\":{\"total_hours\":10}}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	json_t *requirement = json_object_get(patched->json, "ceu_requirement");
	cr_assert_float_eq(number_at(requirement, "total_hours"), 10, 1e-9, "%s", patched->body);
	cr_assert_float_eq(number_at(requirement, "ethics_hours"), 0, 1e-9, "%s", patched->body);
	cr_assert_float_eq(number_at(requirement, "peer_specific_hours"), 0, 1e-9, "%s",
			   patched->body);

	add_ceu(id, team.specialist.token, today, 4.5, "suicide_prevention");
	add_ceu(id, team.specialist.token, today, 5.25, "other");
	struct expected_renewal expected = {.cycle_start = issued,
					    .suicide_prevention = 4.5,
					    .other = 5.25,
					    .total = 9.75,
					    .missing = 0.25};
	assert_renewal(id, team.specialist.token, &expected);
	expected.other = 5.5;
	expected.total = 10;
	expected.missing = 0;
	expected.ready = true;
	add_ceu_then_expect(id, team.specialist.token, today, 0.25, "other", &expected);
	free(id);
}

Test(certification_renewal, renewal_cycle_starts_on_a_later_issue_day)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *issued = day_in("-6 months");
	const char *expires = day_in("1 year");
	const char *before_issue = day_in("-9 months");
	json_t *body = body_requiring_twenty_hours(issued, expires);
	char *id = create_with(team.supervisor.token, team.specialist.id, body);
	add_ceu(id, team.specialist.token, before_issue, 12, "ethics");
	add_ceu(id, team.specialist.token, issued, 2, "peer_specific");
	/* 2 of 20: total short by 18; categories by 6 + 2. */
	struct expected_renewal expected = {
		.cycle_start = issued, .peer_specific = 2, .total = 2, .missing = 18};
	assert_renewal(id, team.specialist.token, &expected);
	free(id);
}

Test(certification_renewal, renewal_without_requirement_is_ready)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char cycle_start[16];
	const char *issued = day_in("-3 years");
	const char *expires = day_in("6 months");
	const char *today = day_in("0 days");
	day_from(expires, "-2 years", cycle_start, sizeof cycle_start);
	char *id = create_with(team.supervisor.token, team.specialist.id,
			       certification_body(issued, expires));
	struct http_response *read = get_certification(id, team.specialist.token);
	cr_assert(json_is_null(json_object_get(read->json, "ceu_requirement")), "%s", read->body);
	struct expected_renewal expected = {.cycle_start = cycle_start, .ready = true};
	assert_renewal(id, team.specialist.token, &expected);
	expected.ethics = 2;
	expected.total = 2;
	add_ceu_then_expect(id, team.specialist.token, today, 2, "ethics", &expected);
	free(id);
}
