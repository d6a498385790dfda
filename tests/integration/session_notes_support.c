#include "session_notes_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

/* day_from_today by a number of days. */
void days_from_today(int days, char *out, size_t size)
{
	char interval[32];
	snprintf(interval, sizeof interval, "%d days", days);
	day_from_today(interval, out, size);
}

/* The instant of time_of_day (HH:MM) in the organizations' zone, days_ago days before
 * today there, as RFC 3339 in UTC. */
void local_instant(int days_ago, const char *time_of_day, char *out, size_t size)
{
	char offset[16];
	snprintf(offset, sizeof offset, "%d", days_ago);
	char *at = test_sql_text(
		"SELECT to_char(((((now() AT TIME ZONE '" ORGANIZATION_TIME_ZONE "')::date"
		" - $1::int) + $2::time) AT TIME ZONE '" ORGANIZATION_TIME_ZONE "') AT TIME ZONE "
		"'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
		2, (const char *const[]){offset, time_of_day});
	snprintf(out, size, "%s", at);
	free(at);
}

/* Now (to the second), as RFC 3339 in UTC. */
void now_instant(char *out, size_t size)
{
	char *at = test_sql_text("SELECT to_char(now() AT TIME ZONE 'UTC',"
				 " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
				 0, NULL);
	snprintf(out, size, "%s", at);
	free(at);
}

/* Asserts a 422 whose errors name field, and frees it. */
void expect_invalid(struct http_response *response, const char *field, const char *what)
{
	cr_assert_eq(response->status, 422, "%s: expected a 422 naming %s: %s", what, field,
		     response->body);
	assert_error_names(response, field);
}

/* Whether a 422's errors name field. */
bool names_field(const struct http_response *response, const char *field)
{
	size_t index;
	json_t *error;
	json_array_foreach (json_object_get(response->json, "errors"), index, error) {
		const char *named = json_string_value(json_object_get(error, "field"));
		if (named && strcmp(named, field) == 0)
			return true;
	}
	return false;
}

/* An active certification from today + from_days to today + to_days. */
void certify_between(const char *specialist_id, const char *status, int from_days, int to_days)
{
	char issued[16], expires[16];
	days_from_today(from_days, issued, sizeof issued);
	days_from_today(to_days, expires, sizeof expires);
	free(create_certification(specialist_id, status, issued, expires));
}

/* A peer specialist of organization_id, certified from a year ago to a year ahead when
 * certified is true, without any certification otherwise. */
void specialist_open(struct actor *specialist, const char *organization_id, bool certified)
{
	specialist_actor_open(specialist, organization_id, false);
	if (certified)
		certify_between(specialist->id, "active", -365, 365);
}

/* Creates a goal of participant_id as token and returns its id (the caller frees it). */
char *goal_set_ok(const char *participant_id, const char *token, const char *domain)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", participant_id);
	json_t *body = json_pack("{s:s, s:s}", "domain", domain, "statement",
				 "I want to get back to the things I used to enjoy.");
	struct http_response *created = http_send_json("POST", path, token, body);
	cr_assert_eq(created->status, 201, "creating a goal: %s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "active");
	char *id = strdup(http_string(created, "id"));
	json_decref(body);
	return id;
}

void goal_discontinue(const char *goal_id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/goals/%s", goal_id);
	struct http_response *patched = http_patch(
		path, token,
		"{\"status\":\"discontinued\",\"status_reason\":\"Chose another path.\"}", NULL);
	cr_assert_eq(patched->status, 200, "discontinuing a goal: %s", patched->body);
	cr_assert_str_eq(http_string(patched, "status"), "discontinued");
}

/* A referral the provider's supervisor records, accepts and assigns to specialist, and a
 * goal the specialist sets with the participant. Submitted at TEST_PROGRAM_START, so the
 * tests may date notes back. */
void person_assigned(struct person *person, const struct world *provider,
		     const struct actor *specialist)
{
	struct http_response *created = http_post(
		"/v1/referrals", provider->supervisor.token,
		"{\"service_type\":\"peer\",\"participant\":{\"given_name\":\"Avery\","
		"\"family_name\":\"Stone\",\"county\":\"Multnomah\"},\"reason\":\"Walked in "
		"asking for a peer.\",\"consent\":{\"obtained\":true}}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "submitted");
	person->referral_id = arena_text(strdup(http_string(created, "id")));
	snprintf(person->id, sizeof person->id, "%s", http_string(created, "participant_id"));
	char path[160], body[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", person->referral_id);
	struct http_response *accepted =
		http_post(path, provider->supervisor.token, "{\"to\":\"accepted\"}");
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	cr_assert_str_eq(http_string(accepted, "status"), "accepted");
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", person->referral_id);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", specialist->id);
	struct http_response *assigned = http_post(path, provider->supervisor.token, body);
	cr_assert_eq(assigned->status, 200, "%s", assigned->body);
	cr_assert_str_eq(http_string(assigned, "status"), "assigned");
	referral_submitted_at(person->referral_id, TEST_PROGRAM_START);
	person->goal_id = arena_text(goal_set_ok(person->id, specialist->token, "emotional"));
}

/* Where most note tests start: a provider built with options, its specialist certified
 * around today, and person, assigned to that specialist. */
void person_world_build(struct world *provider, struct world_options options, struct person *person)
{
	options.certified_around_today = true;
	world_build(provider, options);
	person_assigned(person, provider, &provider->specialist);
}

/* A walk-in the supervisor records, with a goal: for notes a supervisor writes for a
 * specialist who could not be assigned. Registered at TEST_PROGRAM_START, so the tests may
 * date notes back. */
void person_walk_in(struct person *person, const struct world *provider)
{
	struct http_response *created = http_post("/v1/participants", provider->supervisor.token,
						  "{\"given_name\":\"Jordan\",\"family_name\":"
						  "\"Lee\",\"county\":\"Multnomah\"}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	person->referral_id = NULL;
	snprintf(person->id, sizeof person->id, "%s", http_string(created, "id"));
	participant_registered_at(person->id, TEST_PROGRAM_START);
	person->goal_id = arena_text(goal_set_ok(person->id, provider->supervisor.token, "social"));
}

/* A complete note for participant_id tied to goal_id. The caller owns it. */
json_t *note_doc(const char *participant_id, const char *goal_id, const char *occurred_at,
		 int minutes, const char *modality)
{
	json_t *doc =
		json_pack("{s:s, s:s, s:i, s:s, s:s, s:[s], s:s, s:s, s:s}", "participant_id",
			  participant_id, "occurred_at", occurred_at, "duration_minutes", minutes,
			  "modality", modality, "location", "Community center", "goal_ids", goal_id,
			  "summary", "Talked about the week and the job application.", "response",
			  "Engaged; named two people to call.", "plan", "Meet again Tuesday.");
	cr_assert(doc);
	return doc;
}

/* POSTs doc (which it frees) as token. */
struct http_response *note_post(const char *token, json_t *doc)
{
	struct http_response *response = http_send_json("POST", "/v1/session-notes", token, doc);
	json_decref(doc);
	return response;
}

/* POSTs doc (which it frees) as token, asserts a draft, and returns its id. */
char *note_draft_ok(const char *token, json_t *doc)
{
	struct http_response *created = note_post(token, doc);
	cr_assert_eq(created->status, 201, "writing a note: %s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "draft", "%s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "billing")), "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	return id;
}

/* As note_draft_ok, for a supervisor or admin writing for specialist_id. */
char *note_draft_for_ok(const char *token, json_t *doc, const char *specialist_id)
{
	json_object_set_new(doc, "specialist_id", json_string(specialist_id));
	return note_draft_ok(token, doc);
}

void note_path(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "/v1/session-notes/%s%s", id, suffix);
}

struct http_response *note_get(const char *id, const char *token)
{
	char path[128];
	note_path(path, sizeof path, id, "");
	return http_get(path, token);
}

/* The ETag of note id as token reads it now, into out ("" when token may not read it). */
void note_etag(const char *id, const char *token, char *out, size_t size)
{
	struct http_response *read = note_get(id, token);
	char *etag = read->status == 200 ? http_header(read, "ETag") : NULL;
	snprintf(out, size, "%s", etag ? etag : "");
	free(etag);
}

/* POST /v1/session-notes/{id}/action ("sign", "cosign") without a body, as a client does:
 * after reading the note, with the ETag of that read (none when token may not read it). */
struct http_response *note_act(const char *id, const char *action, const char *token)
{
	char path[128], suffix[16], etag[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	note_path(path, sizeof path, id, suffix);
	note_etag(id, token, etag, sizeof etag);
	return http_post_if_match(path, token, NULL, etag[0] ? etag : NULL);
}

struct http_response *note_addendum(const char *id, const char *token, const char *text)
{
	char path[128];
	note_path(path, sizeof path, id, "/addenda");
	json_t *body = json_pack("{s:s}", "text", text);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	return response;
}

struct http_response *note_patch(const char *id, const char *token, const char *body,
				 const char *if_match)
{
	char path[128];
	note_path(path, sizeof path, id, "");
	return http_patch(path, token, body, if_match);
}

/* Signs note id as token, asserts it is signed, and returns its billing (decref it). */
json_t *note_sign_ok(const char *id, const char *token)
{
	struct http_response *signed_note = note_act(id, "sign", token);
	cr_assert_eq(signed_note->status, 200, "signing: %s", signed_note->body);
	cr_assert_str_eq(http_string(signed_note, "status"), "signed", "%s", signed_note->body);
	json_t *billing = json_incref(json_object_get(signed_note->json, "billing"));
	return billing;
}

/* Asserts billing: code H0038, HQ first only for group, units, and exactly the reasons listed
 * (space-separated, in any order; "" for none). */
void assert_billing(const json_t *billing, bool billable, int units, bool group,
		    const char *reasons, const char *what)
{
	char *text = json_dumps(billing, JSON_COMPACT | JSON_ENCODE_ANY);
	cr_assert(json_is_object(billing), "%s: billing is %s", what, text);
	json_t *flag = json_object_get(billing, "billable");
	cr_assert(json_is_boolean(flag), "%s: %s", what, text);
	cr_assert_eq(json_is_true(flag), billable, "%s: billable should be %d: %s", what, billable,
		     text);
	cr_assert_str_eq(json_string_value(json_object_get(billing, "code")), "H0038", "%s: %s",
			 what, text);
	/* HQ leads a group's modifiers; a telehealth modifier may follow (its own tests). */
	json_t *modifiers = json_object_get(billing, "modifiers");
	const char *first = json_string_value(json_array_get(modifiers, 0));
	cr_assert(json_is_array(modifiers) && (first && strcmp(first, "HQ") == 0) == group,
		  "%s: modifiers: %s", what, text);
	cr_assert(json_object_get(billing, "place_of_service") &&
			  json_object_get(billing, "authorization_id"),
		  "%s: %s", what, text);
	json_t *count = json_object_get(billing, "units");
	cr_assert(json_is_integer(count), "%s: %s", what, text);
	cr_assert_eq(json_integer_value(count), units, "%s: units should be %d: %s", what, units,
		     text);
	json_t *listed = json_object_get(billing, "reasons");
	cr_assert(json_is_array(listed), "%s: %s", what, text);
	size_t expected = 0;
	char copy[128];
	snprintf(copy, sizeof copy, "%s", reasons);
	char *saved = NULL;
	for (char *reason = strtok_r(copy, " ", &saved); reason;
	     reason = strtok_r(NULL, " ", &saved)) {
		expected++;
		bool found = false;
		size_t index;
		json_t *item;
		json_array_foreach (listed, index, item) {
			found = found || strcmp(json_string_value(item), reason) == 0;
		}
		cr_assert(found, "%s: reasons should hold %s: %s", what, reason, text);
	}
	cr_assert_eq(json_array_size(listed), expected, "%s: reasons should be [%s]: %s", what,
		     reasons, text);
	free(text);
}

/* A history's events as "from>to" joined by spaces ("-" for no from). */
void history_moves(const char *referral_id, const char *token, char *out, size_t size)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s/history", referral_id);
	struct http_response *history = http_get(path, token);
	cr_assert_eq(history->status, 200, "%s", history->body);
	referral_moves(history, out, size);
}

struct http_response *referral_get(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s", id);
	return http_get(path, token);
}

/* Whether s is RFC 3339 in UTC to the second. */
bool is_utc_timestamp(const char *s)
{
	return s && strlen(s) == 20 && s[4] == '-' && s[10] == 'T' && s[19] == 'Z';
}
