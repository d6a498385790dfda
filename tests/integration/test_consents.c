/* Consents (API.md "Consents"): made by the participant's supervisors, admins and assigned
 * specialist; every rule a 422 naming its field; never changed (405, and the database
 * refuses it); revoked once (409 after). Black-box over HTTP, with the database asked
 * directly only for what no route may do. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "requests.h"
#include "world.h"

TestSuite(consents, .init = arena_open, .fini = arena_close);

static const char *consents_of(const char *participant_id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/consents", participant_id);
	return arena_text(strdup(path));
}

static const char *consent_path(const char *id, const char *suffix)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/consents/%s%s", id, suffix);
	return arena_text(strdup(path));
}

/* A release of information to recipient (an organization id) and a named person. */
static char *release_body(const char *recipient)
{
	char body[512];
	snprintf(body, sizeof body,
		 "{\"kind\":\"release_of_information\",\"recipients\":[{\"organization_id\":"
		 "\"%s\"},{\"name\":\"Dr. Ada Lin, PCP\"}],\"purpose\":\"Coordination of care\","
		 "\"information\":[\"attendance\",\"goals\"],\"signed_on\":\"2026-01-05\","
		 "\"signed_by\":\"guardian\",\"expires_on\":\"2027-01-05\"}",
		 recipient);
	return arena_text(strdup(body));
}

static struct http_response *create_ok(const char *participant_id, const char *token,
				       const char *body)
{
	struct http_response *made = http_post(consents_of(participant_id), token, body);
	cr_assert_eq(made->status, 201, "%s", made->body);
	return made;
}

Test(consents, created_read_and_listed_as_written)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true, .referral = true});
	struct http_response *made =
		create_ok(w.participant, w.supervisor.token, release_body(w.partner_organization));
	const char *id = member(made, "id");
	char *location = http_header(made, "Location");
	cr_assert(location && strstr(location, id), "Location: %s", location);
	free(location);
	cr_expect_str_eq(member(made, "status"), "active");
	cr_expect_str_eq(member(made, "participant_id"), w.participant);
	cr_expect_str_eq(member(made, "organization_id"), w.provider);
	cr_expect_str_eq(member(made, "created_by"), w.supervisor.subject);
	json_t *recipients = json_object_get(made->json, "recipients");
	cr_assert_eq(json_array_size(recipients), 2);
	cr_expect_str_eq(member_of(json_array_get(recipients, 1), "name"), "Dr. Ada Lin, PCP");
	cr_expect(json_is_null(json_object_get(made->json, "revoked_on")));
	struct http_response *read = http_get(consent_path(id, ""), w.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_expect(json_equal(read->json, made->json), "%s\n%s", read->body, made->body);
	char *etag = http_header(read, "ETag");
	cr_expect(etag && strcmp(etag, "\"1\"") == 0, "ETag %s", etag);
	free(etag);
	struct http_response *list = http_get(consents_of(w.participant), w.supervisor.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	cr_expect_eq(json_array_size(json_object_get(list->json, "items")), 1, "%s", list->body);
	char filtered[256];
	snprintf(filtered, sizeof filtered, "%s?kind=part2", consents_of(w.participant));
	list = http_get(filtered, w.supervisor.token);
	cr_expect_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	snprintf(filtered, sizeof filtered, "%s?status=active", consents_of(w.participant));
	list = http_get(filtered, w.supervisor.token);
	cr_expect_eq(json_array_size(json_object_get(list->json, "items")), 1, "%s", list->body);
	cr_expect_eq(http_get(consent_path(id, ""), w.admin.token)->status, 200);
}

Test(consents, each_broken_rule_is_named_at_once)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true, .referral = true});
	char tomorrow[16], body[1024];
	organization_day_from_today(w.provider, "1 day", tomorrow, sizeof tomorrow);
	snprintf(body, sizeof body,
		 "{\"kind\":\"part2\",\"recipients\":[{\"name\":\"A\"},"
		 "{\"organization_id\":\"00000000-0000-4000-8000-000000000000\"},"
		 "{\"name\":\"B\",\"organization_id\":\"%s\"},{}],"
		 "\"purpose\":\"\",\"information\":[\"goals\",\"goals\"],\"signed_on\":\"%s\","
		 "\"signed_by\":\"friend\",\"expiry_event\":null,\"revoked_on\":\"2026-01-01\"}",
		 w.provider, tomorrow);
	const char *fields[] = {"recipients[1].organization_id",
				"recipients[2]",
				"recipients[3]",
				"purpose",
				"information[1]",
				"signed_on",
				"signed_by",
				"expires_on",
				"revoked_on"};
	assert_post_names_fields(consents_of(w.participant), w.supervisor.token, body, fields,
				 sizeof fields / sizeof *fields);
	assert_post_names_fields(
		consents_of(w.participant), w.supervisor.token,
		"{\"kind\":\"text_messages\",\"recipients\":[],\"purpose\":\"x\","
		"\"information\":[],\"signed_on\":\"2026-01-05\",\"signed_by\":\"participant\","
		"\"expires_on\":\"2026-01-05\",\"expiry_event\":\"\"}",
		(const char *[]){"recipients", "information", "expires_on", "expiry_event"}, 4);
	struct http_response *list = http_get(consents_of(w.participant), w.supervisor.token);
	cr_expect_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	/* A part2 consent may end by an event instead of a day. */
	create_ok(w.participant, w.supervisor.token,
		  "{\"kind\":\"part2\",\"recipients\":[{\"name\":\"County drug court\"}],"
		  "\"purpose\":\"Compliance reporting\",\"information\":[\"all\"],"
		  "\"signed_on\":\"2026-01-05\",\"signed_by\":\"personal_representative\","
		  "\"expiry_event\":\"Discharge from the program\"}");
}

Test(consents, never_changed_only_revoked_once)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true, .referral = true});
	const char *id = member(
		create_ok(w.participant, w.supervisor.token, release_body(w.partner_organization)),
		"id");
	struct http_response *patch =
		http_patch(consent_path(id, ""), w.supervisor.token, "{\"purpose\":\"x\"}", NULL);
	cr_assert_eq(patch->status, 405, "%s", patch->body);
	char *allow = http_header(patch, "Allow");
	cr_expect(allow && strstr(allow, "GET") && !strstr(allow, "PATCH"), "Allow: %s", allow);
	free(allow);
	char tomorrow[16], body[128];
	organization_day_from_today(w.provider, "1 day", tomorrow, sizeof tomorrow);
	snprintf(body, sizeof body, "{\"reason\":\"Changed mind\",\"revoked_on\":\"%s\"}",
		 tomorrow);
	assert_post_names_fields(consent_path(id, "/revoke"), w.supervisor.token, body,
				 (const char *[]){"revoked_on"}, 1);
	assert_post_names_fields(consent_path(id, "/revoke"), w.supervisor.token,
				 "{\"revoked_on\":\"2025-12-31\"}",
				 (const char *[]){"reason", "revoked_on"}, 2);
	struct http_response *revoked = http_post(consent_path(id, "/revoke"), w.supervisor.token,
						  "{\"reason\":\"Asked to stop sharing.\"}");
	cr_assert_eq(revoked->status, 200, "%s", revoked->body);
	char today[16];
	organization_day_from_today(w.provider, "0 days", today, sizeof today);
	cr_expect_str_eq(member(revoked, "status"), "revoked");
	cr_expect_str_eq(member(revoked, "revoked_on"), today);
	cr_expect_str_eq(member(revoked, "revocation_reason"), "Asked to stop sharing.");
	cr_expect_str_eq(member(revoked, "revoked_by"), w.supervisor.subject);
	cr_expect_eq(json_integer_value(json_object_get(revoked->json, "version")), 2);
	struct http_response *again =
		http_post(consent_path(id, "/revoke"), w.admin.token, "{\"reason\":\"Again.\"}");
	cr_expect_eq(again->status, 409, "%s", again->body);
	/* The database holds it against any writer but the one revocation. */
	database_refuses("UPDATE consents SET revoked_on = NULL, revocation_reason = NULL,"
			 " revoked_by = NULL, revoked_at = NULL WHERE id = $1",
			 1, (const char *[]){id}, "consents_revoked_once");
	database_refuses("DELETE FROM consents WHERE id = $1", 1, (const char *[]){id},
			 "consents_revoke_only");
}

Test(consents, database_refuses_an_edit_of_an_active_consent)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true, .referral = true});
	const char *id = member(
		create_ok(w.participant, w.supervisor.token, release_body(w.partner_organization)),
		"id");
	database_refuses("UPDATE consents SET purpose = 'Anything at all' WHERE id = $1", 1,
			 (const char *[]){id}, "consents_revoke_only");
	database_refuses("UPDATE consents SET revoked_on = signed_on, revocation_reason = 'r',"
			 " revoked_by = 's', revoked_at = now(), information = '{all}'"
			 " WHERE id = $1",
			 1, (const char *[]){id}, "consents_revoke_only");
	/* peerd's own role has no DELETE at all. */
	PGconn *db = test_service_connection(w.provider, "supervisor");
	PGresult *res = PQexecParams(db, "DELETE FROM consents WHERE id = $1", 1, NULL,
				     (const char *const[]){id}, NULL, NULL, 0);
	cr_expect_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
	PQclear(res);
	PQfinish(db);
}

Test(consents, who_may)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true, .referral = true});
	const char *body = release_body(w.partner_organization);
	/* The assigned specialist makes, reads and revokes. */
	const char *id = member(create_ok(w.participant, w.specialist.token, body), "id");
	cr_expect_eq(http_get(consent_path(id, ""), w.specialist.token)->status, 200);
	cr_expect_eq(http_get(consents_of(w.participant), w.specialist.token)->status, 200);
	/* A specialist not assigned to the person does not find them. */
	struct actor other;
	specialist_actor_open(&other, w.provider, true);
	cr_expect_eq(http_get(consent_path(id, ""), other.token)->status, 404);
	cr_expect_eq(http_get(consents_of(w.participant), other.token)->status, 404);
	cr_expect_eq(http_post(consents_of(w.participant), other.token, body)->status, 404);
	cr_expect_eq(
		http_post(consent_path(id, "/revoke"), other.token, "{\"reason\":\"x\"}")->status,
		404);
	/* Partner and reporter: never. */
	const char *roles[][2] = {{"partner", w.partner_organization}, {"reporter", w.provider}};
	for (size_t i = 0; i < 2; i++) {
		char *token = arena_text(token_for(roles[i][0], roles[i][1]));
		cr_expect_eq(http_get(consent_path(id, ""), token)->status, 403, "%s", roles[i][0]);
		cr_expect_eq(http_get(consents_of(w.participant), token)->status, 403);
		cr_expect_eq(http_post(consents_of(w.participant), token, body)->status, 403);
		cr_expect_eq(
			http_post(consent_path(id, "/revoke"), token, "{\"reason\":\"x\"}")->status,
			403);
	}
	/* Another organization's supervisor does not find it. */
	struct world elsewhere;
	world_build(&elsewhere, (struct world_options){0});
	const char *stranger = elsewhere.supervisor.token;
	cr_expect_eq(http_get(consent_path(id, ""), stranger)->status, 404);
	cr_expect_eq(http_get(consents_of(w.participant), stranger)->status, 404);
	cr_expect_eq(http_post(consents_of(w.participant), stranger, body)->status, 404);
	cr_expect_eq(http_post(consent_path(id, "/revoke"), stranger, "{\"reason\":\"x\"}")->status,
		     404);
	struct http_response *revoked = http_post(consent_path(id, "/revoke"), w.specialist.token,
						  "{\"reason\":\"Done.\"}");
	cr_expect_eq(revoked->status, 200, "%s", revoked->body);
	cr_expect(audit_events_by(w.specialist.subject, id, "create") == 1);
	cr_expect(audit_events_by(w.specialist.subject, id, "read") >= 1);
	cr_expect(audit_events_by(w.specialist.subject, id, "update") == 1);
}
