/* The authorization matrix (OWASP API1, API5): every route of the route table, called
 * with every role, against the table of who may call what kept here, apart from the
 * route table, so that a change of roles in api/routes.c must be made twice on purpose.
 * A route missing from this table fails the test, so a new route cannot skip it. Then
 * every route that names a resource, called by each admitted role of another
 * organization with that resource's id, must answer 404 (never 403, never the data). */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "fixtures.h"
#include "hostile_sweep.h"
#include "http.h"
#include "routes.h"

#define A ROLE_ADMIN
#define S ROLE_SUPERVISOR
#define P ROLE_SPECIALIST
#define R ROLE_REPORTER
#define T ROLE_PARTNER

/* Who may call what: each route, as "METHOD path", under the exact set of roles it
 * admits. */
static const struct admitted {
	unsigned roles;
	const char *routes;
} ADMITTED[] = {
	{A | S | P | T | R, "GET /v1/organizations "
			    "GET /v1/organizations/{id} "},
	{A, "POST /v1/organizations "
	    "GET /v1/audit-events/verify "},
	{A | S, "PATCH /v1/organizations/{id} "
		"GET /v1/specialists "
		"POST /v1/specialists "
		"POST /v1/certifications/{id}/verify "
		"POST /v1/participants "
		"PATCH /v1/participants/{id} "
		"POST /v1/referrals/{id}/assignment "
		"GET /v1/referrals/{id}/matches "
		"POST /v1/session-notes/{id}/cosign "
		"GET /v1/audit-events "
		"GET /v1/participants/{id}/coverages "
		"POST /v1/participants/{id}/coverages "
		"GET /v1/coverages/{id} "
		"PATCH /v1/coverages/{id} "
		"GET /v1/participants/{id}/authorizations "
		"POST /v1/participants/{id}/authorizations "
		"GET /v1/authorizations/{id} "
		"PATCH /v1/authorizations/{id} "},
	{P, "GET /v1/specialists/me "
	    "PATCH /v1/specialists/me "},
	{A | S | P, "GET /v1/specialists/{id} "
		    "PATCH /v1/specialists/{id} "
		    "GET /v1/specialists/{id}/certifications "
		    "POST /v1/specialists/{id}/certifications "
		    "GET /v1/certifications "
		    "GET /v1/certifications/{id} "
		    "PATCH /v1/certifications/{id} "
		    "GET /v1/certifications/{id}/ceus "
		    "POST /v1/certifications/{id}/ceus "
		    "GET /v1/certifications/{id}/ceus/{ceu_id} "
		    "GET /v1/participants "
		    "GET /v1/participants/{id} "
		    "GET /v1/participants/{id}/goals "
		    "POST /v1/participants/{id}/goals "
		    "GET /v1/goals/{id} "
		    "PATCH /v1/goals/{id} "
		    "GET /v1/goals/{id}/progress "
		    "POST /v1/goals/{id}/progress "
		    "GET /v1/goals/{id}/progress/{progress_id} "
		    "GET /v1/session-notes "
		    "POST /v1/session-notes "
		    "GET /v1/session-notes/{id} "
		    "PATCH /v1/session-notes/{id} "
		    "POST /v1/session-notes/{id}/addenda "
		    "GET /v1/group-sessions "
		    "POST /v1/group-sessions "
		    "GET /v1/group-sessions/{id} "
		    "PATCH /v1/group-sessions/{id} "
		    "PUT /v1/group-sessions/{id}/attendance "
		    "POST /v1/group-sessions/{id}/cancel "
		    "GET /v1/participants/{id}/consents "
		    "POST /v1/participants/{id}/consents "
		    "GET /v1/consents/{id} "
		    "POST /v1/consents/{id}/revoke "
		    "GET /v1/participants/{id}/plans "
		    "POST /v1/participants/{id}/plans "
		    "GET /v1/plans "
		    "GET /v1/plans/{id} "
		    "PATCH /v1/plans/{id} "
		    "POST /v1/plans/{id}/sign "
		    "GET /v1/participants/{id}/episodes "
		    "POST /v1/participants/{id}/episodes "
		    "GET /v1/episodes "
		    "GET /v1/episodes/{id} "
		    "PATCH /v1/episodes/{id} "
		    "GET /v1/episodes/{id}/assessments "
		    "POST /v1/episodes/{id}/assessments "
		    "GET /v1/assessments/{id} "
		    "POST /v1/assessments/{id}/void "},
	{A | S | P | T, "GET /v1/referrals "
			"GET /v1/referrals/{id} "
			"GET /v1/referrals/{id}/history "},
	{A | S | T, "POST /v1/referrals "
		    "POST /v1/referrals/{id}/transitions "},
	{A | P, "POST /v1/session-notes/{id}/sign "
		"POST /v1/group-sessions/{id}/sign "},
	{A | S | R, "GET /v1/reports/summary "
		    "GET /v1/reports/follow-up "
		    "GET /v1/reports/caseloads "
		    "GET /v1/reports/certifications "
		    "GET /v1/exports/session-notes "},
	/* Webhooks: a partner's own, or a provider's supervisor's. */
	{A | S | T, "GET /v1/subscriptions "
		    "POST /v1/subscriptions "
		    "GET /v1/subscriptions/{id} "
		    "PATCH /v1/subscriptions/{id} "
		    "DELETE /v1/subscriptions/{id} "
		    "GET /v1/subscriptions/{id}/deliveries "},
	/* Claim lines name people: no reporter. */
	{A | S, "GET /v1/exports/claim-lines "},
};

struct expected_route {
	char method[8], path[96];
	unsigned roles;
};

static struct expected_route EXPECTED[128];
static size_t EXPECTED_COUNT;

/* EXPECTED, one row per route, read from ADMITTED. */
static void read_matrix(void)
{
	EXPECTED_COUNT = 0;
	for (size_t g = 0; g < sizeof ADMITTED / sizeof ADMITTED[0]; g++) {
		int used = 0;
		for (const char *p = ADMITTED[g].routes; *p; p += used) {
			cr_assert_lt(EXPECTED_COUNT, sizeof EXPECTED / sizeof EXPECTED[0]);
			struct expected_route *row = &EXPECTED[EXPECTED_COUNT++];
			cr_assert_eq(sscanf(p, " %7s %95s %n", row->method, row->path, &used), 2);
			row->roles = ADMITTED[g].roles;
		}
	}
}

static const struct expected_route *expected_for(const struct route *route)
{
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		if (strcmp(EXPECTED[i].method, route->method) == 0 &&
		    strcmp(EXPECTED[i].path, route->path) == 0)
			return &EXPECTED[i];
	}
	return NULL;
}

static void matrix_open(void)
{
	arena_open();
	read_matrix();
}

TestSuite(authorization_matrix, .init = matrix_open, .fini = arena_close);

Test(authorization_matrix, every_route_is_in_the_table_with_the_same_roles)
{
	size_t protected_routes = 0;
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		if (!route->roles)
			continue;
		protected_routes++;
		const struct expected_route *expected = expected_for(route);
		cr_assert(expected,
			  "%s %s is not in the authorization matrix: add it with the "
			  "roles it admits",
			  route->method, route->path);
		cr_assert_eq(route->roles, expected->roles,
			     "%s %s admits other roles than the "
			     "matrix says",
			     route->method, route->path);
	}
	cr_assert_eq(protected_routes, EXPECTED_COUNT,
		     "the matrix lists a route the route table does not have");
}

static const enum role ROLES[] = {ROLE_ADMIN, ROLE_SUPERVISOR, ROLE_SPECIALIST, ROLE_PARTNER,
				  ROLE_REPORTER};

/* path with every {name} replaced by id. */
static void fill_path(const char *pattern, const char *id, char *out, size_t size)
{
	size_t used = 0;
	for (const char *p = pattern; *p && used + 1 < size;) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			used += (size_t)snprintf(out + used, size - used, "%s", id);
			p = end ? end + 1 : p + strlen(p);
		} else {
			out[used++] = *p++;
		}
	}
	out[used < size ? used : size - 1] = '\0';
}

static struct http_response *call(const struct route *route, const char *path, const char *token)
{
	bool patch = strcmp(route->method, "PATCH") == 0;
	bool body = route->body != ROUTE_BODY_NONE;
	return http_send(&(struct http_request){
		.method = route->method,
		.path = path,
		.token = token,
		.content_type =
			body ? (patch ? "application/merge-patch+json" : "application/json") : NULL,
		.body = body ? "{}" : NULL,
	});
}

Test(authorization_matrix, each_role_is_admitted_or_refused_as_the_table_says)
{
	char *provider = arena_text(create_organization("provider"));
	char *partner = arena_text(create_organization("partner"));
	const char *unknown = "6f0e3c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5b";
	for (size_t r = 0; r < sizeof ROLES / sizeof ROLES[0]; r++) {
		enum role role = ROLES[r];
		const char *org = role == ROLE_ADMIN	 ? NULL
				  : role == ROLE_PARTNER ? partner
							 : provider;
		char *token = arena_text(token_for_known(role_name(role), org));
		for (size_t i = 0; i < EXPECTED_COUNT; i++) {
			const struct expected_route *expected = &EXPECTED[i];
			const struct route *route = route_named(expected->method, expected->path);
			char path[256];
			fill_path(route->path, unknown, path, sizeof path);
			struct http_response *response = call(route, path, token);
			bool admitted = (expected->roles & (unsigned)role) != 0;
			if (admitted)
				cr_assert(response->status != 401 && response->status != 403 &&
						  response->status < 500,
					  "%s %s as %s: %ld %s", route->method, path,
					  role_name(role), response->status, response->body);
			else
				cr_assert_eq(response->status, 403, "%s %s as %s: %ld %s",
					     route->method, path, role_name(role), response->status,
					     response->body);
		}
	}
}

/* Every route a specialist may call goes through the guard (sql/019): a token whose sub
 * has no profile in its org gets 403 saying so, before anything is read. A body the
 * handler refuses first (the empty object sent here) may get its 422 instead. Ids are the
 * token's own organization's, which no route turns away before it reads. */
Test(authorization_matrix, a_specialist_token_without_a_profile_is_refused_everywhere)
{
	char *provider = arena_text(create_organization("provider"));
	char *token = arena_text(token_for("specialist", provider));
	size_t refused = 0;
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *route = &api_routes[i];
		if (!(route->roles & ROLE_SPECIALIST))
			continue;
		char path[256];
		fill_path(route->path, provider, path, sizeof path);
		struct http_response *response = call(route, path, token);
		const char *detail = json_string_value(json_object_get(response->json, "detail"));
		bool no_profile = response->status == 403 && detail &&
				  strstr(detail, "no specialist profile");
		bool validated_first = route->body != ROUTE_BODY_NONE && response->status == 422;
		cr_expect(no_profile || validated_first, "%s %s: %ld %s", route->method, path,
			  response->status, response->body);
		refused += no_profile;
	}
	cr_expect_geq(refused, 25, "most routes read before they validate anything");
}

Test(authorization_matrix, another_organizations_records_are_not_found)
{
	struct records records;
	records_create(&records);
	char *other = arena_text(create_organization("provider"));
	char *other_partner = arena_text(create_organization("partner"));
	const enum role outsiders[] = {ROLE_SUPERVISOR, ROLE_SPECIALIST, ROLE_PARTNER,
				       ROLE_REPORTER};
	const char *ids[] = {records.specialist, records.certification, records.ceu,
			     records.referral,	 records.goal,		records.progress,
			     records.note,	 records.participant};
	for (size_t r = 0; r < sizeof outsiders / sizeof outsiders[0]; r++) {
		enum role role = outsiders[r];
		char *token = arena_text(token_for_known(
			role_name(role), role == ROLE_PARTNER ? other_partner : other));
		for (size_t i = 0; i < api_route_count; i++) {
			const struct route *route = &api_routes[i];
			if (!(route->roles & (unsigned)role))
				continue;
			char path[256];
			fill_with_records(route->path, &records, path, sizeof path);
			struct http_response *response = call(route, path, token);
			if (strchr(route->path, '{')) {
				cr_assert(response->status == 404 ||
						  (strcmp(route->path, "/v1/organizations/{id}") ==
							   0 &&
						   response->status == 404),
					  "%s %s as another organization's %s: %ld %s",
					  route->method, path, role_name(role), response->status,
					  response->body);
			} else {
				for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
					cr_assert_null(
						strstr(response->body, ids[k]),
						"%s %s as another organization's %s shows %s",
						route->method, path, role_name(role), ids[k]);
			}
		}
	}
	records_free(&records);
}

/* Mass assignment (OWASP API3): a PATCH that tries a member the server owns is refused
 * with 422 naming it, and changes nothing. */
Test(authorization_matrix, patch_never_writes_what_the_server_owns)
{
	struct records records;
	records_create(&records);
	char *elsewhere = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	char other[160];
	snprintf(other, sizeof other, "\"%s\"", elsewhere);
	const struct {
		const char *prefix, *id;
		const char *members; /* apart by spaces */
	} CASES[] = {
		{"/v1/organizations/", records.organization,
		 "id version created_at updated_at kind"},
		{"/v1/specialists/", records.specialist,
		 "id organization_id version caseload certified accepting created_at"},
		{"/v1/certifications/", records.certification,
		 "id specialist_id effective_status verified_by verified_at renewal version "
		 "created_at"},
		{"/v1/participants/", records.participant, "id organization_id version created_at"},
		{"/v1/goals/", records.goal, "id participant_id created_by version created_at"},
		{"/v1/session-notes/", records.note,
		 "id organization_id participant_id specialist_id status signed_by billing addenda "
		 "cosigned_by version"},
		{"/v1/group-sessions/", records.group_session,
		 "id organization_id status signed_by note_ids cancel_reason version created_at"},
		{"/v1/plans/", records.plan,
		 "id organization_id participant_id kind revises status participant_signed_on "
		 "staff_signed_by next_review_on review_due version created_at"},
		{"/v1/episodes/", records.episode,
		 "id organization_id participant_id status schedule created_by version created_at"},
	};
	for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
		char path[192];
		snprintf(path, sizeof path, "%s%s", CASES[c].prefix, CASES[c].id);
		struct http_response *before = http_get(path, admin);
		cr_assert_eq(before->status, 200, "%s: %s", path, before->body);
		char member[32];
		int used = 0;
		for (const char *m = CASES[c].members; sscanf(m, " %31s%n", member, &used) == 1;
		     m += used) {
			bool id_member = strstr(member, "_id") != NULL;
			char body[256];
			snprintf(body, sizeof body, "{\"%s\":%s}", member,
				 id_member		       ? other
				 : strcmp(member, "kind") == 0 ? "\"partner\""
							       : "\"x\"");
			struct http_response *refused = http_patch(path, admin, body, NULL);
			cr_expect_eq(refused->status, 422, "%s %s: %ld %s", path, member,
				     refused->status, refused->body);
			if (refused->status == 422)
				assert_error_names(refused, member);
		}
		struct http_response *after = http_get(path, admin);
		cr_assert(json_equal(before->json, after->json), "%s changed:\n%s\n%s", path,
			  before->body, after->body);
	}
	records_free(&records);
}
