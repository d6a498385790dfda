/* An Idempotency-Key on submitting a referral (API.md, Idempotency): replays, conflicts,
 * keys of their caller, and retries at the same moment. */
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

TestSuite(referral_idempotency, .init = arena_open, .fini = arena_close);

Test(referral_idempotency, same_key_and_body_replays_the_first_answer)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	const char *external_id = json_string_value(json_object_get(body, "external_id"));
	char key[96];
	unique_token("retry", key, sizeof key);
	struct http_response *first = submit(world.partner.token, body, key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	char *first_replayed = http_header(first, "Idempotent-Replayed");
	cr_assert_null(first_replayed, "the first answer is not a replay");
	char *first_location = http_header(first, "Location");
	cr_assert_eq(audit_events_by(world.partner.subject, member(first, "id"), "read"), 0);

	struct http_response *again = submit(world.partner.token, body, key);
	cr_assert_eq(again->status, 201, "%s", again->body);
	cr_assert_str_eq(member(again, "id"), member(first, "id"));
	cr_assert(json_equal(again->json, first->json), "%s\n%s", first->body, again->body);
	/* A replay discloses the referral again: the event a GET of it writes, by the caller. */
	cr_assert_eq(audit_events_by(world.partner.subject, member(first, "id"), "read"), 1,
		     "a replay is recorded as a read");
	char *replayed = http_header(again, "Idempotent-Replayed");
	cr_assert(replayed && strcmp(replayed, "true") == 0, "Idempotent-Replayed: %s",
		  replayed ? replayed : "(none)");
	char *location = http_header(again, "Location");
	cr_assert_str_eq(location, first_location);

	/* The same document written in another order is the same request. */
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_INDENT(2));
	char header[160];
	snprintf(header, sizeof header, "Idempotency-Key: %s", key);
	struct http_response *reordered =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/referrals",
						 .token = world.partner.token,
						 .content_type = "application/json",
						 .body = text,
						 .headers = {header}});
	cr_assert_eq(reordered->status, 201, "%s", reordered->body);
	cr_assert_str_eq(member(reordered, "id"), member(first, "id"));

	/* One referral, one participant. */
	char path[256], listed[512];
	snprintf(path, sizeof path, "/v1/referrals?external_id=%s", external_id);
	list_ids(path, world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, member(first, "id"));
	cr_assert_eq(referrals_stored(world.partner_organization), 1);
	cr_assert_eq(participants_stored(world.provider), 1);

	/* Later the first answer is still what the key answers, even after the referral
	 * moved on. */
	move_expect(member(first, "id"), world.supervisor.token, "accepted", NULL, 200);
	struct http_response *later = submit(world.partner.token, body, key);
	cr_assert_eq(later->status, 201, "%s", later->body);
	cr_assert(json_equal(later->json, first->json), "%s", later->body);
	cr_assert_eq(referrals_stored(world.partner_organization), 1);

	free(text);
	free(location);
	free(replayed);
	free(first_location);
	free(first_replayed);
	json_decref(body);
}

Test(referral_idempotency, same_key_with_another_body_is_422)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	char key[96];
	unique_token("retry", key, sizeof key);
	struct http_response *first = submit(world.partner.token, body, key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	json_object_set_new(body, "reason", json_string("Another person, another story."));
	struct http_response *other = submit(world.partner.token, body, key);
	assert_error_names(other, "Idempotency-Key");
	cr_assert_eq(referrals_stored(world.partner_organization), 1);
	cr_assert_eq(participants_stored(world.provider), 1);
	json_decref(body);
}

Test(referral_idempotency, keys_belong_to_their_caller)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *other_partner_id = create_organization("partner");
	char *other_partner = token_for("partner", other_partner_id);
	char colleague_subject[96];
	unique_name("supervisor", colleague_subject, sizeof colleague_subject);
	char *colleague = token_for_subject("supervisor", world.provider, colleague_subject);
	json_t *body = referral_body(world.provider, "peer");
	char key[96];
	unique_token("shared-key", key, sizeof key);
	struct http_response *mine = submit(world.partner.token, body, key);
	cr_assert_eq(mine->status, 201, "%s", mine->body);
	struct http_response *theirs = submit(other_partner, body, key);
	cr_assert_eq(theirs->status, 201, "%s", theirs->body);
	char *replayed = http_header(theirs, "Idempotent-Replayed");
	cr_assert_null(replayed, "another organization's key is not replayed: %s", theirs->body);
	cr_assert_str_neq(member(theirs, "id"), member(mine, "id"));
	cr_assert_str_eq(member(theirs, "referring_organization_id"), other_partner_id);
	/* The provider's own staff has its own scope too. */
	json_object_del(body, "external_id");
	struct http_response *staff = submit(world.supervisor.token, body, key);
	cr_assert_eq(staff->status, 201, "%s", staff->body);
	cr_assert_str_neq(member(staff, "id"), member(mine, "id"));
	/* And so has each of them: another supervisor with the same key and body does their
	 * own work rather than get the first one's referral. */
	struct http_response *colleagues = submit(colleague, body, key);
	cr_assert_eq(colleagues->status, 201, "%s", colleagues->body);
	char *colleague_replayed = http_header(colleagues, "Idempotent-Replayed");
	cr_assert_null(colleague_replayed, "a colleague's key is not replayed: %s",
		       colleagues->body);
	cr_assert_str_neq(member(colleagues, "id"), member(staff, "id"));
	struct http_response *staff_again = submit(world.supervisor.token, body, key);
	cr_assert_eq(staff_again->status, 201, "%s", staff_again->body);
	cr_assert_str_eq(member(staff_again, "id"), member(staff, "id"));
	cr_assert_eq(referrals_stored(world.partner_organization), 1);
	cr_assert_eq(referrals_stored(other_partner_id), 1);
	/* Four referrals of one person: one participant (API.md "one person, one record"). */
	cr_assert_eq(participants_stored(world.provider), 1);
	free(colleague_replayed);
	free(replayed);
	json_decref(body);
	free(colleague);
	free(other_partner);
	free(other_partner_id);
}

/* A key the database holds names its caller, and an answer the record it discloses. */
Test(referral_idempotency, the_database_keeps_keys_to_their_caller_and_answers_to_their_record)
{
	database_refuses("INSERT INTO idempotency_keys (scope, key, request_hash, request_target)"
			 " VALUES ('organization:' || $1 || ':supervisor', 'k', 'h',"
			 " 'POST /v1/referrals')",
			 1, (const char *const[]){"11111111-1111-4111-8111-111111111111"},
			 "idempotency_keys_scope_names_the_caller");
	database_refuses("INSERT INTO idempotency_keys (scope, key, request_hash, request_target,"
			 " response_status, response_body) VALUES ($1, 'k', 'h',"
			 " 'POST /v1/referrals', 201, '{}')",
			 1, (const char *const[]){"subject:an-admin"},
			 "idempotency_keys_answer_names_its_record");
}

Test(referral_idempotency, malformed_key_is_400)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	char long_key[301], longest_key[256];
	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	const char *const malformed[] = {long_key, "caf\xc3\xa9-key", "tab\there"};
	for (size_t i = 0; i < 3; i++) {
		struct http_response *refused = submit(world.partner.token, body, malformed[i]);
		cr_assert_eq(refused->status, 400, "key %s: %s", malformed[i], refused->body);
		char *type = http_header(refused, "Content-Type");
		cr_assert_str_eq(type, "application/problem+json");
		free(type);
	}
	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	cr_assert_eq(participants_stored(world.provider), 0);
	/* 255 printable characters are a key. */
	unique_token("k", longest_key, sizeof longest_key);
	size_t used = strlen(longest_key);
	memset(longest_key + used, 'x', sizeof longest_key - 1 - used);
	longest_key[sizeof longest_key - 1] = '\0';
	struct http_response *accepted = submit(world.partner.token, body, longest_key);
	cr_assert_eq(accepted->status, 201, "%s", accepted->body);
	json_decref(body);
}

#define RACERS 20

Test(referral_idempotency, concurrent_retries_with_one_key_create_one_referral)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	char *text = json_dumps(body, JSON_COMPACT);
	char key[96], header[160];
	unique_token("race", key, sizeof key);
	snprintf(header, sizeof header, "Idempotency-Key: %s", key);
	static struct background_request racers[RACERS];
	for (size_t i = 0; i < RACERS; i++)
		racers[i] =
			(struct background_request){.request = {.method = "POST",
								.path = "/v1/referrals",
								.token = world.partner.token,
								.content_type = "application/json",
								.body = text,
								.headers = {header}}};
	for (size_t i = 0; i < RACERS; i++)
		background_send(&racers[i]);
	int created = 0, in_flight = 0;
	char *id = NULL;
	for (size_t i = 0; i < RACERS; i++) {
		struct http_response *answer = background_wait(&racers[i]);
		if (answer->status == 201) {
			created++;
			if (!id)
				id = strdup(member(answer, "id"));
			cr_assert_str_eq(member(answer, "id"), id, "%s", answer->body);
		} else {
			cr_assert_eq(answer->status, 409, "201 or 409 only: %s", answer->body);
			in_flight++;
		}
	}
	cr_log_info("%d answered 201, %d answered 409", created, in_flight);
	cr_assert_geq(created, 1, "%d created, %d in flight", created, in_flight);
	cr_assert_eq(referrals_stored(world.partner_organization), 1);
	cr_assert_eq(participants_stored(world.provider), 1);
	/* Once settled, the key answers with that referral. */
	struct http_response *settled = submit(world.partner.token, body, key);
	cr_assert_eq(settled->status, 201, "%s", settled->body);
	cr_assert_str_eq(member(settled, "id"), id);
	free(id);
	free(text);
	json_decref(body);
}

Test(referral_idempotency, a_key_whose_request_failed_can_be_used_again)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	char key[96];
	unique_token("fix-and-retry", key, sizeof key);
	/* Refused (by the validation, or else by the database after the key was claimed). */
	json_object_set_new(body, "external_id", json_string("ref\xc2\x85-7"));
	struct http_response *refused = submit(world.partner.token, body, key);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	cr_assert_eq(referrals_stored(world.partner_organization), 0);
	/* Corrected, with the same key: created, not replayed nor refused. */
	json_object_set_new(body, "external_id", json_string("ref-7"));
	struct http_response *created = submit(world.partner.token, body, key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *replayed = http_header(created, "Idempotent-Replayed");
	cr_assert_null(replayed);
	cr_assert_eq(referrals_stored(world.partner_organization), 1);
	json_decref(body);

	/* Refused by the provider's rule on the youth's age, then corrected. */
	body = referral_body(world.provider, "family");
	json_t *youth = json_object_get(json_object_get(body, "participant"), "youth");
	char born[16];
	day_from_today("-25 years", born, sizeof born);
	json_object_set_new(youth, "birth_date", json_string(born));
	unique_token("fix-and-retry", key, sizeof key);
	refused = submit(world.partner.token, body, key);
	assert_error_names(refused, "participant.youth.birth_date");
	day_from_today("-15 years", born, sizeof born);
	json_object_set_new(youth, "birth_date", json_string(born));
	created = submit(world.partner.token, body, key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_eq(referrals_stored(world.partner_organization), 2);
	free(replayed);
	json_decref(body);
}
