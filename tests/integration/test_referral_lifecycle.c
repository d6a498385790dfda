/* A referral's whole path (API.md, Referrals): intake by a partner or by the provider's own
 * staff through every role to closing, and the answer-by day it is given. */
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

TestSuite(referral_lifecycle, .init = arena_open, .fini = arena_close);

Test(referral_lifecycle, whole_path_with_every_role)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char chosen_subject[96], subject[96];
	char *chosen = specialist_with(world.provider,
				       "\"kind\":\"peer\",\"languages\":[\"en\",\"es-MX\"],"
				       "\"counties\":[\"Multnomah\"],"
				       "\"lived_experience\":[\"substance_use\"]",
				       chosen_subject, sizeof chosen_subject);
	certify(chosen);
	/* Each of these fails one assignment check, so none is a match. */
	char *uncertified =
		specialist_with(world.provider, "\"kind\":\"peer\"", subject, sizeof subject);
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	free(create_certification(uncertified, "pending", issued, expires));
	char *inactive = specialist_with(world.provider, "\"kind\":\"peer\",\"active\":false",
					 subject, sizeof subject);
	certify(inactive);
	char *full = specialist_with(world.provider, "\"kind\":\"peer\",\"max_caseload\":0",
				     subject, sizeof subject);
	certify(full);
	char *family = specialist_with(world.provider, "\"kind\":\"family_peer\"", subject,
				       sizeof subject);
	certify(family);

	/* The partner submits. */
	json_t *body = referral_body(world.provider, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	struct http_response *created = submit(world.partner.token, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *id = strdup(member(created, "id"));
	char *location = http_header(created, "Location");
	char *expected_location = path_of("/v1/referrals", id, "");
	cr_assert_str_eq(location, expected_location);
	cr_assert_str_eq(member(created, "status"), "submitted", "%s", created->body);
	cr_assert_str_eq(member(created, "referring_organization_id"), world.partner_organization);
	cr_assert_str_eq(member(created, "provider_organization_id"), world.provider);
	cr_assert_str_eq(member(created, "external_id"),
			 json_string_value(json_object_get(body, "external_id")));
	cr_assert_str_eq(member(created, "service_type"), "peer");
	cr_assert_str_eq(member(created, "urgency"), "routine");
	cr_assert(json_is_true(json_object_get(created->json, "substance_use")));
	const char *const times[] = {"respond_by", "submitted_at", "created_at"};
	for (size_t i = 0; i < 3; i++) {
		const char *at = member(created, times[i]);
		cr_assert(at && strlen(at) == 20 && at[10] == 'T' && at[19] == 'Z',
			  "%s is not RFC 3339 in UTC: %s", times[i], created->body);
	}
	cr_assert(json_is_false(json_object_get(created->json, "overdue")), "%s", created->body);
	const char *notice = member(created, "redisclosure_notice");
	cr_assert(notice && strstr(notice, "42 CFR part 2"), "%s", created->body);
	assert_partner_view(created->json, created->body);

	/* The partner reads it back: its fields only. */
	struct http_response *partner_read = get_referral(id, world.partner.token);
	cr_assert_eq(partner_read->status, 200, "%s", partner_read->body);
	assert_partner_view(partner_read->json, partner_read->body);
	cr_assert_str_eq(member(partner_read, "redisclosure_notice"), notice);
	cr_assert_str_eq(member(partner_read, "status"), "submitted");

	/* The provider's supervisor reads all of it. */
	struct http_response *staff_read = get_referral(id, world.supervisor.token);
	cr_assert_eq(staff_read->status, 200, "%s", staff_read->body);
	const char *participant_id = member(staff_read, "participant_id");
	cr_assert(participant_id, "%s", staff_read->body);
	cr_assert_str_eq(member(staff_read, "reason"),
			 json_string_value(json_object_get(body, "reason")));
	cr_assert(json_equal(json_object_get(staff_read->json, "needs"),
			     json_object_get(body, "needs")),
		  "%s", staff_read->body);
	json_t *consent = json_object_get(staff_read->json, "consent");
	cr_assert(json_is_true(json_object_get(consent, "obtained")), "%s", staff_read->body);
	cr_assert(json_is_true(json_object_get(consent, "part2")), "%s", staff_read->body);
	cr_assert(json_is_null(json_object_get(staff_read->json, "assigned_specialist_id")), "%s",
		  staff_read->body);
	cr_assert_str_eq(member(staff_read, "redisclosure_notice"), notice);

	/* It accepts, finds the match and assigns. */
	move_expect(id, world.supervisor.token, "accepted", NULL, 200);
	struct http_response *matches = matches_ok(id, world.supervisor.token);
	json_t *items = json_object_get(matches->json, "items");
	cr_assert_eq(json_array_size(items), 1, "only the eligible specialist: %s", matches->body);
	json_t *match = json_array_get(items, 0);
	cr_assert_str_eq(json_string_value(json_object_get(match, "specialist_id")), chosen);
	cr_assert(json_is_integer(json_object_get(match, "score")), "%s", matches->body);
	cr_assert_eq(json_integer_value(json_object_get(match, "score")), 100, "%s", matches->body);
	json_t *expected_reasons = json_pack("[s, s, s, s]", "language", "county",
					     "lived_experience", "caseload_room");
	cr_assert(json_equal(json_object_get(match, "reasons"), expected_reasons), "%s",
		  matches->body);
	json_decref(expected_reasons);
	const char *const excluded[] = {uncertified, inactive, full, family};
	for (size_t i = 0; i < 4; i++)
		cr_assert_null(strstr(matches->body, excluded[i]), "%s is listed: %s", excluded[i],
			       matches->body);

	assignment_ok(id, world.supervisor.token, chosen);
	cr_assert_eq(caseload_of(chosen), 1);

	/* The specialist sees the referral and the participant. */
	char *specialist = token_for_subject("specialist", world.provider, chosen_subject);
	struct http_response *specialist_read = get_referral(id, specialist);
	cr_assert_eq(specialist_read->status, 200, "%s", specialist_read->body);
	cr_assert_str_eq(member(specialist_read, "assigned_specialist_id"), chosen);
	cr_assert_str_eq(member(specialist_read, "participant_id"), participant_id);
	cr_assert_str_eq(member(specialist_read, "redisclosure_notice"), notice);
	char listed[512];
	list_ids("/v1/referrals?", specialist, listed, sizeof listed);
	cr_assert_str_eq(listed, id);
	char *participant_path = path_of("/v1/participants", participant_id, "");
	struct http_response *participant = http_get(participant_path, specialist);
	cr_assert_eq(participant->status, 200, "%s", participant->body);
	cr_assert_str_eq(member(participant, "given_name"), "Rosa");

	/* A partner never reads the participant. */
	assert_status(http_get(participant_path, world.partner.token), 403,
		      "the partner reads them");

	/* The partner sees the status and the history: who moved it, never to whom it went. */
	struct http_response *partner_after = get_referral(id, world.partner.token);
	cr_assert_eq(partner_after->status, 200, "%s", partner_after->body);
	cr_assert_str_eq(member(partner_after, "status"), "assigned");
	cr_assert_eq(json_integer_value(json_object_get(partner_after->json, "version")), 3,
		     "submitted, accepted, assigned: %s", partner_after->body);
	cr_assert_str_eq(member(partner_after, "redisclosure_notice"), notice);
	/* Wherever it is returned: in the lists too. */
	const char *const readers[] = {world.partner.token, world.supervisor.token};
	for (size_t i = 0; i < 2; i++) {
		struct http_response *page = http_get("/v1/referrals", readers[i]);
		cr_assert_eq(page->status, 200, "%s", page->body);
		json_t *first = json_array_get(json_object_get(page->json, "items"), 0);
		cr_assert_str_eq(json_string_value(json_object_get(first, "id")), id);
		cr_assert_str_eq(json_string_value(json_object_get(first, "redisclosure_notice")),
				 notice, "%s", page->body);
	}
	char *etag = http_header(partner_after, "ETag");
	cr_assert_str_eq(etag, "\"3\"");
	free(etag);
	assert_partner_view(partner_after->json, partner_after->body);
	struct http_response *partner_history = history_of(id, world.partner.token);
	cr_assert_eq(partner_history->status, 200, "%s", partner_history->body);
	char moves[256];
	referral_moves(partner_history, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>accepted accepted>assigned", "%s",
			 partner_history->body);
	for (size_t i = 0; i < 3; i++) {
		json_t *event = event_at(partner_history, i);
		cr_assert(json_is_string(json_object_get(event, "at")), "%s",
			  partner_history->body);
		cr_assert(json_is_string(json_object_get(event, "actor")), "%s",
			  partner_history->body);
		cr_assert_null(json_object_get(event, "specialist_id"), "%s",
			       partner_history->body);
	}

	/* The staff's history says who. */
	struct http_response *staff_history = history_of(id, world.supervisor.token);
	cr_assert_eq(staff_history->status, 200, "%s", staff_history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff_history, 0), "actor")),
			 world.partner.subject, "%s", staff_history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff_history, 1), "actor")),
			 world.supervisor.subject, "%s", staff_history->body);
	cr_assert_str_eq(
		json_string_value(json_object_get(event_at(staff_history, 2), "specialist_id")),
		chosen, "%s", staff_history->body);

	free(participant_path);
	free(specialist);
	free(expected_location);
	free(location);
	free(id);
	json_decref(body);
	free(family);
	free(full);
	free(inactive);
	free(uncertified);
	free(chosen);
}

Test(referral_lifecycle, staff_intake_defaults_to_the_own_organization)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(NULL, "peer");
	struct http_response *created = submit(world.supervisor.token, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "provider_organization_id"), world.provider);
	cr_assert_str_eq(member(created, "referring_organization_id"), world.provider);
	cr_assert(member(created, "participant_id"), "the staff's view: %s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "redisclosure_notice")), "%s",
		  created->body);
	json_decref(body);
}

Test(referral_lifecycle, respond_by_counts_business_days_in_the_provider_zone)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	const char *const urgencies[] = {"routine", "urgent"};
	const char *const days[] = {"2", "1"};
	for (size_t i = 0; i < 2; i++) {
		json_t *body = referral_body(world.provider, "peer");
		json_object_set_new(body, "urgency", json_string(urgencies[i]));
		struct http_response *created = submit(world.partner.token, body, NULL);
		cr_assert_eq(created->status, 201, "%s", created->body);
		cr_assert_str_eq(member(created, "urgency"), urgencies[i]);
		/* The day: that many weekdays after today in the provider's zone; the time of
		 * day: the submission's, in that zone. */
		char *wrong = test_sql_text(
			"WITH t AS (SELECT (now() AT TIME ZONE '" ORGANIZATION_TIME_ZONE
			"')::date AS today),"
			" due AS (SELECT d::date AS day FROM t, generate_series(t.today + 1,"
			" t.today + 14, interval '1 day') d WHERE extract(isodow FROM d) < 6"
			" ORDER BY d OFFSET $3::int - 1 LIMIT 1)"
			" SELECT CASE WHEN ($1::timestamptz AT TIME ZONE '" ORGANIZATION_TIME_ZONE
			"')::date <> due.day THEN 'respond_by falls on ' || ($1::timestamptz AT "
			"TIME"
			" ZONE '" ORGANIZATION_TIME_ZONE "')::date || ', not ' || due.day"
			" WHEN ($1::timestamptz AT TIME ZONE '" ORGANIZATION_TIME_ZONE "')::time <>"
			" ($2::timestamptz AT TIME ZONE '" ORGANIZATION_TIME_ZONE "')::time"
			" THEN 'respond_by is not at the time of day of submitted_at' END FROM due",
			3,
			(const char *const[]){member(created, "respond_by"),
					      member(created, "submitted_at"), days[i]});
		cr_assert_null(wrong, "%s (%s): %s", wrong, urgencies[i], created->body);
		json_decref(body);
	}
}
