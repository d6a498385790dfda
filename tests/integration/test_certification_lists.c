/* Listing and finding certifications (API.md, Certifications): the expiring list, what a
 * specialist lists, the list's parameters, and 404 for what a caller may not see. */
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

TestSuite(certification_lists, .init = arena_open, .fini = arena_close);

Test(certification_lists, expiring_within_days_lists_the_organization_soonest_first)
{
	struct world team, other;
	world_build(&team, (struct world_options){.specialist = true});
	world_build(&other, (struct world_options){.specialist = true});
	char *colleague = colleague_of(&team);
	const char *issued = day_in("-1 year");
	const char *past = day_in("-5 days");
	const char *today = day_in("0 days");
	const char *in10 = day_in("10 days");
	const char *in100 = day_in("100 days");
	const char *in5 = day_in("5 days");
	char *expires_in100 = create_certification(team.specialist.id, "active", issued, in100);
	char *expired = create_certification(team.specialist.id, "active", issued, past);
	char *expires_in10 = create_certification(colleague, "pending", issued, in10);
	char *expires_today = create_certification(team.specialist.id, "active", issued, today);
	char *elsewhere = create_certification(other.specialist.id, "active", issued, in5);

	char ids[1024], expected[1024];
	list_ids("/v1/certifications?expiring_within_days=30", team.supervisor.token, ids,
		 sizeof ids);
	const char *within30[] = {expires_today, expires_in10};
	join_ids(within30, 2, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "within 30 days");

	list_ids("/v1/certifications?expiring_within_days=100", team.supervisor.token, ids,
		 sizeof ids);
	const char *within100[] = {expires_today, expires_in10, expires_in100};
	join_ids(within100, 3, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "within 100 days");

	/* One a page, the cursor walks the same order. */
	list_ids("/v1/certifications?expiring_within_days=100&limit=1", team.supervisor.token, ids,
		 sizeof ids);
	cr_assert_str_eq(ids, expected, "within 100 days, one a page");

	list_ids("/v1/certifications?expiring_within_days=0", team.supervisor.token, ids,
		 sizeof ids);
	cr_assert_str_eq(ids, expires_today, "within 0 days");

	/* Without the filter: every one of the organization's, soonest first. */
	list_ids("/v1/certifications?limit=200", team.supervisor.token, ids, sizeof ids);
	const char *all[] = {expired, expires_today, expires_in10, expires_in100};
	join_ids(all, 4, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "the organization's certifications");

	/* The other organization sees only its own. */
	list_ids("/v1/certifications?expiring_within_days=100", other.supervisor.token, ids,
		 sizeof ids);
	cr_assert_str_eq(ids, elsewhere);

	/* An admin narrows to one organization. */
	char path[256];
	snprintf(path, sizeof path,
		 "/v1/certifications?expiring_within_days=100&organization_id=%s", team.provider);
	char *admin = admin_token();
	list_ids(path, admin, ids, sizeof ids);
	join_ids(within100, 3, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "an admin's view of one organization");
	free(admin);

	free(elsewhere);
	free(expires_today);
	free(expires_in10);
	free(expired);
	free(expires_in100);
	free(colleague);
}

Test(certification_lists, specialist_lists_only_own_certifications)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *colleague = colleague_of(&team);
	const char *issued = day_in("-1 year");
	const char *in20 = day_in("20 days");
	const char *in10 = day_in("10 days");
	char *own = create_certification(team.specialist.id, "active", issued, in20);
	char *theirs = create_certification(colleague, "active", issued, in10);
	char ids[512];
	list_ids("/v1/certifications?expiring_within_days=30", team.specialist.token, ids,
		 sizeof ids);
	cr_assert_str_eq(ids, own);
	list_ids("/v1/certifications?limit=10", team.specialist.token, ids, sizeof ids);
	cr_assert_str_eq(ids, own);
	char path[160];
	snprintf(path, sizeof path, "/v1/certifications?specialist_id=%s", colleague);
	list_ids(path, team.specialist.token, ids, sizeof ids);
	cr_assert_str_eq(ids, "", "a colleague's certifications through the filter");
	struct http_response *read = get_certification(theirs, team.specialist.token);
	cr_assert_eq(read->status, 404, "%s", read->body);
	free(theirs);
	free(own);
	free(colleague);
}

Test(certification_lists, bad_list_parameters_are_400)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *paths[] = {
		"/v1/certifications?expiring_within_days=-1",
		"/v1/certifications?expiring_within_days=abc",
		"/v1/certifications?expiring_within_days=3651",
		"/v1/certifications?expiring_within_days=1.5",
		"/v1/certifications?expiring_within_days=",
		"/v1/certifications?expiring_in_days=30",
		"/v1/certifications?status=expired",
		"/v1/certifications?limit=0",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_response *response = http_get(paths[i], team.supervisor.token);
		cr_expect_eq(response->status, 400, "%s: %s", paths[i], response->body);
		char *type = http_header(response, "Content-Type");
		cr_expect(type && strcmp(type, "application/problem+json") == 0, "%s", paths[i]);
		free(type);
	}
	struct http_response *widest =
		http_get("/v1/certifications?expiring_within_days=3650", team.supervisor.token);
	cr_assert_eq(widest->status, 200, "%s", widest->body);
}

/* Another organization's certification is never revealed */

Test(certification_lists, another_organizations_certification_is_not_found)
{
	struct world team, other;
	world_build(&team, (struct world_options){.specialist = true});
	world_build(&other, (struct world_options){.specialist = true});
	const char *today = day_in("0 days");
	char *id = current_certification(team.specialist.token, team.specialist.id);
	struct http_response *ceu = post_ceu(id, team.specialist.token, today, 2, "ethics");
	cr_assert_eq(ceu->status, 201, "%s", ceu->body);

	char *tokens[] = {other.supervisor.token, other.specialist.token};
	for (size_t t = 0; t < 2; t++) {
		const char *token = tokens[t];
		char path[192];
		struct http_response *read = get_certification(id, token);
		cr_expect_eq(read->status, 404, "GET: %s", read->body);

		struct http_response *patched =
			patch_certification(id, token, "{\"number\":\"taken-over\"}", NULL);
		cr_expect_eq(patched->status, 404, "PATCH: %s", patched->body);

		/* It cannot read the certification: it guesses the first version. */
		snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
		struct http_response *verified = http_post_if_match(path, token, NULL, "\"1\"");
		cr_expect_eq(verified->status, t == 0 ? 404 : 403, "verify: %s", verified->body);

		snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
		struct http_response *list = http_get(path, token);
		cr_expect_eq(list->status, 404, "GET ceus: %s", list->body);

		struct http_response *added = post_ceu(id, token, today, 1, "other");
		cr_expect_eq(added->status, 404, "POST ceus: %s", added->body);

		snprintf(path, sizeof path, "/v1/certifications/%s/ceus/%s", id, member(ceu, "id"));
		struct http_response *entry = http_get(path, token);
		cr_expect_eq(entry->status, 404, "GET a ceu: %s", entry->body);
	}

	/* None of it took effect. */
	struct http_response *read = get_certification(id, team.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_eq(version_of(read), 1, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), "pending");
	cr_assert_float_eq(number_at(json_object_get(read->json, "renewal"), "hours_total"), 2,
			   1e-9, "%s", read->body);
	free(id);
}

Test(certification_lists, unknown_and_malformed_ids_are_404)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.supervisor.token, team.specialist.id);
	const char *unknown = "00000000-0000-4000-8000-000000000000";
	json_t *certification = current_certification_body();
	char *valid = json_dumps(certification, JSON_COMPACT);
	json_decref(certification);
	struct {
		const char *method;
		char path[192];
		const char *body;
	} requests[] = {
		{"GET", "", NULL},  {"PATCH", "", "{\"number\":\"x\"}"},
		{"POST", "", NULL}, {"GET", "", NULL},
		{"GET", "", NULL},  {"GET", "", NULL},
		{"GET", "", NULL},  {"POST", "", valid},
	};
	snprintf(requests[0].path, sizeof requests[0].path, "/v1/certifications/%s", unknown);
	snprintf(requests[1].path, sizeof requests[1].path, "/v1/certifications/%s", unknown);
	snprintf(requests[2].path, sizeof requests[2].path, "/v1/certifications/%s/verify",
		 unknown);
	snprintf(requests[3].path, sizeof requests[3].path, "/v1/certifications/%s/ceus", unknown);
	snprintf(requests[4].path, sizeof requests[4].path, "/v1/certifications/%s/ceus/%s", id,
		 unknown);
	snprintf(requests[5].path, sizeof requests[5].path, "/v1/certifications/not-a-uuid");
	snprintf(requests[6].path, sizeof requests[6].path, "/v1/certifications/%s/ceus/not-a-uuid",
		 id);
	snprintf(requests[7].path, sizeof requests[7].path, "/v1/specialists/%s/certifications",
		 unknown);
	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
		struct http_response *response = http_send(&(struct http_request){
			.method = requests[i].method,
			.path = requests[i].path,
			.token = team.supervisor.token,
			.content_type = requests[i].body ? "application/json" : NULL,
			.body = requests[i].body});
		cr_expect_eq(response->status, 404, "%s %s: %s", requests[i].method,
			     requests[i].path, response->body);
	}
	free(valid);
	free(id);
}
