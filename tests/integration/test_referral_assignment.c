/* Assigning a referral (API.md, Referrals): the checks named, the caseload kept, and the
 * ranking of matches. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "referrals_support.h"
#include "world.h"

TestSuite(referral_assignment, .init = arena_open, .fini = arena_close);

Test(referral_assignment, assignment_names_the_failing_check)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *other_provider_id = create_organization("provider");
	char subject[96], issued[16], expires[16], long_ago[16], yesterday[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from_today("-3 years", long_ago, sizeof long_ago);
	day_from_today("-1 day", yesterday, sizeof yesterday);
	char *inactive = certified_with(world.provider, "\"kind\":\"peer\",\"active\":false");
	char *pending =
		specialist_with(world.provider, "\"kind\":\"peer\"", subject, sizeof subject);
	free(create_certification(pending, "pending", issued, expires));
	char *expired =
		specialist_with(world.provider, "\"kind\":\"peer\"", subject, sizeof subject);
	free(create_certification(expired, "active", long_ago, yesterday));
	char *family_peer =
		eligible_specialist(world.provider, "family_peer", subject, sizeof subject);
	char *full = certified_with(world.provider, "\"kind\":\"peer\",\"max_caseload\":0");
	char *elsewhere = eligible_specialist(other_provider_id, "peer", subject, sizeof subject);

	char *id = accepted_referral(&world, "peer");
	assign_refused(id, world.supervisor.token, inactive, "not active");
	assign_refused(id, world.supervisor.token, pending, "not certified today");
	assign_refused(id, world.supervisor.token, expired, "not certified today");
	assign_refused(id, world.supervisor.token, family_peer,
		       "a family_peer specialist, and peer support needs a peer");
	assign_refused(id, world.supervisor.token, full, "caseload full (0 of 0)");
	assign_refused(id, world.supervisor.token, elsewhere,
		       "does not work for the provider organization");
	assign_refused(id, world.supervisor.token, "2f7d9c1e-5b8a-4c3d-9e6f-1a2b3c4d5e6f",
		       "does not work for the provider organization");
	struct http_response *malformed = assign(id, world.supervisor.token, "someone");
	assert_error_names(malformed, "specialist_id");

	/* Nothing moved. */
	assert_referral_status(id, world.supervisor.token, "accepted");
	history_moving(id, world.supervisor.token, "->submitted submitted>accepted");
	const char *const refused[] = {inactive, pending, expired, family_peer, full, elsewhere};
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(caseload_of(refused[i]), 0);
	free(id);
	free(elsewhere);
	free(full);
	free(family_peer);
	free(expired);
	free(pending);
	free(inactive);
	free(other_provider_id);
}

Test(referral_assignment, family_referral_needs_a_family_peer)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *peer = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *family_peer = certified_with(
		world.provider,
		"\"kind\":\"family_peer\",\"lived_experience\":[\"caregiver\"],"
		"\"languages\":[\"es\"],\"counties\":[\"Lane\"],\"max_caseload\":10");
	char *id = accepted_referral(&world, "family");
	struct http_response *matches = matches_ok(id, world.supervisor.token);
	json_t *items = json_object_get(matches->json, "items");
	cr_assert_eq(json_array_size(items), 1, "%s", matches->body);
	json_t *match = json_array_get(items, 0);
	cr_assert_str_eq(json_string_value(json_object_get(match, "specialist_id")), family_peer);
	/* es, caregiver and room: not the county. */
	cr_assert_eq(json_integer_value(json_object_get(match, "score")), 40 + 20 + 15, "%s",
		     matches->body);
	json_t *reasons = json_pack("[s, s, s]", "language", "lived_experience", "caseload_room");
	cr_assert(json_equal(json_object_get(match, "reasons"), reasons), "%s", matches->body);
	json_decref(reasons);

	assign_refused(id, world.supervisor.token, peer,
		       "a peer specialist, and family support needs a family_peer");
	assignment_ok(id, world.supervisor.token, family_peer);
	free(id);
	free(family_peer);
	free(peer);
}

Test(referral_assignment, full_caseload_refuses_the_next_assignment)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *specialist_id =
		certified_with(world.provider, "\"kind\":\"peer\",\"max_caseload\":1");
	char *first = accepted_referral(&world, "peer");
	char *second = accepted_referral(&world, "peer");
	struct http_response *matches = matches_ok(second, world.supervisor.token);
	cr_assert(strstr(matches->body, specialist_id), "has room: %s", matches->body);
	assignment_ok(first, world.supervisor.token, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	assign_refused(second, world.supervisor.token, specialist_id, "caseload full (1 of 1)");
	matches = matches_ok(second, world.supervisor.token);
	cr_assert_eq(json_array_size(json_object_get(matches->json, "items")), 0,
		     "a full caseload is no match: %s", matches->body);
	assert_referral_status(second, world.supervisor.token, "accepted");
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(second);
	free(first);
	free(specialist_id);
}

Test(referral_assignment, concurrent_assignments_never_overfill_a_caseload)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *specialist_id =
		certified_with(world.provider, "\"kind\":\"peer\",\"max_caseload\":1");
	enum { RIVALS = 4 };
	char *ids[RIVALS], *paths[RIVALS], body[128];
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", specialist_id);
	struct background_request rivals[RIVALS];
	for (size_t i = 0; i < RIVALS; i++) {
		ids[i] = accepted_referral(&world, "peer");
		paths[i] = path_of("/v1/referrals", ids[i], "/assignment");
		rivals[i] =
			(struct background_request){.request = {.method = "POST",
								.path = paths[i],
								.token = world.supervisor.token,
								.content_type = "application/json",
								.body = body}};
	}
	for (size_t i = 0; i < RIVALS; i++)
		background_send(&rivals[i]);
	int assigned = 0;
	for (size_t i = 0; i < RIVALS; i++) {
		struct http_response *answer = background_wait(&rivals[i]);
		if (answer->status == 200)
			assigned++;
		else
			cr_assert_eq(answer->status, 409, "%s", answer->body);
		free(paths[i]);
		free(ids[i]);
	}
	cr_assert_eq(assigned, 1);
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(specialist_id);
}

Test(referral_assignment, assignment_needs_an_accepted_referral)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *id = submitted_referral(&world, "peer");
	assign_refused(id, world.supervisor.token, specialist_id, "this one is submitted");
	move_expect(id, world.supervisor.token, "declined", "No capacity", 200);
	assign_refused(id, world.supervisor.token, specialist_id, "this one is declined");
	assert_referral_status(id, world.supervisor.token, "declined");
	cr_assert_eq(caseload_of(specialist_id), 0);
	free(id);
	free(specialist_id);
}

Test(referral_assignment, reassignment_moves_the_caseload_and_is_recorded)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char first_subject[96], second_subject[96];
	char *first =
		eligible_specialist(world.provider, "peer", first_subject, sizeof first_subject);
	char *second =
		eligible_specialist(world.provider, "peer", second_subject, sizeof second_subject);
	char *first_token = token_for_subject("specialist", world.provider, first_subject);
	char *second_token = token_for_subject("specialist", world.provider, second_subject);
	char *id = referral_assigned_to(&world, "peer", first);
	assign_refused(id, world.supervisor.token, first, "already assigned to this specialist");
	/* The one on it is not offered again; the other is. */
	struct http_response *matches = matches_ok(id, world.supervisor.token);
	cr_assert_null(strstr(matches->body, first), "%s", matches->body);
	cr_assert(strstr(matches->body, second), "%s", matches->body);

	struct http_response *reassigned = assign(id, world.supervisor.token, second);
	cr_assert_eq(reassigned->status, 200, "%s", reassigned->body);
	cr_assert_str_eq(member(reassigned, "status"), "assigned");
	cr_assert_str_eq(member(reassigned, "assigned_specialist_id"), second);
	cr_assert_eq(caseload_of(first), 0);
	cr_assert_eq(caseload_of(second), 1);
	assert_status(get_referral(id, first_token), 404, "the former specialist reads it");
	assert_referral_status(id, second_token, "assigned");

	struct http_response *history = history_moving(
		id, world.supervisor.token,
		"->submitted submitted>accepted accepted>assigned assigned>assigned");
	cr_assert_str_eq(event_member(history, 2, "specialist_id"), first);
	cr_assert_str_eq(event_member(history, 3, "specialist_id"), second);
	cr_assert_str_eq(event_member(history, 3, "actor"), world.supervisor.subject);
	free(id);
	free(second_token);
	free(first_token);
	free(second);
	free(first);
}

Test(referral_assignment, matches_are_ranked_by_score_then_caseload)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	/* Language and county (in other letter case), room: 40 + 25 + 15. */
	char *best = certified_with(world.provider, "\"kind\":\"peer\",\"languages\":[\"ES\"],"
						    "\"counties\":[\"MULTNOMAH\"]");
	/* County and room: 25 + 15. */
	char *county = certified_with(world.provider, "\"kind\":\"peer\",\"languages\":[\"en\"],"
						      "\"counties\":[\"Multnomah\",\"Lane\"]");
	/* Room only: 15; and room with one of 15 taken: 15 * 14 / 15 = 14. */
	char *idle = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *busy = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *other = referral_assigned_to(&world, "peer", busy);
	/* Language and room: 40 + 15 * 30 / 30; lived experience counts only for substance
	 * use or family support. */
	char *experienced =
		certified_with(world.provider, "\"kind\":\"peer\",\"languages\":[\"es-MX\"],"
					       "\"lived_experience\":[\"co_occurring\"],"
					       "\"max_caseload\":30");

	char *id = accepted_referral(&world, "peer");
	struct http_response *matches = matches_ok(id, world.supervisor.token);
	json_t *items = json_object_get(matches->json, "items");
	const char *const order[] = {best, experienced, county, idle, busy};
	const long long scores[] = {80, 55, 40, 15, 14};
	cr_assert_eq(json_array_size(items), 5, "%s", matches->body);
	for (size_t i = 0; i < 5; i++) {
		json_t *match = json_array_get(items, i);
		cr_assert_str_eq(json_string_value(json_object_get(match, "specialist_id")),
				 order[i], "rank %zu: %s", i, matches->body);
		cr_assert_eq(json_integer_value(json_object_get(match, "score")), scores[i],
			     "rank %zu: %s", i, matches->body);
	}
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 4), "caseload")), 1);

	char *path = path_of("/v1/referrals", id, "/matches?limit=2");
	matches = http_get(path, world.supervisor.token);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	items = json_object_get(matches->json, "items");
	cr_assert_eq(json_array_size(items), 2, "%s", matches->body);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_array_get(items, 1), "specialist_id")),
		experienced);

	/* With substance use, the lived experience counts: 40 + 20 + 15. */
	json_t *body = referral_body(world.provider, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	char *substance = submit_ok(world.partner.token, body);
	matches = matches_ok(substance, world.supervisor.token);
	items = json_object_get(matches->json, "items");
	json_t *second = json_array_get(items, 1);
	cr_assert_str_eq(json_string_value(json_object_get(second, "specialist_id")), experienced,
			 "%s", matches->body);
	cr_assert_eq(json_integer_value(json_object_get(second, "score")), 75, "%s", matches->body);
	free(substance);
	json_decref(body);
	free(path);
	free(id);
	free(experienced);
	free(other);
	free(busy);
	free(idle);
	free(county);
	free(best);
}
