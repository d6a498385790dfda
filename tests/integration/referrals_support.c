#include "referrals_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

/* Members a partner never reads in a referral (API.md: status and history only). */
const char *const STAFF_ONLY_MEMBERS[] = {
	"participant_id", "reason", "needs", "consent", "assigned_specialist_id", NULL,
};

/* prefix/id followed by suffix ("" for none). */
char *path_of(const char *prefix, const char *id, const char *suffix)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/%s%s", prefix, id, suffix) > 0);
	return path;
}

long long sql_count(const char *sql, int count, const char *const *params)
{
	char *text = test_sql_text(sql, count, params);
	cr_assert(text);
	long long value = atoll(text);
	free(text);
	return value;
}

/* The referrals and participants stored for an organization, on either side. */
long long referrals_stored(const char *organization_id)
{
	return sql_count("SELECT count(*) FROM referrals WHERE provider_organization_id = $1"
			 " OR referring_organization_id = $1",
			 1, (const char *const[]){organization_id});
}

long long participants_stored(const char *organization_id)
{
	return sql_count("SELECT count(*) FROM participants WHERE organization_id = $1", 1,
			 (const char *const[]){organization_id});
}

/* A valid referral to provider_id (NULL: none given) of service_type, with a unique
 * external_id; a family one carries a ten-year-old youth. The caller owns it. */
json_t *referral_body(const char *provider_id, const char *service_type)
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
struct http_response *submit(const char *token, const json_t *body, const char *key)
{
	return http_post_keyed("/v1/referrals", token, body, key);
}

/* Submits body and returns the new referral's id (the caller frees it). */
char *submit_ok(const char *token, const json_t *body)
{
	struct http_response *created = submit(token, body, NULL);
	cr_assert_eq(created->status, 201, "submitting a referral: %s", created->body);
	char *id = strdup(member(created, "id"));
	return id;
}

/* GET /v1/referrals/{id}{suffix} as token. */
static struct http_response *get_of_referral(const char *id, const char *suffix, const char *token)
{
	char *path = path_of("/v1/referrals", id, suffix);
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

struct http_response *get_referral(const char *id, const char *token)
{
	return get_of_referral(id, "", token);
}

struct http_response *history_of(const char *id, const char *token)
{
	return get_of_referral(id, "/history", token);
}

struct http_response *matches_of(const char *id, const char *token)
{
	return get_of_referral(id, "/matches", token);
}

/* The referral's matches as token reads them, asserted 200. */
struct http_response *matches_ok(const char *id, const char *token)
{
	struct http_response *matches = matches_of(id, token);
	cr_assert_eq(matches->status, 200, "%s", matches->body);
	return matches;
}

struct http_response *transition(const char *id, const char *token, const char *to,
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

void move_expect(const char *id, const char *token, const char *to, const char *reason, long status)
{
	struct http_response *response = transition(id, token, to, reason);
	cr_assert_eq(response->status, status, "moving to %s (reason %s): %s", to,
		     reason ? reason : "none", response->body);
	if (status == 200)
		cr_assert_str_eq(member(response, "status"), to, "%s", response->body);
}

struct http_response *assign(const char *id, const char *token, const char *specialist_id)
{
	char *path = path_of("/v1/referrals", id, "/assignment");
	json_t *body = json_pack("{s:s}", "specialist_id", specialist_id);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	free(path);
	return response;
}

void assignment_ok(const char *id, const char *token, const char *specialist_id)
{
	struct http_response *response = assign(id, token, specialist_id);
	cr_assert_eq(response->status, 200, "assigning: %s", response->body);
	cr_assert_str_eq(member(response, "status"), "assigned", "%s", response->body);
	cr_assert_str_eq(member(response, "assigned_specialist_id"), specialist_id, "%s",
			 response->body);
}

/* Asserts a 409 whose detail says because. */
void assign_refused(const char *id, const char *token, const char *specialist_id,
		    const char *because)
{
	struct http_response *response = assign(id, token, specialist_id);
	cr_assert_eq(response->status, 409, "assigning (expected: %s): %s", because,
		     response->body);
	const char *detail = member(response, "detail");
	cr_assert(detail && strstr(detail, because), "the detail should say \"%s\": %s", because,
		  response->body);
}

/* Creates a specialist of organization_id as an admin from fields (JSON members, at
 * least kind); writes the subject and returns the id (the caller frees it). */
char *specialist_with(const char *organization_id, const char *fields, char *subject, size_t size)
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
	free(admin);
	return id;
}

/* Gives the specialist an active certification valid from a year ago to a year ahead. */
void certify(const char *specialist_id)
{
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	free(create_certification(specialist_id, "active", issued, expires));
}

/* A referral of service_type accepted and then assigned to specialist_id. */
char *referral_assigned_to(const struct world *world, const char *service_type,
			   const char *specialist_id)
{
	char *id = accepted_referral(world, service_type);
	assignment_ok(id, world->supervisor.token, specialist_id);
	return id;
}

/* An active specialist of organization_id made from fields (as specialist_with) and
 * certified by certify(); the caller frees the id. */
char *certified_with(const char *organization_id, const char *fields)
{
	char subject[96];
	char *id = specialist_with(organization_id, fields, subject, sizeof subject);
	certify(id);
	return id;
}

/* An active, certified specialist of kind with the default max_caseload (15). */
char *eligible_specialist(const char *organization_id, const char *kind, char *subject, size_t size)
{
	char fields[64];
	snprintf(fields, sizeof fields, "\"kind\":\"%s\"", kind);
	char *id = specialist_with(organization_id, fields, subject, size);
	certify(id);
	return id;
}

/* The specialist's computed caseload, read by an admin through GET /v1/specialists/{id}. */
long long caseload_of(const char *specialist_id)
{
	char *path = path_of("/v1/specialists", specialist_id, "");
	char *admin = admin_token();
	struct http_response *read = http_get(path, admin);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *caseload = json_object_get(read->json, "caseload");
	cr_assert(json_is_integer(caseload), "%s", read->body);
	long long value = json_integer_value(caseload);
	free(admin);
	free(path);
	return value;
}

/* A referral of service_type submitted by the world's partner to its provider. */
char *submitted_referral(const struct world *world, const char *service_type)
{
	json_t *body = referral_body(world->provider, service_type);
	char *id = submit_ok(world->partner.token, body);
	json_decref(body);
	return id;
}

/* A referral of service_type from the world's partner, accepted by its supervisor. */
char *accepted_referral(const struct world *world, const char *service_type)
{
	char *id = submitted_referral(world, service_type);
	move_expect(id, world->supervisor.token, "accepted", NULL, 200);
	return id;
}

void assert_status(struct http_response *response, long status, const char *what)
{
	cr_assert_eq(response->status, status, "%s: expected %ld: %s", what, status,
		     response->body);
}

/* Asserts that referral (a partner's view) carries none of the staff's members. */
void assert_partner_view(const json_t *referral, const char *text)
{
	for (const char *const *key = STAFF_ONLY_MEMBERS; *key; key++)
		cr_assert_null(json_object_get(referral, *key), "a partner reads %s: %s", *key,
			       text);
	cr_assert(json_is_string(json_object_get(referral, "status")), "%s", text);
}

/* The status of the referral as its provider's supervisor reads it. */
void assert_referral_status(const char *id, const char *token, const char *status)
{
	struct http_response *read = get_referral(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), status, "%s", read->body);
}

json_t *event_at(const struct http_response *history, size_t index)
{
	json_t *event = json_array_get(json_object_get(history->json, "items"), index);
	cr_assert(json_is_object(event), "no event %zu: %s", index, history->body);
	return event;
}

/* The string member name of the history's event at index. */
const char *event_member(const struct http_response *history, size_t index, const char *name)
{
	return json_string_value(json_object_get(event_at(history, index), name));
}

/* Reads the referral's history as token, asserts its moves ("->submitted submitted>accepted",
 * as referral_moves writes them) and returns it for the events' details. */
struct http_response *history_moving(const char *id, const char *token, const char *moves)
{
	struct http_response *history = history_of(id, token);
	cr_assert_eq(history->status, 200, "%s", history->body);
	char read[256];
	referral_moves(history, read, sizeof read);
	cr_assert_str_eq(read, moves, "%s", history->body);
	return history;
}
