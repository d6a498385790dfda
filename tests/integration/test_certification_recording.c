/* Recording a certification (API.md, Certifications): who may add one for whom, what it
 * must be, and what each refusal names. */
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

TestSuite(certification_recording, .init = arena_open, .fini = arena_close);

Test(certification_recording, supervisor_creates_pending_by_default)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	json_t *body = current_certification_body();
	json_object_set_new(body, "training_hours", json_real(46.5));
	json_object_set_new(body, "ceu_hours", json_integer(12));
	struct http_response *created =
		post_certification(team.supervisor.token, team.specialist.id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "pending");
	cr_assert_str_eq(member(created, "effective_status"), "pending");
	cr_assert_str_eq(member(created, "specialist_id"), team.specialist.id);
	cr_assert(json_is_null(json_object_get(created->json, "verified_by")), "%s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "verified_at")), "%s", created->body);
	cr_assert_float_eq(number_at(created->json, "training_hours"), 46.5, 1e-9);
	cr_assert_float_eq(number_at(created->json, "ceu_hours"), 12, 1e-9);
	cr_assert_eq(version_of(created), 1);

	char *location = http_header(created, "Location");
	char expected_location[128];
	snprintf(expected_location, sizeof expected_location, "/v1/certifications/%s",
		 member(created, "id"));
	cr_assert_str_eq(location, expected_location);
	assert_read_back(http_get(location, team.supervisor.token), created, "\"1\"");
	cr_assert(!specialist_certified(team.specialist.id), "a pending certification certifies");
	free(location);
	json_decref(body);
}

Test(certification_recording, supervisor_creates_active_and_is_recorded_as_verifier)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	struct http_response *created = post_current_with(team.supervisor.token, team.specialist.id,
							  "status", json_string("active"));
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "active");
	cr_assert_str_eq(member(created, "effective_status"), "active");
	cr_assert_str_eq(member(created, "verified_by"), team.supervisor.subject, "%s",
			 created->body);
	const char *verified_at = member(created, "verified_at");
	cr_assert(verified_at && strlen(verified_at) >= 20 &&
			  verified_at[strlen(verified_at) - 1] == 'Z',
		  "verified_at is an RFC 3339 UTC timestamp: %s", created->body);
	cr_assert(specialist_certified(team.specialist.id));
	cr_assert(own_certified(team.specialist.token));
}

Test(certification_recording, admin_creates_for_any_organization)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char admin_subject[96];
	char *admin = admin_named(admin_subject, sizeof admin_subject);
	struct http_response *pending = post_current(admin, team.specialist.id);
	cr_assert_eq(pending->status, 201, "%s", pending->body);
	cr_assert_str_eq(member(pending, "status"), "pending");

	struct http_response *active =
		post_current_with(admin, team.specialist.id, "status", json_string("active"));
	cr_assert_eq(active->status, 201, "%s", active->body);
	cr_assert_str_eq(member(active, "verified_by"), admin_subject, "%s", active->body);
	cr_assert(member(active, "verified_at"), "%s", active->body);
	cr_assert(specialist_certified(team.specialist.id));

	/* A new certification is pending or active; the other states come later. */
	struct http_response *revoked =
		post_current_with(admin, team.specialist.id, "status", json_string("revoked"));
	const char *fields[] = {"status"};
	assert_fields_named(revoked, fields, 1);
	free(admin);
}

Test(certification_recording, specialist_adds_own_certification_which_stays_pending)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	struct http_response *created = post_current(team.specialist.token, team.specialist.id);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "pending");
	cr_assert(json_is_null(json_object_get(created->json, "verified_by")), "%s", created->body);

	/* Saying pending outright is the same. */
	struct http_response *explicit = post_current_with(
		team.specialist.token, team.specialist.id, "status", json_string("pending"));
	cr_assert_eq(explicit->status, 201, "%s", explicit->body);

	struct http_response *active = post_current_with(team.specialist.token, team.specialist.id,
							 "status", json_string("active"));
	cr_assert_eq(active->status, 403, "a specialist verifying their own: %s", active->body);

	struct http_response *requirement =
		post_current_with(team.specialist.token, team.specialist.id, "ceu_requirement",
				  json_pack("{s:i, s:i, s:i}", "total_hours", 20, "ethics_hours", 6,
					    "peer_specific_hours", 4));
	cr_assert_eq(requirement->status, 403, "a specialist setting the state's rule: %s",
		     requirement->body);

	/* Only the two pending ones were recorded. */
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist.id);
	struct http_response *list = http_get(path, team.specialist.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 2, "%s", list->body);
	cr_assert(!own_certified(team.specialist.token));
}

Test(certification_recording, specialist_cannot_add_for_another_specialist)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *colleague = colleague_of(&team);
	struct http_response *created = post_current(team.specialist.token, colleague);
	cr_assert_eq(created->status, 404, "%s", created->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", colleague);
	struct http_response *list = http_get(path, team.specialist.token);
	cr_assert_eq(list->status, 404, "%s", list->body);
	free(colleague);
}

Test(certification_recording, supervisor_of_another_organization_cannot_add)
{
	struct world team, other;
	world_build(&team, (struct world_options){.specialist = true});
	world_build(&other, (struct world_options){.specialist = true});
	struct http_response *created = post_current(other.supervisor.token, team.specialist.id);
	cr_assert_eq(created->status, 404, "%s", created->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist.id);
	struct http_response *list = http_get(path, other.supervisor.token);
	cr_assert_eq(list->status, 404, "%s", list->body);
}

Test(certification_recording, partner_and_reporter_are_refused_everywhere)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *certification =
		certification_from_today(team.specialist.id, "pending", "-1 year", "1 year");
	const char *today = day_in("0 days");
	struct http_response *ceu =
		post_ceu(certification, team.supervisor.token, today, 2, "ethics");
	cr_assert_eq(ceu->status, 201, "%s", ceu->body);

	char paths[9][256];
	const char *methods[9] = {"POST", "GET", "GET",	 "GET", "PATCH",
				  "POST", "GET", "POST", "GET"};
	snprintf(paths[0], sizeof paths[0], "/v1/specialists/%s/certifications",
		 team.specialist.id);
	snprintf(paths[1], sizeof paths[1], "/v1/specialists/%s/certifications",
		 team.specialist.id);
	snprintf(paths[2], sizeof paths[2], "/v1/certifications");
	snprintf(paths[3], sizeof paths[3], "/v1/certifications/%s", certification);
	snprintf(paths[4], sizeof paths[4], "/v1/certifications/%s", certification);
	snprintf(paths[5], sizeof paths[5], "/v1/certifications/%s/verify", certification);
	snprintf(paths[6], sizeof paths[6], "/v1/certifications/%s/ceus", certification);
	snprintf(paths[7], sizeof paths[7], "/v1/certifications/%s/ceus", certification);
	snprintf(paths[8], sizeof paths[8], "/v1/certifications/%s/ceus/%s", certification,
		 member(ceu, "id"));

	char *partner_organization = create_organization("partner");
	char *tokens[] = {token_for("partner", partner_organization),
			  token_for("reporter", team.provider)};
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < 9; i++) {
			bool with_body = strcmp(methods[i], "GET") != 0;
			struct http_response *response = http_send(&(struct http_request){
				.method = methods[i],
				.path = paths[i],
				.token = tokens[t],
				.content_type = with_body ? "application/json" : NULL,
				.body = with_body ? "{}" : NULL});
			cr_expect_eq(response->status, 403, "%s %s as %s: %s", methods[i], paths[i],
				     t == 0 ? "partner" : "reporter", response->body);
		}
		free(tokens[t]);
	}
	/* Nothing changed. */
	assert_effective_status(certification, team.supervisor.token, "pending");
	free(partner_organization);
}

Test(certification_recording, duplicate_credential_state_and_number_conflict)
{
	struct world team, other;
	world_build(&team, (struct world_options){.specialist = true});
	world_build(&other, (struct world_options){.specialist = true});
	json_t *first = current_certification_body();
	char number[96];
	snprintf(number, sizeof number, "%s", json_string_value(json_object_get(first, "number")));
	expect(post_certification(team.supervisor.token, team.specialist.id, first), 201,
	       "the first");

	struct http_response *again =
		post_certification(team.supervisor.token, team.specialist.id, first);
	cr_assert_eq(again->status, 409, "%s", again->body);
	char *type = http_header(again, "Content-Type");
	cr_assert_str_eq(type, "application/problem+json");
	free(type);

	/* Credential and number in another case are the same credential. */
	json_t *lower = json_deep_copy(first);
	json_object_set_new(lower, "credential", json_string("cps"));
	expect(post_certification(team.supervisor.token, team.specialist.id, lower), 409,
	       "cps vs CPS");
	char upper_number[96];
	snprintf(upper_number, sizeof upper_number, "%s", number);
	for (char *c = upper_number; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	cr_assert_str_neq(upper_number, number);
	json_t *upper = json_deep_copy(first);
	json_object_set_new(upper, "number", json_string(upper_number));
	expect(post_certification(team.supervisor.token, team.specialist.id, upper), 409,
	       "number in upper case");

	/* Whoever holds it. */
	expect(post_certification(other.supervisor.token, other.specialist.id, first), 409,
	       "another organization's holder");

	/* The same number in another state is another credential. */
	json_t *washington = json_deep_copy(first);
	json_object_set_new(washington, "state", json_string("WA"));
	struct http_response *other_state =
		post_certification(team.supervisor.token, team.specialist.id, washington);
	cr_assert_eq(other_state->status, 201, "%s", other_state->body);

	/* Moving another certification onto it conflicts too. */
	patch_expect(member(other_state, "id"), team.supervisor.token, "{\"state\":\"OR\"}", 409);
	assert_effective_status(member(other_state, "id"), team.supervisor.token, "pending");

	json_decref(washington);
	json_decref(upper);
	json_decref(lower);
	json_decref(first);
}

Test(certification_recording, expires_on_must_follow_issued_on)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	const char *today = day_in("0 days");
	const char *yesterday = day_in("-1 day");
	const char *fields[] = {"expires_on"};

	json_t *same_day = certification_body(today, today);
	struct http_response *response =
		post_certification(team.supervisor.token, team.specialist.id, same_day);
	assert_fields_named(response, fields, 1);
	json_decref(same_day);

	json_t *backwards = certification_body(today, yesterday);
	response = post_certification(team.specialist.token, team.specialist.id, backwards);
	assert_fields_named(response, fields, 1);
	json_decref(backwards);

	char *id = current_certification(team.supervisor.token, team.specialist.id);
	char patch[96];
	snprintf(patch, sizeof patch, "{\"expires_on\":\"%s\",\"issued_on\":\"%s\"}", yesterday,
		 today);
	response = patch_certification(id, team.supervisor.token, patch, NULL);
	assert_fields_named(response, fields, 1);

	/* Moving only issued_on past the expiry is caught the same way. */
	snprintf(patch, sizeof patch, "{\"issued_on\":\"2999-01-01\"}");
	response = patch_certification(id, team.supervisor.token, patch, NULL);
	assert_fields_named(response, fields, 1);

	struct http_response *read = get_certification(id, team.supervisor.token);
	cr_assert_eq(version_of(read), 1, "a refused PATCH wrote: %s", read->body);
	free(id);
}

Test(certification_recording, invalid_fields_are_all_named)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist.id);
	struct http_response *response = http_send(&(struct http_request){
		.method = "POST",
		.path = path,
		.token = team.supervisor.token,
		.content_type = "application/json",
		.body = "{\"credential\":\"CPS\",\"issuing_authority\":\"Oregon Health Authority\","
			"\"state\":\"XX\",\"number\":\"A-1\",\"issued_on\":\"2025-02-30\","
			"\"expires_on\":\"2027-13-01\",\"training_hours\":-1,\"ceu_hours\":1.234,"
			"\"ceu_requirement\":{\"total_hours\":20.125},"
			"\"status\":\"expired\",\"effective_status\":\"active\",\"color\":"
			"\"blue\"}",
	});
	const char *fields[] = {"state",	  "issued_on",	      "expires_on",
				"training_hours", "ceu_hours",	      "ceu_requirement.total_hours",
				"status",	  "effective_status", "color"};
	assert_fields_named(response, fields, sizeof fields / sizeof fields[0]);

	response = http_send(&(struct http_request){.method = "POST",
						    .path = path,
						    .token = team.supervisor.token,
						    .content_type = "application/json",
						    .body = "{}"});
	const char *required[] = {"credential", "issuing_authority", "state",
				  "number",	"issued_on",	     "expires_on"};
	assert_fields_named(response, required, sizeof required / sizeof required[0]);

	/* Nothing was recorded. */
	struct http_response *list = http_get(path, team.supervisor.token);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
}
