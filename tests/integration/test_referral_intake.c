/* What a referral must be to be taken in (API.md, Referrals): each refusal names the field
 * and stores nothing. */
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

TestSuite(referral_intake, .init = arena_open, .fini = arena_close);

struct refusal {
	const char *patch; /* merged into a valid body */
	const char *field;
};

/* Submits, as the world's partner, a valid referral to its provider with patch merged in. */
static struct http_response *submit_patched(const struct world *world, const char *patch)
{
	json_t *body = referral_body(world->provider, "peer");
	json_t *changes = json_loads(patch, 0, NULL);
	cr_assert(changes, "%s", patch);
	cr_assert_eq(json_object_update_recursive(body, changes), 0);
	struct http_response *response = submit(world->partner.token, body, NULL);
	json_decref(changes);
	json_decref(body);
	return response;
}

Test(referral_intake, intake_refusals_name_the_field_and_store_nothing)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char future[16], reason_4001[4002];
	day_from_today("10 days", future, sizeof future);
	memset(reason_4001, 'r', 4001);
	reason_4001[4001] = '\0';
	char future_born[96], future_youth[160];
	snprintf(future_born, sizeof future_born, "{\"participant\":{\"birth_date\":\"%s\"}}",
		 future);
	snprintf(
		future_youth, sizeof future_youth,
		"{\"service_type\":\"family\",\"participant\":{\"youth\":{\"given_name\":\"Mateo\","
		"\"birth_date\":\"%s\"}}}",
		future);
	const struct refusal refusals[] = {
		{"{\"consent\":{\"obtained\":false}}", "consent.obtained"},
		{"{\"substance_use\":true,\"consent\":{\"part2\":false}}", "consent.part2"},
		{"{\"service_type\":\"family\"}", "participant.youth"},
		{"{\"needs\":[\"social\",\"hope\"]}", "needs[1]"},
		{"{\"needs\":[\"social\",\"social\"]}", "needs[1]"},
		{"{\"reason\":\"\"}", "reason"},
		{"{\"urgency\":\"whenever\"}", "urgency"},
		{"{\"service_type\":\"group\"}", "service_type"},
		{"{\"participant\":{\"email\":\"rosa.example.org\"}}", "participant.email"},
		{"{\"participant\":{\"phone\":\"call after 5\"}}", "participant.phone"},
		{"{\"participant\":{\"given_name\":\"\"}}", "participant.given_name"},
		{"{\"participant\":{\"preferred_language\":\"spanish!\"}}",
		 "participant.preferred_language"},
		{future_born, "participant.birth_date"},
		{future_youth, "participant.youth.birth_date"},
		{"{\"status\":\"accepted\"}", "status"},
		{"{\"provider_organization_id\":\"not-a-uuid\"}", "provider_organization_id"},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		struct http_response *refused = submit_patched(&world, refusals[i].patch);
		assert_error_names(refused, refusals[i].field);
	}
	json_t *body = referral_body(world.provider, "peer");
	json_object_set_new(body, "reason", json_string(reason_4001));
	struct http_response *too_long = submit(world.partner.token, body, NULL);
	assert_error_names(too_long, "reason");
	json_decref(body);

	cr_assert_eq(referrals_stored(world.provider), 0);
	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	cr_assert_eq(participants_stored(world.provider), 0);
}

Test(referral_intake, intake_boundaries_are_accepted)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char reason_4000[4001];
	memset(reason_4000, 'r', 4000);
	reason_4000[4000] = '\0';
	json_t *body = referral_body(world.provider, "peer");
	json_object_set_new(body, "reason", json_string(reason_4000));
	json_object_set_new(body, "needs",
			    json_pack("[s, s, s, s, s, s, s, s]", "emotional", "financial",
				      "social", "spiritual", "occupational", "physical",
				      "intellectual", "environmental"));
	json_object_del(body, "urgency");
	struct http_response *created = submit(world.partner.token, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "urgency"), "routine", "the default: %s", created->body);
	struct http_response *read = get_referral(member(created, "id"), world.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_eq(strlen(member(read, "reason")), 4000);
	cr_assert_eq(json_array_size(json_object_get(read->json, "needs")), 8, "%s", read->body);
	json_decref(body);
}

Test(referral_intake, provider_must_be_a_provider_the_caller_may_refer_to)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *other_provider_id = create_organization("provider");
	char missing[] = "6b0f3c56-1f53-4a8e-9d7e-3f1c2b9a0d11";
	const char *const providers[] = {world.partner_organization, missing, NULL};
	for (size_t i = 0; i < 3; i++) {
		json_t *body = referral_body(providers[i], "peer");
		struct http_response *refused = submit(world.partner.token, body, NULL);
		assert_error_names(refused, "provider_organization_id");
		json_decref(body);
	}
	/* A supervisor records referrals for their own organization only. */
	json_t *body = referral_body(other_provider_id, "peer");
	struct http_response *elsewhere = submit(world.supervisor.token, body, NULL);
	assert_error_names(elsewhere, "provider_organization_id");
	json_decref(body);

	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	cr_assert_eq(referrals_stored(world.provider), 0);
	cr_assert_eq(referrals_stored(other_provider_id), 0);
	cr_assert_eq(participants_stored(world.provider), 0);
	cr_assert_eq(participants_stored(other_provider_id), 0);
	free(other_provider_id);
}

Test(referral_intake, family_youth_must_be_younger_than_the_max_age)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char turned_21_today[16], turns_21_tomorrow[16];
	day_from_today("-21 years", turned_21_today, sizeof turned_21_today);
	day_from_today("-21 years +1 day", turns_21_tomorrow, sizeof turns_21_tomorrow);

	json_t *body = referral_body(world.provider, "family");
	json_t *youth = json_object_get(json_object_get(body, "participant"), "youth");
	json_object_set_new(youth, "birth_date", json_string(turned_21_today));
	struct http_response *refused = submit(world.partner.token, body, NULL);
	assert_error_names(refused, "participant.youth.birth_date");
	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	cr_assert_eq(participants_stored(world.provider), 0);

	json_object_set_new(youth, "birth_date", json_string(turns_21_tomorrow));
	struct http_response *created = submit(world.partner.token, body, NULL);
	cr_assert_eq(created->status, 201, "born %s: %s", turns_21_tomorrow, created->body);
	cr_assert_str_eq(member(created, "service_type"), "family");
	struct http_response *read = get_referral(member(created, "id"), world.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	char *path = path_of("/v1/participants", member(read, "participant_id"), "");
	struct http_response *participant = http_get(path, world.supervisor.token);
	cr_assert_eq(participant->status, 200, "%s", participant->body);
	json_t *stored_youth = json_object_get(participant->json, "youth");
	cr_assert_str_eq(json_string_value(json_object_get(stored_youth, "birth_date")),
			 turns_21_tomorrow, "%s", participant->body);
	free(path);
	json_decref(body);
}

/* What the database would refuse must be refused with the field named, like every other
 * broken rule (API.md: "every broken field is listed"), and nothing stored. The C1
 * controls (U+0080..U+009F, here U+0085) pass the service's text checks but match
 * PostgreSQL's [[:cntrl:]] in the columns' CHECKs. */
Test(referral_intake, control_characters_are_named_not_left_to_the_database)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	const struct refusal refusals[] = {
		{"{\"participant\":{\"email\":\"rosa\\u0001@example.org\"}}", "participant.email"},
		{"{\"participant\":{\"email\":\"rosa\\u0085@example.org\"}}", "participant.email"},
		{"{\"participant\":{\"given_name\":\"Ro\\u0085sa\"}}", "participant.given_name"},
		{"{\"external_id\":\"ref\\u0085-7\"}", "external_id"},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		struct http_response *refused = submit_patched(&world, refusals[i].patch);
		cr_expect_eq(refused->status, 422, "%s: %s", refusals[i].patch, refused->body);
		bool named = false;
		size_t index;
		json_t *error;
		json_array_foreach (json_object_get(refused->json, "errors"), index, error) {
			const char *field = json_string_value(json_object_get(error, "field"));
			named |= field && strcmp(field, refusals[i].field) == 0;
		}
		cr_expect(named, "%s is not named: %s", refusals[i].field, refused->body);
	}
	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	cr_assert_eq(participants_stored(world.provider), 0);
}
