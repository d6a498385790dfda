/* Referrals (API.md, Referrals): intake by a partner or by the provider's own staff,
 * Idempotency-Key retries, the intake rules, the status graph, assignment and matching,
 * and who sees what. Every test makes its own organizations, specialists, external ids and
 * keys: the suite runs in parallel against one server and one database. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "fixtures.h"
#include "http.h"

/* The zone of the organizations create_organization makes (state OR). */

/* Members a partner never reads in a referral (API.md: status and history only). */
static const char *const STAFF_ONLY_MEMBERS[] = {
	"participant_id", "reason", "needs", "consent", "assigned_specialist_id", NULL,
};

/* prefix/id followed by suffix ("" for none). */
static char *path_of(const char *prefix, const char *id, const char *suffix)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/%s%s", prefix, id, suffix) > 0);
	return path;
}

static long long sql_count(const char *sql, int count, const char *const *params)
{
	char *text = test_sql_text(sql, count, params);
	cr_assert(text);
	long long value = atoll(text);
	free(text);
	return value;
}

/* The referrals and participants stored for an organization, on either side. */
static long long referrals_stored(const char *organization_id)
{
	return sql_count("SELECT count(*) FROM referrals WHERE provider_organization_id = $1"
			 " OR referring_organization_id = $1",
			 1, (const char *const[]){organization_id});
}

static long long participants_stored(const char *organization_id)
{
	return sql_count("SELECT count(*) FROM participants WHERE organization_id = $1", 1,
			 (const char *const[]){organization_id});
}

/* A provider, a partner that refers to it, and a supervisor and partner with tokens. */
struct world {
	char *provider_id;
	char *partner_id;
	char supervisor_subject[96];
	char partner_subject[96];
	char *supervisor;
	char *partner;
};

static void world_create(struct world *world)
{
	world->provider_id = create_organization("provider");
	world->partner_id = create_organization("partner");
	unique_name("supervisor", world->supervisor_subject, sizeof world->supervisor_subject);
	unique_name("partner", world->partner_subject, sizeof world->partner_subject);
	world->supervisor =
		token_for_subject("supervisor", world->provider_id, world->supervisor_subject);
	world->partner = token_for_subject("partner", world->partner_id, world->partner_subject);
}

static void world_free(struct world *world)
{
	free(world->provider_id);
	free(world->partner_id);
	free(world->supervisor);
	free(world->partner);
}

/* A valid referral to provider_id (NULL: none given) of service_type, with a unique
 * external_id; a family one carries a ten-year-old youth. The caller owns it. */
static json_t *referral_body(const char *provider_id, const char *service_type)
{
	char external_id[96], consent_day[16];
	unique_token("partner-ref", external_id, sizeof external_id);
	day_from_today("-3 days", consent_day, sizeof consent_day);
	json_t *body = json_pack(
		"{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[s, s], s:s, s:b,"
		" s:{s:b, s:s, s:b}, s:s}",
		"service_type", service_type, "participant", "given_name", "Rosa", "family_name",
		"Alvarez", "birth_date", "1988-03-14", "phone", "+1 503-555-0142", "email",
		"rosa@example.org", "county", "Multnomah", "preferred_language", "es", "reason",
		"Recently discharged; asked for a peer who has been there.", "needs", "emotional",
		"social", "urgency", "routine", "substance_use", 0, "consent", "obtained", 1,
		"obtained_on", consent_day, "part2", 0, "external_id", external_id);
	cr_assert(body);
	if (provider_id)
		json_object_set_new(body, "provider_organization_id", json_string(provider_id));
	if (strcmp(service_type, "family") == 0) {
		char born[16];
		day_from_today("-10 years", born, sizeof born);
		json_object_set_new(
			json_object_get(body, "participant"), "youth",
			json_pack("{s:s, s:s}", "given_name", "Mateo", "birth_date", born));
	}
	return body;
}

/* POSTs body as token, with an Idempotency-Key when key is not NULL. */
static struct http_response *submit(const char *token, const json_t *body, const char *key)
{
	return http_post_keyed("/v1/referrals", token, body, key);
}

/* Submits body and returns the new referral's id (the caller frees it). */
static char *submit_ok(const char *token, const json_t *body)
{
	struct http_response *created = submit(token, body, NULL);
	cr_assert_eq(created->status, 201, "submitting a referral: %s", created->body);
	char *id = strdup(member(created, "id"));
	http_response_free(created);
	return id;
}

static struct http_response *get_referral(const char *id, const char *token)
{
	char *path = path_of("/v1/referrals", id, "");
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

static struct http_response *history_of(const char *id, const char *token)
{
	char *path = path_of("/v1/referrals", id, "/history");
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

static struct http_response *matches_of(const char *id, const char *token)
{
	char *path = path_of("/v1/referrals", id, "/matches");
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

static struct http_response *transition(const char *id, const char *token, const char *to,
					const char *reason)
{
	char *path = path_of("/v1/referrals", id, "/transitions");
	json_t *body = reason ? json_pack("{s:s, s:s}", "to", to, "reason", reason)
			      : json_pack("{s:s}", "to", to);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	free(path);
	return response;
}

static void move_expect(const char *id, const char *token, const char *to, const char *reason,
			long status)
{
	struct http_response *response = transition(id, token, to, reason);
	cr_assert_eq(response->status, status, "moving to %s (reason %s): %s", to,
		     reason ? reason : "none", response->body);
	if (status == 200)
		cr_assert_str_eq(member(response, "status"), to, "%s", response->body);
	http_response_free(response);
}

static struct http_response *assign(const char *id, const char *token, const char *specialist_id)
{
	char *path = path_of("/v1/referrals", id, "/assignment");
	json_t *body = json_pack("{s:s}", "specialist_id", specialist_id);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	free(path);
	return response;
}

static void assign_ok(const char *id, const char *token, const char *specialist_id)
{
	struct http_response *response = assign(id, token, specialist_id);
	cr_assert_eq(response->status, 200, "assigning: %s", response->body);
	cr_assert_str_eq(member(response, "status"), "assigned", "%s", response->body);
	cr_assert_str_eq(member(response, "assigned_specialist_id"), specialist_id, "%s",
			 response->body);
	http_response_free(response);
}

/* Asserts a 409 whose detail says because. */
static void assign_refused(const char *id, const char *token, const char *specialist_id,
			   const char *because)
{
	struct http_response *response = assign(id, token, specialist_id);
	cr_assert_eq(response->status, 409, "assigning (expected: %s): %s", because,
		     response->body);
	const char *detail = member(response, "detail");
	cr_assert(detail && strstr(detail, because), "the detail should say \"%s\": %s", because,
		  response->body);
	http_response_free(response);
}

/* Creates a specialist of organization_id as an admin from fields (JSON members, at
 * least kind); writes the subject and returns the id (the caller frees it). */
static char *specialist_with(const char *organization_id, const char *fields, char *subject,
			     size_t size)
{
	unique_name("specialist", subject, size);
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"organization_id\":\"%s\",\"subject\":\"%s\",\"given_name\":\"Test\","
		 "\"family_name\":\"Peer\",%s}",
		 organization_id, subject, fields);
	char *admin = admin_token();
	struct http_response *created =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/specialists",
						 .token = admin,
						 .content_type = "application/json",
						 .body = body});
	cr_assert_eq(created->status, 201, "%s: %s", body, created->body);
	char *id = strdup(member(created, "id"));
	http_response_free(created);
	free(admin);
	return id;
}

/* Gives the specialist an active certification valid from a year ago to a year ahead. */
static void certify(const char *specialist_id)
{
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	free(create_certification(specialist_id, "active", issued, expires));
}

/* An active, certified specialist of kind with the default max_caseload (15). */
static char *eligible_specialist(const char *organization_id, const char *kind, char *subject,
				 size_t size)
{
	char fields[64];
	snprintf(fields, sizeof fields, "\"kind\":\"%s\"", kind);
	char *id = specialist_with(organization_id, fields, subject, size);
	certify(id);
	return id;
}

/* The specialist's computed caseload, read by an admin through GET /v1/specialists/{id}. */
static long long caseload_of(const char *specialist_id)
{
	char *path = path_of("/v1/specialists", specialist_id, "");
	char *admin = admin_token();
	struct http_response *read = http_get(path, admin);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *caseload = json_object_get(read->json, "caseload");
	cr_assert(json_is_integer(caseload), "%s", read->body);
	long long value = json_integer_value(caseload);
	http_response_free(read);
	free(admin);
	free(path);
	return value;
}

/* A referral of service_type from the world's partner, accepted by its supervisor. */
static char *accepted_referral(const struct world *world, const char *service_type)
{
	json_t *body = referral_body(world->provider_id, service_type);
	char *id = submit_ok(world->partner, body);
	json_decref(body);
	move_expect(id, world->supervisor, "accepted", NULL, 200);
	return id;
}

static void assert_status(struct http_response *response, long status, const char *what)
{
	cr_assert_eq(response->status, status, "%s: expected %ld: %s", what, status,
		     response->body);
	http_response_free(response);
}

/* Asserts that referral (a partner's view) carries none of the staff's members. */
static void assert_partner_view(const json_t *referral, const char *text)
{
	for (const char *const *key = STAFF_ONLY_MEMBERS; *key; key++)
		cr_assert_null(json_object_get(referral, *key), "a partner reads %s: %s", *key,
			       text);
	cr_assert(json_is_string(json_object_get(referral, "status")), "%s", text);
}

/* The status of the referral as its provider's supervisor reads it. */
static void assert_referral_status(const char *id, const char *token, const char *status)
{
	struct http_response *read = get_referral(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), status, "%s", read->body);
	http_response_free(read);
}

/* A history's events as "from>to" joined by spaces ("-" for no from). */
static void history_moves(const struct http_response *history, char *out, size_t size)
{
	out[0] = '\0';
	size_t index;
	json_t *event;
	json_array_foreach (json_object_get(history->json, "items"), index, event) {
		const char *from = json_string_value(json_object_get(event, "from"));
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s>%s", used ? " " : "", from ? from : "-",
			 json_string_value(json_object_get(event, "to")));
	}
}

static json_t *event_at(const struct http_response *history, size_t index)
{
	json_t *event = json_array_get(json_object_get(history->json, "items"), index);
	cr_assert(json_is_object(event), "no event %zu: %s", index, history->body);
	return event;
}

/* 1. The whole path, with each role */

Test(referrals, whole_path_with_every_role)
{
	struct world world;
	world_create(&world);
	char chosen_subject[96], subject[96];
	char *chosen = specialist_with(world.provider_id,
				       "\"kind\":\"peer\",\"languages\":[\"en\",\"es-MX\"],"
				       "\"counties\":[\"Multnomah\"],"
				       "\"lived_experience\":[\"substance_use\"]",
				       chosen_subject, sizeof chosen_subject);
	certify(chosen);
	/* Each of these fails one assignment check, so none is a match. */
	char *uncertified =
		specialist_with(world.provider_id, "\"kind\":\"peer\"", subject, sizeof subject);
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	free(create_certification(uncertified, "pending", issued, expires));
	char *inactive = specialist_with(world.provider_id, "\"kind\":\"peer\",\"active\":false",
					 subject, sizeof subject);
	certify(inactive);
	char *full = specialist_with(world.provider_id, "\"kind\":\"peer\",\"max_caseload\":0",
				     subject, sizeof subject);
	certify(full);
	char *family = specialist_with(world.provider_id, "\"kind\":\"family_peer\"", subject,
				       sizeof subject);
	certify(family);

	/* The partner submits. */
	json_t *body = referral_body(world.provider_id, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	struct http_response *created = submit(world.partner, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *id = strdup(member(created, "id"));
	char *location = http_header(created, "Location");
	char *expected_location = path_of("/v1/referrals", id, "");
	cr_assert_str_eq(location, expected_location);
	cr_assert_str_eq(member(created, "status"), "submitted", "%s", created->body);
	cr_assert_str_eq(member(created, "referring_organization_id"), world.partner_id);
	cr_assert_str_eq(member(created, "provider_organization_id"), world.provider_id);
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
	struct http_response *partner_read = get_referral(id, world.partner);
	cr_assert_eq(partner_read->status, 200, "%s", partner_read->body);
	assert_partner_view(partner_read->json, partner_read->body);
	cr_assert_str_eq(member(partner_read, "redisclosure_notice"), notice);
	cr_assert_str_eq(member(partner_read, "status"), "submitted");

	/* The provider's supervisor reads all of it. */
	struct http_response *staff_read = get_referral(id, world.supervisor);
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
	move_expect(id, world.supervisor, "accepted", NULL, 200);
	struct http_response *matches = matches_of(id, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
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

	assign_ok(id, world.supervisor, chosen);
	cr_assert_eq(caseload_of(chosen), 1);

	/* The specialist sees the referral and the participant. */
	char *specialist = token_for_subject("specialist", world.provider_id, chosen_subject);
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
	assert_status(http_get(participant_path, world.partner), 403, "the partner reads them");

	/* The partner sees the status and the history: who moved it, never to whom it went. */
	struct http_response *partner_after = get_referral(id, world.partner);
	cr_assert_eq(partner_after->status, 200, "%s", partner_after->body);
	cr_assert_str_eq(member(partner_after, "status"), "assigned");
	cr_assert_eq(json_integer_value(json_object_get(partner_after->json, "version")), 3,
		     "submitted, accepted, assigned: %s", partner_after->body);
	cr_assert_str_eq(member(partner_after, "redisclosure_notice"), notice);
	/* Wherever it is returned: in the lists too. */
	const char *const readers[] = {world.partner, world.supervisor};
	for (size_t i = 0; i < 2; i++) {
		struct http_response *page = http_get("/v1/referrals", readers[i]);
		cr_assert_eq(page->status, 200, "%s", page->body);
		json_t *first = json_array_get(json_object_get(page->json, "items"), 0);
		cr_assert_str_eq(json_string_value(json_object_get(first, "id")), id);
		cr_assert_str_eq(json_string_value(json_object_get(first, "redisclosure_notice")),
				 notice, "%s", page->body);
		http_response_free(page);
	}
	char *etag = http_header(partner_after, "ETag");
	cr_assert_str_eq(etag, "\"3\"");
	free(etag);
	assert_partner_view(partner_after->json, partner_after->body);
	struct http_response *partner_history = history_of(id, world.partner);
	cr_assert_eq(partner_history->status, 200, "%s", partner_history->body);
	char moves[256];
	history_moves(partner_history, moves, sizeof moves);
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
	struct http_response *staff_history = history_of(id, world.supervisor);
	cr_assert_eq(staff_history->status, 200, "%s", staff_history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff_history, 0), "actor")),
			 world.partner_subject, "%s", staff_history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff_history, 1), "actor")),
			 world.supervisor_subject, "%s", staff_history->body);
	cr_assert_str_eq(
		json_string_value(json_object_get(event_at(staff_history, 2), "specialist_id")),
		chosen, "%s", staff_history->body);

	http_response_free(staff_history);
	http_response_free(partner_history);
	http_response_free(partner_after);
	http_response_free(participant);
	free(participant_path);
	http_response_free(specialist_read);
	free(specialist);
	http_response_free(matches);
	http_response_free(staff_read);
	http_response_free(partner_read);
	free(expected_location);
	free(location);
	free(id);
	http_response_free(created);
	json_decref(body);
	free(family);
	free(full);
	free(inactive);
	free(uncertified);
	free(chosen);
	world_free(&world);
}

Test(referrals, staff_intake_defaults_to_the_own_organization)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(NULL, "peer");
	struct http_response *created = submit(world.supervisor, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "provider_organization_id"), world.provider_id);
	cr_assert_str_eq(member(created, "referring_organization_id"), world.provider_id);
	cr_assert(member(created, "participant_id"), "the staff's view: %s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "redisclosure_notice")), "%s",
		  created->body);
	http_response_free(created);
	json_decref(body);
	world_free(&world);
}

Test(referrals, respond_by_counts_business_days_in_the_provider_zone)
{
	struct world world;
	world_create(&world);
	const char *const urgencies[] = {"routine", "urgent"};
	const char *const days[] = {"2", "1"};
	for (size_t i = 0; i < 2; i++) {
		json_t *body = referral_body(world.provider_id, "peer");
		json_object_set_new(body, "urgency", json_string(urgencies[i]));
		struct http_response *created = submit(world.partner, body, NULL);
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
		http_response_free(created);
		json_decref(body);
	}
	world_free(&world);
}

/* 2. Idempotency-Key */

Test(referrals, same_key_and_body_replays_the_first_answer)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	const char *external_id = json_string_value(json_object_get(body, "external_id"));
	char key[96];
	unique_token("retry", key, sizeof key);
	struct http_response *first = submit(world.partner, body, key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	char *first_replayed = http_header(first, "Idempotent-Replayed");
	cr_assert_null(first_replayed, "the first answer is not a replay");
	char *first_location = http_header(first, "Location");
	cr_assert_eq(audit_events_by(world.partner_subject, member(first, "id"), "read"), 0);

	struct http_response *again = submit(world.partner, body, key);
	cr_assert_eq(again->status, 201, "%s", again->body);
	cr_assert_str_eq(member(again, "id"), member(first, "id"));
	cr_assert(json_equal(again->json, first->json), "%s\n%s", first->body, again->body);
	/* A replay discloses the referral again: the event a GET of it writes, by the caller. */
	cr_assert_eq(audit_events_by(world.partner_subject, member(first, "id"), "read"), 1,
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
						 .token = world.partner,
						 .content_type = "application/json",
						 .body = text,
						 .headers = {header}});
	cr_assert_eq(reordered->status, 201, "%s", reordered->body);
	cr_assert_str_eq(member(reordered, "id"), member(first, "id"));

	/* One referral, one participant. */
	char path[256], listed[512];
	snprintf(path, sizeof path, "/v1/referrals?external_id=%s", external_id);
	list_ids(path, world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, member(first, "id"));
	cr_assert_eq(referrals_stored(world.partner_id), 1);
	cr_assert_eq(participants_stored(world.provider_id), 1);

	/* Later the first answer is still what the key answers, even after the referral
	 * moved on. */
	move_expect(member(first, "id"), world.supervisor, "accepted", NULL, 200);
	struct http_response *later = submit(world.partner, body, key);
	cr_assert_eq(later->status, 201, "%s", later->body);
	cr_assert(json_equal(later->json, first->json), "%s", later->body);
	cr_assert_eq(referrals_stored(world.partner_id), 1);

	http_response_free(later);
	http_response_free(reordered);
	free(text);
	free(location);
	free(replayed);
	http_response_free(again);
	free(first_location);
	free(first_replayed);
	http_response_free(first);
	json_decref(body);
	world_free(&world);
}

Test(referrals, same_key_with_another_body_is_422)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char key[96];
	unique_token("retry", key, sizeof key);
	struct http_response *first = submit(world.partner, body, key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	json_object_set_new(body, "reason", json_string("Another person, another story."));
	struct http_response *other = submit(world.partner, body, key);
	assert_error_names(other, "Idempotency-Key");
	cr_assert_eq(referrals_stored(world.partner_id), 1);
	cr_assert_eq(participants_stored(world.provider_id), 1);
	http_response_free(other);
	http_response_free(first);
	json_decref(body);
	world_free(&world);
}

Test(referrals, keys_belong_to_their_caller)
{
	struct world world;
	world_create(&world);
	char *other_partner_id = create_organization("partner");
	char *other_partner = token_for("partner", other_partner_id);
	char colleague_subject[96];
	unique_name("supervisor", colleague_subject, sizeof colleague_subject);
	char *colleague = token_for_subject("supervisor", world.provider_id, colleague_subject);
	json_t *body = referral_body(world.provider_id, "peer");
	char key[96];
	unique_token("shared-key", key, sizeof key);
	struct http_response *mine = submit(world.partner, body, key);
	cr_assert_eq(mine->status, 201, "%s", mine->body);
	struct http_response *theirs = submit(other_partner, body, key);
	cr_assert_eq(theirs->status, 201, "%s", theirs->body);
	char *replayed = http_header(theirs, "Idempotent-Replayed");
	cr_assert_null(replayed, "another organization's key is not replayed: %s", theirs->body);
	cr_assert_str_neq(member(theirs, "id"), member(mine, "id"));
	cr_assert_str_eq(member(theirs, "referring_organization_id"), other_partner_id);
	/* The provider's own staff has its own scope too. */
	json_object_del(body, "external_id");
	struct http_response *staff = submit(world.supervisor, body, key);
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
	struct http_response *staff_again = submit(world.supervisor, body, key);
	cr_assert_eq(staff_again->status, 201, "%s", staff_again->body);
	cr_assert_str_eq(member(staff_again, "id"), member(staff, "id"));
	cr_assert_eq(referrals_stored(world.partner_id), 1);
	cr_assert_eq(referrals_stored(other_partner_id), 1);
	cr_assert_eq(participants_stored(world.provider_id), 4);
	http_response_free(staff_again);
	free(colleague_replayed);
	http_response_free(colleagues);
	http_response_free(staff);
	free(replayed);
	http_response_free(theirs);
	http_response_free(mine);
	json_decref(body);
	free(colleague);
	free(other_partner);
	free(other_partner_id);
	world_free(&world);
}

/* A key the database holds names its caller, and an answer the record it discloses. */
Test(referrals, the_database_keeps_keys_to_their_caller_and_answers_to_their_record)
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

Test(referrals, malformed_key_is_400)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char long_key[301], longest_key[256];
	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	const char *const malformed[] = {long_key, "caf\xc3\xa9-key", "tab\there"};
	for (size_t i = 0; i < 3; i++) {
		struct http_response *refused = submit(world.partner, body, malformed[i]);
		cr_assert_eq(refused->status, 400, "key %s: %s", malformed[i], refused->body);
		char *type = http_header(refused, "Content-Type");
		cr_assert_str_eq(type, "application/problem+json");
		free(type);
		http_response_free(refused);
	}
	cr_assert_eq(referrals_stored(world.partner_id), 0);
	cr_assert_eq(participants_stored(world.provider_id), 0);
	/* 255 printable characters are a key. */
	unique_token("k", longest_key, sizeof longest_key);
	size_t used = strlen(longest_key);
	memset(longest_key + used, 'x', sizeof longest_key - 1 - used);
	longest_key[sizeof longest_key - 1] = '\0';
	struct http_response *accepted = submit(world.partner, body, longest_key);
	cr_assert_eq(accepted->status, 201, "%s", accepted->body);
	http_response_free(accepted);
	json_decref(body);
	world_free(&world);
}

#define RACERS 20

Test(referrals, concurrent_retries_with_one_key_create_one_referral)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char *text = json_dumps(body, JSON_COMPACT);
	char key[96], header[160];
	unique_token("race", key, sizeof key);
	snprintf(header, sizeof header, "Idempotency-Key: %s", key);
	static struct background_request racers[RACERS];
	for (size_t i = 0; i < RACERS; i++)
		racers[i] =
			(struct background_request){.request = {.method = "POST",
								.path = "/v1/referrals",
								.token = world.partner,
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
		http_response_free(answer);
	}
	cr_log_info("%d answered 201, %d answered 409", created, in_flight);
	cr_assert_geq(created, 1, "%d created, %d in flight", created, in_flight);
	cr_assert_eq(referrals_stored(world.partner_id), 1);
	cr_assert_eq(participants_stored(world.provider_id), 1);
	/* Once settled, the key answers with that referral. */
	struct http_response *settled = submit(world.partner, body, key);
	cr_assert_eq(settled->status, 201, "%s", settled->body);
	cr_assert_str_eq(member(settled, "id"), id);
	http_response_free(settled);
	free(id);
	free(text);
	json_decref(body);
	world_free(&world);
}

Test(referrals, a_key_whose_request_failed_can_be_used_again)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char key[96];
	unique_token("fix-and-retry", key, sizeof key);
	/* Refused (by the validation, or else by the database after the key was claimed). */
	json_object_set_new(body, "external_id", json_string("ref\xc2\x85-7"));
	struct http_response *refused = submit(world.partner, body, key);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	http_response_free(refused);
	cr_assert_eq(referrals_stored(world.partner_id), 0);
	/* Corrected, with the same key: created, not replayed nor refused. */
	json_object_set_new(body, "external_id", json_string("ref-7"));
	struct http_response *created = submit(world.partner, body, key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *replayed = http_header(created, "Idempotent-Replayed");
	cr_assert_null(replayed);
	cr_assert_eq(referrals_stored(world.partner_id), 1);
	http_response_free(created);
	json_decref(body);

	/* Refused by the provider's rule on the youth's age, then corrected. */
	body = referral_body(world.provider_id, "family");
	json_t *youth = json_object_get(json_object_get(body, "participant"), "youth");
	char born[16];
	day_from_today("-25 years", born, sizeof born);
	json_object_set_new(youth, "birth_date", json_string(born));
	unique_token("fix-and-retry", key, sizeof key);
	refused = submit(world.partner, body, key);
	assert_error_names(refused, "participant.youth.birth_date");
	http_response_free(refused);
	day_from_today("-15 years", born, sizeof born);
	json_object_set_new(youth, "birth_date", json_string(born));
	created = submit(world.partner, body, key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_eq(referrals_stored(world.partner_id), 2);
	http_response_free(created);
	free(replayed);
	json_decref(body);
	world_free(&world);
}

/* 3. Intake rules */

struct refusal {
	const char *patch; /* merged into a valid body */
	const char *field;
};

Test(referrals, intake_refusals_name_the_field_and_store_nothing)
{
	struct world world;
	world_create(&world);
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
		json_t *body = referral_body(world.provider_id, "peer");
		json_t *patch = json_loads(refusals[i].patch, 0, NULL);
		cr_assert(patch, "%s", refusals[i].patch);
		cr_assert_eq(json_object_update_recursive(body, patch), 0);
		struct http_response *refused = submit(world.partner, body, NULL);
		assert_error_names(refused, refusals[i].field);
		http_response_free(refused);
		json_decref(patch);
		json_decref(body);
	}
	json_t *body = referral_body(world.provider_id, "peer");
	json_object_set_new(body, "reason", json_string(reason_4001));
	struct http_response *too_long = submit(world.partner, body, NULL);
	assert_error_names(too_long, "reason");
	http_response_free(too_long);
	json_decref(body);

	cr_assert_eq(referrals_stored(world.provider_id), 0);
	cr_assert_eq(referrals_stored(world.partner_id), 0);
	cr_assert_eq(participants_stored(world.provider_id), 0);
	world_free(&world);
}

Test(referrals, intake_boundaries_are_accepted)
{
	struct world world;
	world_create(&world);
	char reason_4000[4001];
	memset(reason_4000, 'r', 4000);
	reason_4000[4000] = '\0';
	json_t *body = referral_body(world.provider_id, "peer");
	json_object_set_new(body, "reason", json_string(reason_4000));
	json_object_set_new(body, "needs",
			    json_pack("[s, s, s, s, s, s, s, s]", "emotional", "financial",
				      "social", "spiritual", "occupational", "physical",
				      "intellectual", "environmental"));
	json_object_del(body, "urgency");
	struct http_response *created = submit(world.partner, body, NULL);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "urgency"), "routine", "the default: %s", created->body);
	struct http_response *read = get_referral(member(created, "id"), world.supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_eq(strlen(member(read, "reason")), 4000);
	cr_assert_eq(json_array_size(json_object_get(read->json, "needs")), 8, "%s", read->body);
	http_response_free(read);
	http_response_free(created);
	json_decref(body);
	world_free(&world);
}

Test(referrals, provider_must_be_a_provider_the_caller_may_refer_to)
{
	struct world world;
	world_create(&world);
	char *other_provider_id = create_organization("provider");
	char missing[] = "6b0f3c56-1f53-4a8e-9d7e-3f1c2b9a0d11";
	const char *const providers[] = {world.partner_id, missing, NULL};
	for (size_t i = 0; i < 3; i++) {
		json_t *body = referral_body(providers[i], "peer");
		struct http_response *refused = submit(world.partner, body, NULL);
		assert_error_names(refused, "provider_organization_id");
		http_response_free(refused);
		json_decref(body);
	}
	/* A supervisor records referrals for their own organization only. */
	json_t *body = referral_body(other_provider_id, "peer");
	struct http_response *elsewhere = submit(world.supervisor, body, NULL);
	assert_error_names(elsewhere, "provider_organization_id");
	http_response_free(elsewhere);
	json_decref(body);

	cr_assert_eq(referrals_stored(world.partner_id), 0);
	cr_assert_eq(referrals_stored(world.provider_id), 0);
	cr_assert_eq(referrals_stored(other_provider_id), 0);
	cr_assert_eq(participants_stored(world.provider_id), 0);
	cr_assert_eq(participants_stored(other_provider_id), 0);
	free(other_provider_id);
	world_free(&world);
}

Test(referrals, family_youth_must_be_younger_than_the_max_age)
{
	struct world world;
	world_create(&world);
	char turned_21_today[16], turns_21_tomorrow[16];
	day_from_today("-21 years", turned_21_today, sizeof turned_21_today);
	day_from_today("-21 years +1 day", turns_21_tomorrow, sizeof turns_21_tomorrow);

	json_t *body = referral_body(world.provider_id, "family");
	json_t *youth = json_object_get(json_object_get(body, "participant"), "youth");
	json_object_set_new(youth, "birth_date", json_string(turned_21_today));
	struct http_response *refused = submit(world.partner, body, NULL);
	assert_error_names(refused, "participant.youth.birth_date");
	http_response_free(refused);
	cr_assert_eq(referrals_stored(world.partner_id), 0);
	cr_assert_eq(participants_stored(world.provider_id), 0);

	json_object_set_new(youth, "birth_date", json_string(turns_21_tomorrow));
	struct http_response *created = submit(world.partner, body, NULL);
	cr_assert_eq(created->status, 201, "born %s: %s", turns_21_tomorrow, created->body);
	cr_assert_str_eq(member(created, "service_type"), "family");
	struct http_response *read = get_referral(member(created, "id"), world.supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	char *path = path_of("/v1/participants", member(read, "participant_id"), "");
	struct http_response *participant = http_get(path, world.supervisor);
	cr_assert_eq(participant->status, 200, "%s", participant->body);
	json_t *stored_youth = json_object_get(participant->json, "youth");
	cr_assert_str_eq(json_string_value(json_object_get(stored_youth, "birth_date")),
			 turns_21_tomorrow, "%s", participant->body);
	http_response_free(participant);
	free(path);
	http_response_free(read);
	http_response_free(created);
	json_decref(body);
	world_free(&world);
}

/* What the database would refuse must be refused with the field named, like every other
 * broken rule (API.md: "every broken field is listed"), and nothing stored. The C1
 * controls (U+0080..U+009F, here U+0085) pass the service's text checks but match
 * PostgreSQL's [[:cntrl:]] in the columns' CHECKs. */
Test(referrals, control_characters_are_named_not_left_to_the_database)
{
	struct world world;
	world_create(&world);
	const struct refusal refusals[] = {
		{"{\"participant\":{\"email\":\"rosa\\u0001@example.org\"}}", "participant.email"},
		{"{\"participant\":{\"email\":\"rosa\\u0085@example.org\"}}", "participant.email"},
		{"{\"participant\":{\"given_name\":\"Ro\\u0085sa\"}}", "participant.given_name"},
		{"{\"external_id\":\"ref\\u0085-7\"}", "external_id"},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		json_t *body = referral_body(world.provider_id, "peer");
		json_t *patch = json_loads(refusals[i].patch, 0, NULL);
		cr_assert(patch, "%s", refusals[i].patch);
		cr_assert_eq(json_object_update_recursive(body, patch), 0);
		struct http_response *refused = submit(world.partner, body, NULL);
		cr_expect_eq(refused->status, 422, "%s: %s", refusals[i].patch, refused->body);
		bool named = false;
		size_t index;
		json_t *error;
		json_array_foreach (json_object_get(refused->json, "errors"), index, error) {
			const char *field = json_string_value(json_object_get(error, "field"));
			named |= field && strcmp(field, refusals[i].field) == 0;
		}
		cr_expect(named, "%s is not named: %s", refusals[i].field, refused->body);
		http_response_free(refused);
		json_decref(patch);
		json_decref(body);
	}
	cr_assert_eq(referrals_stored(world.partner_id), 0);
	cr_assert_eq(participants_stored(world.provider_id), 0);
	world_free(&world);
}

/* 4. Transitions */

Test(referrals, partner_withdraws_but_never_decides)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char *id = submit_ok(world.partner, body);
	move_expect(id, world.partner, "accepted", NULL, 403);
	move_expect(id, world.partner, "declined", "Not for us", 403);
	move_expect(id, world.partner, "closed", "Done", 403);
	/* Withdrawing is the partner's (and an admin's), not a supervisor's. */
	move_expect(id, world.supervisor, "withdrawn", "The family moved", 403);
	struct http_response *no_reason = transition(id, world.partner, "withdrawn", NULL);
	assert_error_names(no_reason, "reason");
	http_response_free(no_reason);
	assert_referral_status(id, world.supervisor, "submitted");

	struct http_response *withdrawn =
		transition(id, world.partner, "withdrawn", "The family moved out of state");
	cr_assert_eq(withdrawn->status, 200, "%s", withdrawn->body);
	cr_assert_str_eq(member(withdrawn, "status"), "withdrawn");
	assert_partner_view(withdrawn->json, withdrawn->body);
	http_response_free(withdrawn);

	/* Withdrawn is final. */
	const char *const every[] = {"submitted", "accepted",  "declined",  "assigned",
				     "engaged",	  "completed", "withdrawn", "closed"};
	for (size_t i = 0; i < 8; i++) {
		move_expect(id, world.supervisor, every[i], "Trying anyway", 409);
		move_expect(id, world.partner, every[i], "Trying anyway", 409);
	}
	assert_referral_status(id, world.supervisor, "withdrawn");

	struct http_response *history = history_of(id, world.partner);
	cr_assert_eq(history->status, 200, "%s", history->body);
	char moves[128];
	history_moves(history, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>withdrawn");
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 1), "reason")),
			 "The family moved out of state", "%s", history->body);
	http_response_free(history);
	free(id);
	json_decref(body);
	world_free(&world);
}

Test(referrals, decline_and_reopen_need_a_reason)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char *id = submit_ok(world.partner, body);
	struct http_response *no_reason = transition(id, world.supervisor, "declined", NULL);
	assert_error_names(no_reason, "reason");
	http_response_free(no_reason);
	no_reason = transition(id, world.supervisor, "declined", "");
	assert_error_names(no_reason, "reason");
	http_response_free(no_reason);
	move_expect(id, world.supervisor, "declined", "Outside our counties", 200);
	/* Declined is final for the partner: nothing to withdraw. */
	move_expect(id, world.partner, "withdrawn", "Never mind", 409);
	no_reason = transition(id, world.supervisor, "accepted", NULL);
	assert_error_names(no_reason, "reason");
	http_response_free(no_reason);
	assert_referral_status(id, world.supervisor, "declined");
	move_expect(id, world.supervisor, "accepted", "A specialist now covers the county", 200);

	struct http_response *history = history_of(id, world.supervisor);
	cr_assert_eq(history->status, 200, "%s", history->body);
	char moves[128];
	history_moves(history, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>declined declined>accepted");
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 1), "reason")),
			 "Outside our counties");
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 2), "reason")),
			 "A specialist now covers the county");
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 2), "actor")),
			 world.supervisor_subject);
	http_response_free(history);
	/* The referrer learns why it was declined. */
	struct http_response *partner_history = history_of(id, world.partner);
	cr_assert_eq(partner_history->status, 200, "%s", partner_history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(partner_history, 1), "reason")),
			 "Outside our counties", "%s", partner_history->body);
	http_response_free(partner_history);
	free(id);
	json_decref(body);
	world_free(&world);
}

Test(referrals, moves_the_graph_lacks_are_409)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char *id = submit_ok(world.partner, body);
	move_expect(id, world.supervisor, "assigned", NULL, 409);
	move_expect(id, world.supervisor, "engaged", NULL, 409);
	move_expect(id, world.supervisor, "completed", NULL, 409);
	move_expect(id, world.supervisor, "submitted", NULL, 409);
	struct http_response *unknown = transition(id, world.supervisor, "archived", NULL);
	assert_error_names(unknown, "to");
	http_response_free(unknown);

	move_expect(id, world.supervisor, "accepted", NULL, 200);
	move_expect(id, world.supervisor, "accepted", NULL, 409);
	struct http_response *by_transition = transition(id, world.supervisor, "assigned", NULL);
	cr_assert_eq(by_transition->status, 409, "%s", by_transition->body);
	cr_assert(strstr(member(by_transition, "detail"), "assignment"), "%s", by_transition->body);
	http_response_free(by_transition);
	move_expect(id, world.supervisor, "engaged", NULL, 409);
	move_expect(id, world.supervisor, "completed", NULL, 409);
	move_expect(id, world.supervisor, "declined", "Too late to decline", 409);
	struct http_response *no_reason = transition(id, world.supervisor, "closed", NULL);
	assert_error_names(no_reason, "reason");
	http_response_free(no_reason);
	move_expect(id, world.supervisor, "closed", "The person could not be reached", 200);
	move_expect(id, world.supervisor, "completed", NULL, 409);
	move_expect(id, world.partner, "withdrawn", "Never mind", 409);
	assert_referral_status(id, world.supervisor, "closed");
	struct http_response *history = history_of(id, world.supervisor);
	char moves[160];
	history_moves(history, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>accepted accepted>closed", "%s",
			 history->body);
	http_response_free(history);
	free(id);
	json_decref(body);
	world_free(&world);
}

Test(referrals, reopening_a_closed_referral_drops_its_specialist)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *specialist = token_for_subject("specialist", world.provider_id, subject);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	assert_referral_status(id, specialist, "assigned");

	move_expect(id, world.supervisor, "closed", "Stopped answering", 200);
	cr_assert_eq(caseload_of(specialist_id), 0);
	struct http_response *reopened =
		transition(id, world.supervisor, "accepted", "Called back and wants support");
	cr_assert_eq(reopened->status, 200, "%s", reopened->body);
	cr_assert_str_eq(member(reopened, "status"), "accepted");
	cr_assert(json_is_null(json_object_get(reopened->json, "assigned_specialist_id")), "%s",
		  reopened->body);
	http_response_free(reopened);
	cr_assert_eq(caseload_of(specialist_id), 0);
	/* No longer theirs. */
	assert_status(get_referral(id, specialist), 404, "the former specialist reads it");
	/* It starts over: assignable again. */
	assign_ok(id, world.supervisor, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(id);
	free(specialist);
	free(specialist_id);
	world_free(&world);
}

Test(referrals, withdrawing_an_assigned_referral_frees_the_caseload)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	move_expect(id, world.partner, "withdrawn", "Found another program", 200);
	cr_assert_eq(caseload_of(specialist_id), 0);
	free(id);
	free(specialist_id);
	world_free(&world);
}

Test(referrals, specialist_and_reporter_are_refused_by_role)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *specialist = token_for_subject("specialist", world.provider_id, subject);
	char *reporter = token_for("reporter", world.provider_id);
	char *partner_reporter = token_for("reporter", world.partner_id);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, specialist_id);
	json_t *body = referral_body(world.provider_id, "peer");

	/* The specialist reads the referral assigned to them, and does nothing else with it. */
	assert_referral_status(id, specialist, "assigned");
	assert_status(transition(id, specialist, "closed", "Done"), 403, "specialist moves");
	assert_status(transition(id, specialist, "withdrawn", "Done"), 403, "specialist withdraws");
	assert_status(assign(id, specialist, specialist_id), 403, "specialist assigns");
	assert_status(matches_of(id, specialist), 403, "specialist matches");
	assert_status(submit(specialist, body, NULL), 403, "specialist submits");

	/* A partner neither assigns nor ranks. */
	assert_status(assign(id, world.partner, specialist_id), 403, "partner assigns");
	assert_status(matches_of(id, world.partner), 403, "partner matches");

	const char *const reporters[] = {reporter, partner_reporter};
	for (size_t i = 0; i < 2; i++) {
		assert_status(http_get("/v1/referrals", reporters[i]), 403, "reporter lists");
		assert_status(get_referral(id, reporters[i]), 403, "reporter reads");
		assert_status(history_of(id, reporters[i]), 403, "reporter reads the history");
		assert_status(matches_of(id, reporters[i]), 403, "reporter matches");
		assert_status(transition(id, reporters[i], "closed", "Done"), 403,
			      "reporter moves");
		assert_status(assign(id, reporters[i], specialist_id), 403, "reporter assigns");
		assert_status(submit(reporters[i], body, NULL), 403, "reporter submits");
	}
	assert_referral_status(id, world.supervisor, "assigned");
	cr_assert_eq(referrals_stored(world.provider_id), 1);
	json_decref(body);
	free(id);
	free(partner_reporter);
	free(reporter);
	free(specialist);
	free(specialist_id);
	world_free(&world);
}

/* 5. Assignment */

Test(referrals, assignment_names_the_failing_check)
{
	struct world world;
	world_create(&world);
	char *other_provider_id = create_organization("provider");
	char subject[96], issued[16], expires[16], long_ago[16], yesterday[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from_today("-3 years", long_ago, sizeof long_ago);
	day_from_today("-1 day", yesterday, sizeof yesterday);
	char *inactive = specialist_with(world.provider_id, "\"kind\":\"peer\",\"active\":false",
					 subject, sizeof subject);
	certify(inactive);
	char *pending =
		specialist_with(world.provider_id, "\"kind\":\"peer\"", subject, sizeof subject);
	free(create_certification(pending, "pending", issued, expires));
	char *expired =
		specialist_with(world.provider_id, "\"kind\":\"peer\"", subject, sizeof subject);
	free(create_certification(expired, "active", long_ago, yesterday));
	char *family_peer =
		eligible_specialist(world.provider_id, "family_peer", subject, sizeof subject);
	char *full = specialist_with(world.provider_id, "\"kind\":\"peer\",\"max_caseload\":0",
				     subject, sizeof subject);
	certify(full);
	char *elsewhere = eligible_specialist(other_provider_id, "peer", subject, sizeof subject);

	char *id = accepted_referral(&world, "peer");
	assign_refused(id, world.supervisor, inactive, "not active");
	assign_refused(id, world.supervisor, pending, "not certified today");
	assign_refused(id, world.supervisor, expired, "not certified today");
	assign_refused(id, world.supervisor, family_peer,
		       "a family_peer specialist, and peer support needs a peer");
	assign_refused(id, world.supervisor, full, "caseload full (0 of 0)");
	assign_refused(id, world.supervisor, elsewhere,
		       "does not work for the provider organization");
	assign_refused(id, world.supervisor, "2f7d9c1e-5b8a-4c3d-9e6f-1a2b3c4d5e6f",
		       "does not work for the provider organization");
	struct http_response *malformed = assign(id, world.supervisor, "someone");
	assert_error_names(malformed, "specialist_id");
	http_response_free(malformed);

	/* Nothing moved. */
	assert_referral_status(id, world.supervisor, "accepted");
	struct http_response *history = history_of(id, world.supervisor);
	char moves[128];
	history_moves(history, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>accepted", "%s", history->body);
	http_response_free(history);
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
	world_free(&world);
}

Test(referrals, family_referral_needs_a_family_peer)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *peer = eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *family_peer = specialist_with(
		world.provider_id,
		"\"kind\":\"family_peer\",\"lived_experience\":[\"caregiver\"],"
		"\"languages\":[\"es\"],\"counties\":[\"Lane\"],\"max_caseload\":10",
		subject, sizeof subject);
	certify(family_peer);
	char *id = accepted_referral(&world, "family");
	struct http_response *matches = matches_of(id, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
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
	http_response_free(matches);

	assign_refused(id, world.supervisor, peer,
		       "a peer specialist, and family support needs a family_peer");
	assign_ok(id, world.supervisor, family_peer);
	free(id);
	free(family_peer);
	free(peer);
	world_free(&world);
}

Test(referrals, full_caseload_refuses_the_next_assignment)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id = specialist_with(
		world.provider_id, "\"kind\":\"peer\",\"max_caseload\":1", subject, sizeof subject);
	certify(specialist_id);
	char *first = accepted_referral(&world, "peer");
	char *second = accepted_referral(&world, "peer");
	struct http_response *matches = matches_of(second, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	cr_assert(strstr(matches->body, specialist_id), "has room: %s", matches->body);
	http_response_free(matches);
	assign_ok(first, world.supervisor, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	assign_refused(second, world.supervisor, specialist_id, "caseload full (1 of 1)");
	matches = matches_of(second, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	cr_assert_eq(json_array_size(json_object_get(matches->json, "items")), 0,
		     "a full caseload is no match: %s", matches->body);
	http_response_free(matches);
	assert_referral_status(second, world.supervisor, "accepted");
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(second);
	free(first);
	free(specialist_id);
	world_free(&world);
}

Test(referrals, concurrent_assignments_never_overfill_a_caseload)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id = specialist_with(
		world.provider_id, "\"kind\":\"peer\",\"max_caseload\":1", subject, sizeof subject);
	certify(specialist_id);
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
								.token = world.supervisor,
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
		http_response_free(answer);
		free(paths[i]);
		free(ids[i]);
	}
	cr_assert_eq(assigned, 1);
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(specialist_id);
	world_free(&world);
}

Test(referrals, assignment_needs_an_accepted_referral)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	json_t *body = referral_body(world.provider_id, "peer");
	char *id = submit_ok(world.partner, body);
	assign_refused(id, world.supervisor, specialist_id, "this one is submitted");
	move_expect(id, world.supervisor, "declined", "No capacity", 200);
	assign_refused(id, world.supervisor, specialist_id, "this one is declined");
	assert_referral_status(id, world.supervisor, "declined");
	cr_assert_eq(caseload_of(specialist_id), 0);
	free(id);
	json_decref(body);
	free(specialist_id);
	world_free(&world);
}

Test(referrals, reassignment_moves_the_caseload_and_is_recorded)
{
	struct world world;
	world_create(&world);
	char first_subject[96], second_subject[96];
	char *first =
		eligible_specialist(world.provider_id, "peer", first_subject, sizeof first_subject);
	char *second = eligible_specialist(world.provider_id, "peer", second_subject,
					   sizeof second_subject);
	char *first_token = token_for_subject("specialist", world.provider_id, first_subject);
	char *second_token = token_for_subject("specialist", world.provider_id, second_subject);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, first);
	assign_refused(id, world.supervisor, first, "already assigned to this specialist");
	/* The one on it is not offered again; the other is. */
	struct http_response *matches = matches_of(id, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	cr_assert_null(strstr(matches->body, first), "%s", matches->body);
	cr_assert(strstr(matches->body, second), "%s", matches->body);
	http_response_free(matches);

	struct http_response *reassigned = assign(id, world.supervisor, second);
	cr_assert_eq(reassigned->status, 200, "%s", reassigned->body);
	cr_assert_str_eq(member(reassigned, "status"), "assigned");
	cr_assert_str_eq(member(reassigned, "assigned_specialist_id"), second);
	http_response_free(reassigned);
	cr_assert_eq(caseload_of(first), 0);
	cr_assert_eq(caseload_of(second), 1);
	assert_status(get_referral(id, first_token), 404, "the former specialist reads it");
	assert_referral_status(id, second_token, "assigned");

	struct http_response *history = history_of(id, world.supervisor);
	cr_assert_eq(history->status, 200, "%s", history->body);
	char moves[160];
	history_moves(history, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>assigned", "%s",
			 history->body);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 2), "specialist_id")),
			 first);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 3), "specialist_id")),
			 second);
	cr_assert_str_eq(json_string_value(json_object_get(event_at(history, 3), "actor")),
			 world.supervisor_subject);
	http_response_free(history);
	free(id);
	free(second_token);
	free(first_token);
	free(second);
	free(first);
	world_free(&world);
}

Test(referrals, matches_are_ranked_by_score_then_caseload)
{
	struct world world;
	world_create(&world);
	char subject[96];
	/* Language and county (in other letter case), room: 40 + 25 + 15. */
	char *best = specialist_with(world.provider_id,
				     "\"kind\":\"peer\",\"languages\":[\"ES\"],"
				     "\"counties\":[\"MULTNOMAH\"]",
				     subject, sizeof subject);
	certify(best);
	/* County and room: 25 + 15. */
	char *county = specialist_with(world.provider_id,
				       "\"kind\":\"peer\",\"languages\":[\"en\"],"
				       "\"counties\":[\"Multnomah\",\"Lane\"]",
				       subject, sizeof subject);
	certify(county);
	/* Room only: 15; and room with one of 15 taken: 15 * 14 / 15 = 14. */
	char *idle = eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *busy = eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *other = accepted_referral(&world, "peer");
	assign_ok(other, world.supervisor, busy);
	/* Language and room: 40 + 15 * 30 / 30; lived experience counts only for substance
	 * use or family support. */
	char *experienced = specialist_with(world.provider_id,
					    "\"kind\":\"peer\",\"languages\":[\"es-MX\"],"
					    "\"lived_experience\":[\"co_occurring\"],"
					    "\"max_caseload\":30",
					    subject, sizeof subject);
	certify(experienced);

	char *id = accepted_referral(&world, "peer");
	struct http_response *matches = matches_of(id, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
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
	http_response_free(matches);

	char *path = path_of("/v1/referrals", id, "/matches?limit=2");
	matches = http_get(path, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	items = json_object_get(matches->json, "items");
	cr_assert_eq(json_array_size(items), 2, "%s", matches->body);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_array_get(items, 1), "specialist_id")),
		experienced);

	/* With substance use, the lived experience counts: 40 + 20 + 15. */
	json_t *body = referral_body(world.provider_id, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	char *substance = submit_ok(world.partner, body);
	http_response_free(matches);
	matches = matches_of(substance, world.supervisor);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	items = json_object_get(matches->json, "items");
	json_t *second = json_array_get(items, 1);
	cr_assert_str_eq(json_string_value(json_object_get(second, "specialist_id")), experienced,
			 "%s", matches->body);
	cr_assert_eq(json_integer_value(json_object_get(second, "score")), 75, "%s", matches->body);
	http_response_free(matches);
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
	world_free(&world);
}

/* 6. Visibility */

Test(referrals, other_organizations_and_unassigned_specialists_get_404)
{
	struct world world;
	world_create(&world);
	char *other_partner_id = create_organization("partner");
	char *other_provider_id = create_organization("provider");
	char *other_partner = token_for("partner", other_partner_id);
	char *other_supervisor = token_for("supervisor", other_provider_id);
	char subject[96], idle_subject[96], far_subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	char *idle_id =
		eligible_specialist(world.provider_id, "peer", idle_subject, sizeof idle_subject);
	char *far_id =
		eligible_specialist(other_provider_id, "peer", far_subject, sizeof far_subject);
	char *idle = token_for_subject("specialist", world.provider_id, idle_subject);
	/* The same subject in the wrong organization's token is nobody peerd knows. */
	char *misplaced = token_for_subject("specialist", other_provider_id, subject);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, specialist_id);
	struct http_response *read = get_referral(id, world.supervisor);
	char *participant_path = path_of("/v1/participants", member(read, "participant_id"), "");
	http_response_free(read);

	/* No profile has that subject in that organization: refused before anything is read. */
	assert_status(get_referral(id, misplaced), 403, "a misplaced specialist reads it");
	assert_status(history_of(id, misplaced), 403, "a misplaced specialist reads its history");
	const char *const strangers[] = {other_partner, other_supervisor, idle};
	for (size_t i = 0; i < 3; i++) {
		assert_status(get_referral(id, strangers[i]), 404, "a stranger reads it");
		assert_status(history_of(id, strangers[i]), 404, "a stranger reads its history");
		char listed[512];
		list_ids("/v1/referrals?", strangers[i], listed, sizeof listed);
		cr_assert_null(strstr(listed, id), "a stranger lists it");
	}
	assert_status(transition(id, other_partner, "withdrawn", "Not ours"), 404,
		      "another partner withdraws it");
	assert_status(transition(id, other_supervisor, "closed", "Not ours"), 404,
		      "another provider closes it");
	assert_status(assign(id, other_supervisor, far_id), 404, "another provider assigns it");
	assert_status(matches_of(id, other_supervisor), 404, "another provider ranks for it");
	assert_status(http_get(participant_path, idle), 404,
		      "an unassigned specialist reads the"
		      " participant");
	assert_status(http_get(participant_path, other_supervisor), 404,
		      "another provider reads the participant");
	assert_status(get_referral("0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c", world.supervisor), 404,
		      "no such referral");

	assert_referral_status(id, world.supervisor, "assigned");
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(participant_path);
	free(id);
	free(misplaced);
	free(idle);
	free(far_id);
	free(idle_id);
	free(specialist_id);
	free(other_supervisor);
	free(other_partner);
	free(other_provider_id);
	free(other_partner_id);
	world_free(&world);
}

Test(referrals, partner_lists_only_its_own)
{
	struct world world;
	world_create(&world);
	char *other_partner_id = create_organization("partner");
	char *other_partner = token_for("partner", other_partner_id);
	json_t *body = referral_body(world.provider_id, "peer");
	char *first = submit_ok(world.partner, body);
	char *theirs = submit_ok(other_partner, body);
	char *second = submit_ok(world.partner, body);

	char listed[512], expected[512];
	list_ids("/v1/referrals?limit=1", world.partner, listed, sizeof listed);
	join_ids((const char *const[]){second, first}, 2, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids("/v1/referrals?", other_partner, listed, sizeof listed);
	cr_assert_str_eq(listed, theirs);
	char path[256];
	snprintf(path, sizeof path, "/v1/referrals?referring_organization_id=%s", other_partner_id);
	list_ids(path, world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "a filter never widens a partner's view");
	list_ids("/v1/referrals?", world.supervisor, listed, sizeof listed);
	join_ids((const char *const[]){second, theirs, first}, 3, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids(path, world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, theirs);

	/* The partner's list shows the partner's view. */
	struct http_response *page = http_get("/v1/referrals", world.partner);
	cr_assert_eq(page->status, 200, "%s", page->body);
	size_t index;
	json_t *item;
	json_array_foreach (json_object_get(page->json, "items"), index, item)
		assert_partner_view(item, page->body);
	http_response_free(page);
	free(second);
	free(theirs);
	free(first);
	json_decref(body);
	free(other_partner);
	free(other_partner_id);
	world_free(&world);
}

static bool overdue_of(const char *id, const char *token)
{
	struct http_response *read = get_referral(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *overdue = json_object_get(read->json, "overdue");
	cr_assert(json_is_boolean(overdue), "%s", read->body);
	bool value = json_is_true(overdue);
	http_response_free(read);
	return value;
}

Test(referrals, overdue_until_answered)
{
	struct world world;
	world_create(&world);
	json_t *body = referral_body(world.provider_id, "peer");
	char *late = submit_ok(world.partner, body);
	char *on_time = submit_ok(world.partner, body);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE referrals SET respond_by = now() - interval '1 hour' WHERE id = '%s'",
		 late);
	PGconn *db = test_db_connect();
	exec_ok(db, sql);
	PQfinish(db);

	cr_assert(overdue_of(late, world.partner));
	cr_assert(overdue_of(late, world.supervisor));
	cr_assert_not(overdue_of(on_time, world.partner));
	char listed[512];
	list_ids("/v1/referrals?overdue=true", world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, late);
	list_ids("/v1/referrals?overdue=false", world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, on_time);
	list_ids("/v1/referrals?overdue=true", world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, late);

	struct http_response *accepted = transition(late, world.supervisor, "accepted", NULL);
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	cr_assert(json_is_false(json_object_get(accepted->json, "overdue")), "%s", accepted->body);
	http_response_free(accepted);
	cr_assert_not(overdue_of(late, world.partner));
	list_ids("/v1/referrals?overdue=true", world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, "");
	list_ids("/v1/referrals?overdue=true", world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, "");
	free(on_time);
	free(late);
	json_decref(body);
	world_free(&world);
}

/* 7. List parameters */

Test(referrals, bad_list_parameters_are_400)
{
	struct world world;
	world_create(&world);
	const char *const paths[] = {
		"/v1/referrals?status=foo",
		"/v1/referrals?overdue=maybe",
		"/v1/referrals?colour=red",
		"/v1/referrals?urgency=soon",
		"/v1/referrals?service_type=group",
		"/v1/referrals?assigned_specialist_id=42",
		"/v1/referrals?limit=0",
		"/v1/referrals?limit=201",
		"/v1/referrals?cursor=not-a-cursor",
	};
	const char *const tokens[] = {world.supervisor, world.partner};
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
			struct http_response *refused = http_get(paths[i], tokens[t]);
			cr_assert_eq(refused->status, 400, "%s: %s", paths[i], refused->body);
			char *type = http_header(refused, "Content-Type");
			cr_assert_str_eq(type, "application/problem+json", "%s", paths[i]);
			free(type);
			http_response_free(refused);
		}
	}
	/* The partner view never says who took a referral, so no filter may either. */
	struct http_response *by_specialist = http_get(
		"/v1/referrals?assigned_specialist_id=0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c",
		world.partner);
	cr_assert_eq(by_specialist->status, 400, "%s", by_specialist->body);
	http_response_free(by_specialist);
	struct http_response *history_paged =
		http_get("/v1/referrals/0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c/history?limit=1",
			 world.partner);
	cr_assert_eq(history_paged->status, 400, "%s", history_paged->body);
	http_response_free(history_paged);
	struct http_response *matches =
		http_get("/v1/referrals/0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c/matches?limit=0",
			 world.supervisor);
	cr_assert_eq(matches->status, 400, "%s", matches->body);
	http_response_free(matches);
	world_free(&world);
}

Test(referrals, list_filters_narrow_the_staff_view)
{
	struct world world;
	world_create(&world);
	char subject[96];
	char *specialist_id =
		eligible_specialist(world.provider_id, "peer", subject, sizeof subject);
	json_t *body = referral_body(world.provider_id, "peer");
	char *waiting = submit_ok(world.partner, body);
	json_object_set_new(body, "urgency", json_string("urgent"));
	char *urgent = submit_ok(world.partner, body);
	char *assigned = accepted_referral(&world, "peer");
	assign_ok(assigned, world.supervisor, specialist_id);

	char listed[512], path[256], expected[512];
	list_ids("/v1/referrals?status=submitted", world.supervisor, listed, sizeof listed);
	join_ids((const char *const[]){urgent, waiting}, 2, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids("/v1/referrals?urgency=urgent", world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, urgent);
	snprintf(path, sizeof path, "/v1/referrals?assigned_specialist_id=%s", specialist_id);
	list_ids(path, world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, assigned);
	list_ids("/v1/referrals?status=assigned", world.partner, listed, sizeof listed);
	cr_assert_str_eq(listed, assigned);
	list_ids("/v1/referrals?service_type=family", world.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, "");
	free(assigned);
	free(urgent);
	free(waiting);
	json_decref(body);
	free(specialist_id);
	world_free(&world);
}

/* What each side reads of a history (API.md: a partner sees status and history, never who
 * on the provider's staff did what): the referring partner gets from, to, at, reason and,
 * as actor, the organization whose move it was (itself for the submission and its
 * withdrawal, the provider for the rest); the provider's staff get the person's sub, the
 * role and the specialist of an assignment. */
Test(referrals, a_partner_reads_organizations_in_the_history_and_staff_read_people)
{
	struct world world;
	world_create(&world);
	char specialist_subject[96];
	char *specialist = eligible_specialist(world.provider_id, "peer", specialist_subject,
					       sizeof specialist_subject);
	char *id = accepted_referral(&world, "peer");
	assign_ok(id, world.supervisor, specialist);
	move_expect(id, world.partner, "withdrawn", "The person moved out of state.", 200);

	struct http_response *partner = history_of(id, world.partner);
	cr_assert_eq(partner->status, 200, "%s", partner->body);
	char moves[256];
	history_moves(partner, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>withdrawn",
			 "%s", partner->body);
	const char *const actors[] = {world.partner_id, world.provider_id, world.provider_id,
				      world.partner_id};
	for (size_t i = 0; i < 4; i++) {
		json_t *event = event_at(partner, i);
		cr_assert_eq(json_object_size(event), 5, "from, to, at, actor, reason only: %s",
			     partner->body);
		const char *const members[] = {"from", "to", "at", "actor", "reason"};
		for (size_t m = 0; m < 5; m++)
			cr_assert(json_object_get(event, members[m]), "no %s: %s", members[m],
				  partner->body);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor")), actors[i],
				 "event %zu: %s", i, partner->body);
	}
	cr_assert_str_eq(json_string_value(json_object_get(event_at(partner, 3), "reason")),
			 "The person moved out of state.", "%s", partner->body);
	const char *const people[] = {world.supervisor_subject, world.partner_subject,
				      specialist_subject, specialist};
	for (size_t i = 0; i < 4; i++)
		cr_assert_null(strstr(partner->body, people[i]), "the partner reads %s: %s",
			       people[i], partner->body);

	struct http_response *staff = history_of(id, world.supervisor);
	cr_assert_eq(staff->status, 200, "%s", staff->body);
	const char *const subjects[] = {world.partner_subject, world.supervisor_subject,
					world.supervisor_subject, world.partner_subject};
	const char *const roles[] = {"partner", "supervisor", "supervisor", "partner"};
	for (size_t i = 0; i < 4; i++) {
		json_t *event = event_at(staff, i);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor")), subjects[i],
				 "event %zu: %s", i, staff->body);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor_role")), roles[i],
				 "event %zu: %s", i, staff->body);
	}
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff, 2), "specialist_id")),
			 specialist, "%s", staff->body);

	http_response_free(staff);
	http_response_free(partner);
	free(id);
	free(specialist);
	world_free(&world);
}
