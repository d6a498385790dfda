/* Session notes (API.md, Session notes): from a referral to a signed, billed, amended and
 * co-signed note with every role's refusals; the billing rules (rounding, modality,
 * certification on the day of the session, the daily cap, also under signings at the same
 * moment); the database's guard on signed notes and addenda; what a note must be; the
 * list's filters; an Idempotency-Key on writing one. Every test makes its own
 * organizations, people and notes: the suite runs in parallel against one server and one
 * database. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "http.h"

/* The zone of the organizations these tests make (state OR). */

/* An id no goal, participant or specialist has. */
#define UNKNOWN_ID "7d444840-9dc0-41d1-b245-5ffdce74fad2"

/* day_from_today by a number of days. */
static void days_from_today(int days, char *out, size_t size)
{
	char interval[32];
	snprintf(interval, sizeof interval, "%d days", days);
	day_from_today(interval, out, size);
}

/* The instant of time_of_day (HH:MM) in the organizations' zone, days_ago days before
 * today there, as RFC 3339 in UTC. */
static void local_instant(int days_ago, const char *time_of_day, char *out, size_t size)
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
static void now_instant(char *out, size_t size)
{
	char *at = test_sql_text("SELECT to_char(now() AT TIME ZONE 'UTC',"
				 " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
				 0, NULL);
	snprintf(out, size, "%s", at);
	free(at);
}

static void expect(struct http_response *response, long status, const char *what)
{
	cr_assert_eq(response->status, status, "%s: expected %ld: %s", what, status,
		     response->body);
	http_response_free(response);
}

/* Asserts a 422 whose errors name field, and frees it. */
static void expect_invalid(struct http_response *response, const char *field, const char *what)
{
	cr_assert_eq(response->status, 422, "%s: expected a 422 naming %s: %s", what, field,
		     response->body);
	assert_error_names(response, field);
	http_response_free(response);
}

/* Whether a 422's errors name field. */
static bool names_field(const struct http_response *response, const char *field)
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

/* A provider organization, its supervisor and an admin. */
struct provider {
	char *id;
	char supervisor_subject[96];
	char *supervisor;
	char admin_subject[96];
	char *admin;
};

/* A provider in state OR with its own unit_rounding and max_units_per_day. */
static char *provider_with(const char *rounding, int cap)
{
	char name[96];
	unique_name("Notes provider", name, sizeof name);
	json_t *body = json_pack("{s:s, s:s, s:s, s:[s], s:{s:s, s:i}}", "name", name, "kind",
				 "provider", "state", "OR", "counties", "Multnomah", "settings",
				 "unit_rounding", rounding, "max_units_per_day", cap);
	char *admin = admin_token();
	struct http_response *created = http_send_json("POST", "/v1/organizations", admin, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	json_t *settings = json_object_get(created->json, "settings");
	cr_assert_str_eq(json_string_value(json_object_get(settings, "unit_rounding")), rounding);
	cr_assert_eq(json_integer_value(json_object_get(settings, "max_units_per_day")), cap);
	cr_assert_str_eq(json_string_value(json_object_get(settings, "time_zone")),
			 ORGANIZATION_TIME_ZONE, "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	http_response_free(created);
	free(admin);
	json_decref(body);
	return id;
}

/* rounding NULL: create_organization's (whole, 16 units a day). */
static void provider_open(struct provider *provider, const char *rounding, int cap)
{
	provider->id = rounding ? provider_with(rounding, cap) : create_organization("provider");
	unique_name("supervisor", provider->supervisor_subject,
		    sizeof provider->supervisor_subject);
	provider->supervisor =
		token_for_subject("supervisor", provider->id, provider->supervisor_subject);
	unique_name("admin", provider->admin_subject, sizeof provider->admin_subject);
	provider->admin = token_for_subject("admin", NULL, provider->admin_subject);
}

static void provider_close(struct provider *provider)
{
	free(provider->id);
	free(provider->supervisor);
	free(provider->admin);
}

struct specialist {
	char subject[96];
	char *id;
	char *token;
};

/* An active certification from today + from_days to today + to_days. */
static void certify_between(const char *specialist_id, const char *status, int from_days,
			    int to_days)
{
	char issued[16], expires[16];
	days_from_today(from_days, issued, sizeof issued);
	days_from_today(to_days, expires, sizeof expires);
	free(create_certification(specialist_id, status, issued, expires));
}

/* A peer specialist of organization_id, certified from a year ago to a year ahead when
 * certified is true, without any certification otherwise. */
static void specialist_open(struct specialist *specialist, const char *organization_id,
			    bool certified)
{
	specialist->id = create_specialist(organization_id, "peer", specialist->subject,
					   sizeof specialist->subject);
	if (certified)
		certify_between(specialist->id, "active", -365, 365);
	specialist->token = token_for_subject("specialist", organization_id, specialist->subject);
}

static void specialist_close(struct specialist *specialist)
{
	free(specialist->id);
	free(specialist->token);
}

/* Creates a goal of participant_id as token and returns its id (the caller frees it). */
static char *goal_ok(const char *participant_id, const char *token, const char *domain)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", participant_id);
	json_t *body = json_pack("{s:s, s:s}", "domain", domain, "statement",
				 "I want to get back to the things I used to enjoy.");
	struct http_response *created = http_send_json("POST", path, token, body);
	cr_assert_eq(created->status, 201, "creating a goal: %s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "active");
	char *id = strdup(http_string(created, "id"));
	http_response_free(created);
	json_decref(body);
	return id;
}

static void goal_discontinue(const char *goal_id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/goals/%s", goal_id);
	struct http_response *patched = http_patch(
		path, token,
		"{\"status\":\"discontinued\",\"status_reason\":\"Chose another path.\"}", NULL);
	cr_assert_eq(patched->status, 200, "discontinuing a goal: %s", patched->body);
	cr_assert_str_eq(http_string(patched, "status"), "discontinued");
	http_response_free(patched);
}

/* A participant, the referral that brought them (NULL for a walk-in) and a goal. */
struct person {
	char *referral_id;
	char id[64];
	char *goal_id;
};

/* A referral the provider's supervisor records, accepts and assigns to specialist, and a
 * goal the specialist sets with the participant. Submitted at TEST_PROGRAM_START, so the
 * tests may date notes back. */
static void person_assigned(struct person *person, const struct provider *provider,
			    const struct specialist *specialist)
{
	struct http_response *created = http_post(
		"/v1/referrals", provider->supervisor,
		"{\"service_type\":\"peer\",\"participant\":{\"given_name\":\"Avery\","
		"\"family_name\":\"Stone\",\"county\":\"Multnomah\"},\"reason\":\"Walked in "
		"asking for a peer.\",\"consent\":{\"obtained\":true}}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "submitted");
	person->referral_id = strdup(http_string(created, "id"));
	snprintf(person->id, sizeof person->id, "%s", http_string(created, "participant_id"));
	http_response_free(created);
	char path[160], body[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", person->referral_id);
	struct http_response *accepted =
		http_post(path, provider->supervisor, "{\"to\":\"accepted\"}");
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	cr_assert_str_eq(http_string(accepted, "status"), "accepted");
	http_response_free(accepted);
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", person->referral_id);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", specialist->id);
	struct http_response *assigned = http_post(path, provider->supervisor, body);
	cr_assert_eq(assigned->status, 200, "%s", assigned->body);
	cr_assert_str_eq(http_string(assigned, "status"), "assigned");
	http_response_free(assigned);
	referral_submitted_at(person->referral_id, TEST_PROGRAM_START);
	person->goal_id = goal_ok(person->id, specialist->token, "emotional");
}

/* A walk-in the supervisor records, with a goal: for notes a supervisor writes for a
 * specialist who could not be assigned. Registered at TEST_PROGRAM_START, so the tests may
 * date notes back. */
static void person_walk_in(struct person *person, const struct provider *provider)
{
	struct http_response *created = http_post("/v1/participants", provider->supervisor,
						  "{\"given_name\":\"Jordan\",\"family_name\":"
						  "\"Lee\",\"county\":\"Multnomah\"}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	person->referral_id = NULL;
	snprintf(person->id, sizeof person->id, "%s", http_string(created, "id"));
	http_response_free(created);
	participant_registered_at(person->id, TEST_PROGRAM_START);
	person->goal_id = goal_ok(person->id, provider->supervisor, "social");
}

static void person_close(struct person *person)
{
	free(person->referral_id);
	free(person->goal_id);
}

/* A complete note for participant_id tied to goal_id. The caller owns it. */
static json_t *note_doc(const char *participant_id, const char *goal_id, const char *occurred_at,
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
static struct http_response *note_post(const char *token, json_t *doc)
{
	struct http_response *response = http_send_json("POST", "/v1/session-notes", token, doc);
	json_decref(doc);
	return response;
}

/* POSTs doc (which it frees) as token, asserts a draft, and returns its id. */
static char *note_ok(const char *token, json_t *doc)
{
	struct http_response *created = note_post(token, doc);
	cr_assert_eq(created->status, 201, "writing a note: %s", created->body);
	cr_assert_str_eq(http_string(created, "status"), "draft", "%s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "billing")), "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	http_response_free(created);
	return id;
}

/* As note_ok, for a supervisor or admin writing for specialist_id. */
static char *note_for_ok(const char *token, json_t *doc, const char *specialist_id)
{
	json_object_set_new(doc, "specialist_id", json_string(specialist_id));
	return note_ok(token, doc);
}

static void note_path(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "/v1/session-notes/%s%s", id, suffix);
}

static struct http_response *note_get(const char *id, const char *token)
{
	char path[128];
	note_path(path, sizeof path, id, "");
	return http_get(path, token);
}

/* The ETag of note id as token reads it now, into out ("" when token may not read it). */
static void note_etag(const char *id, const char *token, char *out, size_t size)
{
	struct http_response *read = note_get(id, token);
	char *etag = read->status == 200 ? http_header(read, "ETag") : NULL;
	snprintf(out, size, "%s", etag ? etag : "");
	free(etag);
	http_response_free(read);
}

/* POST /v1/session-notes/{id}/action ("sign", "cosign") without a body, as a client does:
 * after reading the note, with the ETag of that read (none when token may not read it). */
static struct http_response *note_act(const char *id, const char *action, const char *token)
{
	char path[128], suffix[16], etag[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	note_path(path, sizeof path, id, suffix);
	note_etag(id, token, etag, sizeof etag);
	return http_post_if_match(path, token, NULL, etag[0] ? etag : NULL);
}

static struct http_response *note_addendum(const char *id, const char *token, const char *text)
{
	char path[128];
	note_path(path, sizeof path, id, "/addenda");
	json_t *body = json_pack("{s:s}", "text", text);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	return response;
}

static struct http_response *note_patch(const char *id, const char *token, const char *body,
					const char *if_match)
{
	char path[128];
	note_path(path, sizeof path, id, "");
	return http_patch(path, token, body, if_match);
}

/* Signs note id as token, asserts it is signed, and returns its billing (decref it). */
static json_t *sign_ok(const char *id, const char *token)
{
	struct http_response *signed_note = note_act(id, "sign", token);
	cr_assert_eq(signed_note->status, 200, "signing: %s", signed_note->body);
	cr_assert_str_eq(http_string(signed_note, "status"), "signed", "%s", signed_note->body);
	json_t *billing = json_incref(json_object_get(signed_note->json, "billing"));
	http_response_free(signed_note);
	return billing;
}

/* Asserts billing: code H0038, HQ only for group, units, and exactly the reasons listed
 * (space-separated, in any order; "" for none). */
static void assert_billing(const json_t *billing, bool billable, int units, bool group,
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
	json_t *modifiers = json_object_get(billing, "modifiers");
	cr_assert(json_is_array(modifiers) && json_array_size(modifiers) == (group ? 1u : 0u),
		  "%s: modifiers: %s", what, text);
	if (group)
		cr_assert_str_eq(json_string_value(json_array_get(modifiers, 0)), "HQ", "%s: %s",
				 what, text);
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
static void history_moves(const char *referral_id, const char *token, char *out, size_t size)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s/history", referral_id);
	struct http_response *history = http_get(path, token);
	cr_assert_eq(history->status, 200, "%s", history->body);
	out[0] = '\0';
	size_t index;
	json_t *event;
	json_array_foreach (json_object_get(history->json, "items"), index, event) {
		const char *from = json_string_value(json_object_get(event, "from"));
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s>%s", used ? " " : "", from ? from : "-",
			 json_string_value(json_object_get(event, "to")));
	}
	http_response_free(history);
}

static struct http_response *referral_get(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s", id);
	return http_get(path, token);
}

/* Whether s is RFC 3339 in UTC to the second. */
static bool is_utc_timestamp(const char *s)
{
	return s && strlen(s) == 20 && s[4] == '-' && s[10] == 'T' && s[19] == 'Z';
}

/* 1. The whole path, with each role */

Test(session_notes, referral_to_signed_note_with_every_role)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist, colleague;
	specialist_open(&specialist, provider.id, true);
	specialist_open(&colleague, provider.id, true); /* same organization, not assigned */

	/* The supervisor records the referral, accepts it and assigns it. */
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char *second_goal = goal_ok(person.id, specialist.token, "occupational");
	char moves[256];
	history_moves(person.referral_id, provider.supervisor, moves, sizeof moves);
	cr_assert_str_eq(moves, "->submitted submitted>accepted accepted>assigned");

	/* The specialist writes a note addressing both goals: a draft, not billed. */
	char occurred[32];
	local_instant(1, "10:15", occurred, sizeof occurred);
	json_t *doc = note_doc(person.id, person.goal_id, occurred, 45, "in_person");
	json_array_append_new(json_object_get(doc, "goal_ids"), json_string(second_goal));
	struct http_response *created = note_post(specialist.token, doc);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	char *location = http_header(created, "Location");
	char expected_location[128];
	note_path(expected_location, sizeof expected_location, id, "");
	cr_assert_str_eq(location, expected_location);
	free(location);
	cr_assert_str_eq(http_string(created, "status"), "draft");
	cr_assert_str_eq(http_string(created, "participant_id"), person.id);
	cr_assert_str_eq(http_string(created, "specialist_id"), specialist.id);
	cr_assert_str_eq(http_string(created, "organization_id"), provider.id);
	cr_assert_str_eq(http_string(created, "occurred_at"), occurred);
	cr_assert_eq(json_integer_value(json_object_get(created->json, "duration_minutes")), 45);
	cr_assert_str_eq(http_string(created, "modality"), "in_person");
	cr_assert_str_eq(http_string(created, "location"), "Community center");
	json_t *goal_ids = json_pack("[s, s]", person.goal_id, second_goal);
	cr_assert(json_equal(json_object_get(created->json, "goal_ids"), goal_ids), "%s",
		  created->body);
	json_decref(goal_ids);
	const char *const unset[] = {"billing", "signed_at", "signed_by", "cosigned_by",
				     "cosigned_at"};
	for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
		cr_assert(json_is_null(json_object_get(created->json, unset[i])), "%s: %s",
			  unset[i], created->body);
	cr_assert_eq(json_array_size(json_object_get(created->json, "addenda")), 0);
	cr_assert_eq(json_integer_value(json_object_get(created->json, "version")), 1);
	cr_assert_str_eq(http_string(created, "created_by"), specialist.subject);
	struct http_response *read = note_get(id, specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, created->json), "%s\n%s", created->body, read->body);
	char *etag = http_header(read, "ETag");
	cr_assert_str_eq(etag, "\"1\"");
	free(etag);
	http_response_free(read);
	http_response_free(created);

	/* The first note engages the referral, from the time of the session. */
	struct http_response *referral = referral_get(person.referral_id, provider.supervisor);
	cr_assert_eq(referral->status, 200, "%s", referral->body);
	cr_assert_str_eq(http_string(referral, "status"), "engaged", "%s", referral->body);
	cr_assert_str_eq(http_string(referral, "first_contact_at"), occurred, "%s", referral->body);
	http_response_free(referral);
	history_moves(person.referral_id, provider.supervisor, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");

	/* A second note engages nothing more. */
	char now[32];
	now_instant(now, sizeof now);
	char *second =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, now, 30, "phone"));
	history_moves(person.referral_id, provider.supervisor, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");
	referral = referral_get(person.referral_id, provider.supervisor);
	cr_assert_str_eq(http_string(referral, "status"), "engaged");
	cr_assert_str_eq(http_string(referral, "first_contact_at"), occurred, "%s", referral->body);
	http_response_free(referral);

	/* A partner and a reporter never reach a note. */
	char *partner_organization = create_organization("partner");
	char *partner = token_for("partner", partner_organization);
	char *reporter = token_for("reporter", provider.id);
	const char *const outsiders[] = {partner, reporter};
	for (size_t i = 0; i < 2; i++) {
		expect(http_get("/v1/session-notes", outsiders[i]), 403, "listing");
		expect(note_post(outsiders[i],
				 note_doc(person.id, person.goal_id, occurred, 30, "phone")),
		       403, "writing");
		expect(note_get(id, outsiders[i]), 403, "reading");
		expect(note_patch(id, outsiders[i], "{\"summary\":\"x\"}", NULL), 403, "patching");
		expect(note_act(id, "sign", outsiders[i]), 403, "signing");
		expect(note_addendum(id, outsiders[i], "x"), 403, "amending");
		expect(note_act(id, "cosign", outsiders[i]), 403, "co-signing");
	}

	/* A colleague who is not assigned does not see the note. */
	expect(note_get(id, colleague.token), 404, "a colleague reads");
	expect(note_patch(id, colleague.token, "{\"summary\":\"x\"}", NULL), 404,
	       "a colleague patches");
	expect(note_act(id, "sign", colleague.token), 404, "a colleague signs");
	expect(note_addendum(id, colleague.token, "x"), 404, "a colleague amends");
	expect(note_post(colleague.token,
			 note_doc(person.id, person.goal_id, occurred, 30, "phone")),
	       404, "a colleague writes for the participant");
	char listed[2048];
	list_ids("/v1/session-notes?", colleague.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "a colleague lists: %s", listed);

	/* Nor does another organization's supervisor. */
	char *elsewhere_id = create_organization("provider");
	char *elsewhere = token_for("supervisor", elsewhere_id);
	expect(note_get(id, elsewhere), 404, "another organization reads");
	expect(note_patch(id, elsewhere, "{\"summary\":\"x\"}", NULL), 404,
	       "another organization patches");
	expect(note_addendum(id, elsewhere, "x"), 404, "another organization amends");
	expect(note_act(id, "cosign", elsewhere), 404, "another organization co-signs");
	json_t *foreign = note_doc(person.id, person.goal_id, occurred, 30, "phone");
	json_object_set_new(foreign, "specialist_id", json_string(specialist.id));
	expect(note_post(elsewhere, foreign), 404, "another organization writes");
	list_ids("/v1/session-notes?", elsewhere, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "another organization lists: %s", listed);

	/* A supervisor does not sign; a specialist does not co-sign; a draft is neither
	 * co-signed nor amended. */
	expect(note_act(id, "sign", provider.supervisor), 403, "the supervisor signs");
	expect(note_act(id, "cosign", specialist.token), 403, "the specialist co-signs");
	expect(note_act(id, "cosign", provider.supervisor), 409, "co-signing a draft");
	expect(note_addendum(id, specialist.token, "Forgot the bus pass."), 409,
	       "amending a draft");

	/* The specialist signs: locked and billed. */
	struct http_response *signed_note = note_act(id, "sign", specialist.token);
	cr_assert_eq(signed_note->status, 200, "%s", signed_note->body);
	cr_assert_str_eq(http_string(signed_note, "status"), "signed");
	cr_assert_str_eq(http_string(signed_note, "signed_by"), specialist.subject);
	cr_assert(is_utc_timestamp(http_string(signed_note, "signed_at")), "%s", signed_note->body);
	cr_assert_eq(json_integer_value(json_object_get(signed_note->json, "version")), 2);
	assert_billing(json_object_get(signed_note->json, "billing"), true, 3, false, "",
		       "45 minutes in person");
	expect(note_act(id, "sign", specialist.token), 409, "signing again");

	/* Locked: a PATCH is refused and changes nothing. */
	expect(note_patch(id, specialist.token, "{\"summary\":\"Rewritten.\"}", NULL), 409,
	       "patching a signed note");
	expect(note_patch(id, provider.supervisor, "{\"duration_minutes\":60}", NULL), 409,
	       "the supervisor patches a signed note");
	read = note_get(id, specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, signed_note->json), "%s\n%s", signed_note->body,
		  read->body);
	http_response_free(read);
	http_response_free(signed_note);

	/* Corrections are appended. */
	expect_invalid(note_addendum(id, specialist.token, ""), "text", "an empty addendum");
	struct http_response *amended =
		note_addendum(id, specialist.token, "The session ended at 11:05, not 11:00.");
	cr_assert_eq(amended->status, 201, "%s", amended->body);
	json_t *addenda = json_object_get(amended->json, "addenda");
	cr_assert_eq(json_array_size(addenda), 1, "%s", amended->body);
	json_t *addendum = json_array_get(addenda, 0);
	cr_assert_str_eq(json_string_value(json_object_get(addendum, "text")),
			 "The session ended at 11:05, not 11:00.");
	cr_assert_str_eq(json_string_value(json_object_get(addendum, "by")), specialist.subject);
	cr_assert(is_utc_timestamp(json_string_value(json_object_get(addendum, "at"))), "%s",
		  amended->body);
	cr_assert_eq(json_integer_value(json_object_get(amended->json, "duration_minutes")), 45);
	http_response_free(amended);
	amended = note_addendum(id, provider.supervisor, "Reviewed with the specialist.");
	cr_assert_eq(amended->status, 201, "%s", amended->body);
	addenda = json_object_get(amended->json, "addenda");
	cr_assert_eq(json_array_size(addenda), 2, "%s", amended->body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(addenda, 0), "text")),
			 "The session ended at 11:05, not 11:00.");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(addenda, 1), "by")),
			 provider.supervisor_subject);
	http_response_free(amended);

	/* The supervisor co-signs, once. */
	struct http_response *cosigned = note_act(id, "cosign", provider.supervisor);
	cr_assert_eq(cosigned->status, 200, "%s", cosigned->body);
	cr_assert_str_eq(http_string(cosigned, "cosigned_by"), provider.supervisor_subject);
	cr_assert(is_utc_timestamp(http_string(cosigned, "cosigned_at")), "%s", cosigned->body);
	cr_assert_str_eq(http_string(cosigned, "signed_by"), specialist.subject);
	http_response_free(cosigned);
	expect(note_act(id, "cosign", provider.supervisor), 409, "co-signing again");

	/* The supervisor's queue: signed and not co-signed, of this organization only. A note
	 * signed and waiting elsewhere stays out of it. */
	json_decref(sign_ok(second, specialist.token));
	char *draft =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, now, 20, "video"));
	struct provider other;
	provider_open(&other, NULL, 0);
	struct specialist other_specialist;
	specialist_open(&other_specialist, other.id, true);
	struct person other_person;
	person_walk_in(&other_person, &other);
	char *other_note = note_for_ok(
		other.supervisor, note_doc(other_person.id, other_person.goal_id, now, 30, "phone"),
		other_specialist.id);
	json_decref(sign_ok(other_note, other.admin));
	list_ids("/v1/session-notes?cosigned=false", provider.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, second, "the queue: %s", listed);
	list_ids("/v1/session-notes?cosigned=true", provider.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, id);
	list_ids("/v1/session-notes?cosigned=false", other.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, other_note);
	char all[512];
	join_ids((const char *const[]){draft, second, id}, 3, all, sizeof all);
	list_ids("/v1/session-notes?", provider.supervisor, listed, sizeof listed);
	cr_assert_str_eq(listed, all);
	list_ids("/v1/session-notes?", specialist.token, listed, sizeof listed);
	cr_assert_str_eq(listed, all);

	free(other_note);
	person_close(&other_person);
	specialist_close(&other_specialist);
	provider_close(&other);
	free(draft);
	free(elsewhere);
	free(elsewhere_id);
	free(reporter);
	free(partner);
	free(partner_organization);
	free(second);
	free(id);
	free(second_goal);
	person_close(&person);
	specialist_close(&colleague);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* 2. Billing */

struct billing_case {
	int minutes;
	const char *modality;
	bool billable;
	int units;
	const char *reasons;
};

/* Each case a note of its own day (one, two, ... days ago), written and signed by the
 * specialist assigned to person. */
static void check_cases(const struct billing_case *cases, size_t count, const char *writer,
			const char *signer, const struct person *person, const char *rounding)
{
	for (size_t i = 0; i < count; i++) {
		char occurred[32], what[96];
		local_instant((int)i + 1, "10:00", occurred, sizeof occurred);
		char *id = note_ok(writer, note_doc(person->id, person->goal_id, occurred,
						    cases[i].minutes, cases[i].modality));
		json_t *billing = sign_ok(id, signer);
		snprintf(what, sizeof what, "%s: %d minutes %s", rounding, cases[i].minutes,
			 cases[i].modality);
		assert_billing(billing, cases[i].billable, cases[i].units,
			       strcmp(cases[i].modality, "group") == 0, cases[i].reasons, what);
		/* Fixed at signing: read back the same. */
		struct http_response *read = note_get(id, signer);
		cr_assert_eq(read->status, 200, "%s", read->body);
		cr_assert(json_equal(json_object_get(read->json, "billing"), billing), "%s: %s",
			  what, read->body);
		http_response_free(read);
		json_decref(billing);
		free(id);
	}
}

Test(session_notes, whole_rounding_counts_full_quarter_hours)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	const struct billing_case cases[] = {
		{14, "in_person", false, 0, "under_one_unit"},
		{15, "in_person", true, 1, ""},
		{29, "in_person", true, 1, ""},
		{30, "in_person", true, 2, ""},
		{44, "phone", true, 2, ""},
		{45, "video", true, 3, ""},
		{1, "home_visit", false, 0, "under_one_unit"},
		{480, "community", true, 16, ""}, /* 32 units, cut to the day's 16 */
	};
	check_cases(cases, sizeof cases / sizeof cases[0], specialist.token, specialist.token,
		    &person, "whole");
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, half_up_rounding_counts_from_eight_minutes)
{
	struct provider provider;
	provider_open(&provider, "half_up", 16);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	const struct billing_case cases[] = {
		{7, "in_person", false, 0, "under_one_unit"},
		{8, "in_person", true, 1, ""},
		{22, "in_person", true, 1, ""},
		{23, "in_person", true, 2, ""},
		{37, "in_person", true, 2, ""},
		{38, "in_person", true, 3, ""},
		{52, "phone", true, 3, ""},
		{53, "phone", true, 4, ""},
	};
	check_cases(cases, sizeof cases / sizeof cases[0], specialist.token, specialist.token,
		    &person, "half_up");
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, modality_sets_the_modifier_and_text_is_never_billed)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	const struct billing_case cases[] = {
		{60, "group", true, 4, ""},
		{10, "group", false, 0, "under_one_unit"},
		{30, "text", false, 0, "text_modality"},
		{10, "text", false, 0, "text_modality under_one_unit"},
		{15, "in_person", true, 1, ""},
		{15, "phone", true, 1, ""},
		{15, "video", true, 1, ""},
		{15, "home_visit", true, 1, ""},
		{15, "community", true, 1, ""},
	};
	check_cases(cases, sizeof cases / sizeof cases[0], specialist.token, specialist.token,
		    &person, "whole");
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* Writes a note for specialist_id as the supervisor and signs it as the admin (the
 * specialist could not be assigned without a certification valid today); returns the
 * billing (decref it). */
static json_t *billed_for(const struct provider *provider, const struct person *person,
			  const char *specialist_id, const char *occurred, int minutes,
			  const char *modality)
{
	char *id = note_for_ok(provider->supervisor,
			       note_doc(person->id, person->goal_id, occurred, minutes, modality),
			       specialist_id);
	json_t *billing = sign_ok(id, provider->admin);
	free(id);
	return billing;
}

Test(session_notes, certification_counts_on_the_day_of_the_session)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct person person;
	person_walk_in(&person, &provider);
	char now[32], two_days_ago[32], yesterday[32];
	now_instant(now, sizeof now);
	local_instant(2, "10:00", two_days_ago, sizeof two_days_ago);
	local_instant(1, "10:00", yesterday, sizeof yesterday);
	json_t *billing;

	/* Certified through 2020 only: a session then is billable, one today is not. */
	struct specialist veteran;
	specialist_open(&veteran, provider.id, false);
	free(create_certification(veteran.id, "active", "2020-01-01", "2021-01-01"));
	billing =
		billed_for(&provider, &person, veteran.id, "2020-06-15T18:00:00Z", 30, "in_person");
	assert_billing(billing, true, 2, false, "", "certified in 2020, a session in 2020");
	json_decref(billing);
	billing = billed_for(&provider, &person, veteran.id, now, 30, "in_person");
	assert_billing(billing, false, 0, false, "not_certified",
		       "certified in 2020, a session today");
	json_decref(billing);

	/* Certified from tomorrow: not today. */
	struct specialist newcomer;
	specialist_open(&newcomer, provider.id, false);
	certify_between(newcomer.id, "active", 1, 730);
	billing = billed_for(&provider, &person, newcomer.id, now, 30, "in_person");
	assert_billing(billing, false, 0, false, "not_certified",
		       "certified from tomorrow, a session today");
	json_decref(billing);

	/* Expired yesterday: a session two days ago and one yesterday, its last day, are
	 * billable, one today is not. */
	struct specialist lapsed;
	specialist_open(&lapsed, provider.id, false);
	certify_between(lapsed.id, "active", -365, -1);
	billing = billed_for(&provider, &person, lapsed.id, two_days_ago, 30, "in_person");
	assert_billing(billing, true, 2, false, "", "expired yesterday, a session two days ago");
	json_decref(billing);
	billing = billed_for(&provider, &person, lapsed.id, yesterday, 30, "in_person");
	assert_billing(billing, true, 2, false, "", "expired yesterday, a session on its last day");
	json_decref(billing);
	billing = billed_for(&provider, &person, lapsed.id, now, 30, "in_person");
	assert_billing(billing, false, 0, false, "not_certified",
		       "expired yesterday, a session today");
	json_decref(billing);

	/* A pending (not verified) certification does not count. */
	struct specialist pending;
	specialist_open(&pending, provider.id, false);
	certify_between(pending.id, "pending", -30, 700);
	billing = billed_for(&provider, &person, pending.id, now, 30, "in_person");
	assert_billing(billing, false, 0, false, "not_certified", "pending");
	json_decref(billing);

	/* Every cause is listed. */
	billing = billed_for(&provider, &person, pending.id, now, 5, "text");
	assert_billing(billing, false, 0, false, "not_certified text_modality under_one_unit",
		       "uncertified, text, five minutes");
	json_decref(billing);

	/* A session may not be in the future. */
	struct specialist current;
	specialist_open(&current, provider.id, true);
	char tomorrow[32];
	local_instant(-1, "10:00", tomorrow, sizeof tomorrow);
	json_t *future = note_doc(person.id, person.goal_id, tomorrow, 30, "in_person");
	json_object_set_new(future, "specialist_id", json_string(current.id));
	expect_invalid(note_post(provider.supervisor, future), "occurred_at", "a session tomorrow");

	specialist_close(&current);
	specialist_close(&pending);
	specialist_close(&lapsed);
	specialist_close(&newcomer);
	specialist_close(&veteran);
	person_close(&person);
	provider_close(&provider);
}

/* 3. The daily cap */

Test(session_notes, daily_cap_cuts_units_per_participant_and_day)
{
	struct provider provider;
	provider_open(&provider, "whole", 4);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person, neighbour;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&neighbour, &provider, &specialist);
	char at[32];
	json_t *billing;
	const char *const times[] = {"08:00", "09:00", "11:00", "13:00"};
	const int minutes[] = {60, 45, 45, 15};
	const char *const modalities[] = {"text", "in_person", "in_person", "phone"};
	char *ids[4];
	/* Written first, signed in order: the cap counts notes signed earlier. */
	for (size_t i = 0; i < 4; i++) {
		local_instant(2, times[i], at, sizeof at);
		ids[i] = note_ok(specialist.token, note_doc(person.id, person.goal_id, at,
							    minutes[i], modalities[i]));
	}
	/* A text note bills nothing and takes nothing from the day. */
	billing = sign_ok(ids[0], specialist.token);
	assert_billing(billing, false, 0, false, "text_modality", "60 minutes by text");
	json_decref(billing);
	billing = sign_ok(ids[1], specialist.token);
	assert_billing(billing, true, 3, false, "", "45 minutes, nothing billed before");
	json_decref(billing);
	billing = sign_ok(ids[2], specialist.token);
	assert_billing(billing, true, 1, false, "", "45 minutes, 3 of 4 billed before");
	json_decref(billing);
	billing = sign_ok(ids[3], specialist.token);
	assert_billing(billing, false, 0, false, "daily_cap_reached", "15 minutes, cap reached");
	json_decref(billing);

	/* Another day, and another participant the same day, are their own. */
	local_instant(3, "09:00", at, sizeof at);
	char *other_day =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 45, "in_person"));
	billing = sign_ok(other_day, specialist.token);
	assert_billing(billing, true, 3, false, "", "another day");
	json_decref(billing);
	local_instant(2, "15:00", at, sizeof at);
	char *other_person = note_ok(
		specialist.token, note_doc(neighbour.id, neighbour.goal_id, at, 45, "in_person"));
	billing = sign_ok(other_person, specialist.token);
	assert_billing(billing, true, 3, false, "", "another participant the same day");
	json_decref(billing);

	/* Under the cap and not billable for another cause still lists every cause. */
	local_instant(2, "17:00", at, sizeof at);
	char *short_text =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 5, "text"));
	billing = sign_ok(short_text, specialist.token);
	assert_billing(billing, false, 0, false, "text_modality under_one_unit daily_cap_reached",
		       "five minutes by text after the cap");
	json_decref(billing);

	free(short_text);
	free(other_person);
	free(other_day);
	for (size_t i = 0; i < 4; i++)
		free(ids[i]);
	person_close(&neighbour);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, daily_cap_counts_the_organizations_day)
{
	struct provider provider;
	provider_open(&provider, "whole", 4);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char at[32];
	json_t *billing;

	/* 23:00 and 00:30 the next morning: one UTC date, two days of the organization. */
	const int days[] = {5, 4};
	const char *const late[] = {"23:00", "00:30"};
	for (size_t i = 0; i < 2; i++) {
		local_instant(days[i], late[i], at, sizeof at);
		char *id = note_ok(specialist.token,
				   note_doc(person.id, person.goal_id, at, 60, "in_person"));
		billing = sign_ok(id, specialist.token);
		assert_billing(billing, true, 4, false, "", late[i]);
		json_decref(billing);
		free(id);
	}

	/* 15:30 and 17:30: two UTC dates, one day of the organization. */
	local_instant(8, "15:30", at, sizeof at);
	char *afternoon =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 60, "in_person"));
	local_instant(8, "17:30", at, sizeof at);
	char *evening =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 60, "in_person"));
	billing = sign_ok(afternoon, specialist.token);
	assert_billing(billing, true, 4, false, "", "15:30");
	json_decref(billing);
	billing = sign_ok(evening, specialist.token);
	assert_billing(billing, false, 0, false, "daily_cap_reached", "17:30 the same day");
	json_decref(billing);

	free(evening);
	free(afternoon);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* Requests sent from threads of their own, released at the same moment. */
struct at_once {
	char path[128];
	const char *token;
	const char *method;
	char *body;	   /* JSON text, or NULL; freed by send_together */
	char if_match[48]; /* "If-Match: ..." or "" */
	pthread_barrier_t *start;
	struct http_response *response;
};

static void *send_when_released(void *context)
{
	struct at_once *request = context;
	pthread_barrier_wait(request->start);
	request->response = http_send(&(struct http_request){
		.method = request->method,
		.path = request->path,
		.token = request->token,
		.content_type = request->body ? "application/json" : NULL,
		.body = request->body,
		.headers = {request->if_match[0] ? request->if_match : NULL}});
	return NULL;
}

/* Sends count requests at once and waits for every answer (in requests[i].response). */
static void send_together(struct at_once *requests, size_t count)
{
	pthread_barrier_t start;
	pthread_t threads[8];
	cr_assert(count <= 8);
	pthread_barrier_init(&start, NULL, (unsigned)count);
	for (size_t i = 0; i < count; i++) {
		requests[i].start = &start;
		requests[i].response = NULL;
		pthread_create(&threads[i], NULL, send_when_released, &requests[i]);
	}
	for (size_t i = 0; i < count; i++) {
		pthread_join(threads[i], NULL);
		free(requests[i].body);
		requests[i].body = NULL;
	}
	pthread_barrier_destroy(&start);
}

/* Two POSTs of action on note id as token, at once; their statuses, sorted. */
static void act_together(const char *id, const char *action, const char *token, long statuses[2])
{
	char suffix[16], etag[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	/* Two clients that read the same version. */
	note_etag(id, token, etag, sizeof etag);
	struct at_once requests[2];
	for (size_t i = 0; i < 2; i++) {
		requests[i] = (struct at_once){.token = token, .method = "POST"};
		note_path(requests[i].path, sizeof requests[i].path, id, suffix);
		snprintf(requests[i].if_match, sizeof requests[i].if_match, "If-Match: %s", etag);
	}
	send_together(requests, 2);
	for (size_t i = 0; i < 2; i++) {
		statuses[i] = requests[i].response->status;
		http_response_free(requests[i].response);
	}
	if (statuses[0] > statuses[1]) {
		long first = statuses[0];
		statuses[0] = statuses[1];
		statuses[1] = first;
	}
}

Test(session_notes, signings_at_the_same_moment_share_the_daily_cap)
{
	struct provider provider;
	provider_open(&provider, "whole", 4);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	enum { ROUNDS = 6 };
	char *ids[ROUNDS][2];
	char at[32];
	for (int round = 0; round < ROUNDS; round++) {
		local_instant(round + 1, "09:00", at, sizeof at);
		ids[round][0] = note_ok(specialist.token,
					note_doc(person.id, person.goal_id, at, 60, "in_person"));
		local_instant(round + 1, "14:00", at, sizeof at);
		ids[round][1] = note_ok(specialist.token,
					note_doc(person.id, person.goal_id, at, 60, "in_person"));
	}
	for (int round = 0; round < ROUNDS; round++) {
		struct at_once signings[2];
		for (int i = 0; i < 2; i++) {
			signings[i] = (struct at_once){.token = specialist.token, .method = "POST"};
			note_path(signings[i].path, sizeof signings[i].path, ids[round][i],
				  "/sign");
			char etag[32];
			note_etag(ids[round][i], specialist.token, etag, sizeof etag);
			snprintf(signings[i].if_match, sizeof signings[i].if_match, "If-Match: %s",
				 etag);
		}
		send_together(signings, 2);
		int billed = 0, capped = 0;
		for (int i = 0; i < 2; i++) {
			struct http_response *response = signings[i].response;
			cr_assert_eq(response->status, 200, "round %d: %s", round, response->body);
			json_t *billing = json_object_get(response->json, "billing");
			if (json_is_true(json_object_get(billing, "billable"))) {
				billed++;
				assert_billing(billing, true, 4, false, "", "the first signed");
			} else {
				capped++;
				assert_billing(billing, false, 0, false, "daily_cap_reached",
					       "the second signed");
			}
			http_response_free(response);
		}
		cr_assert_eq(billed, 1, "round %d: %d billable, %d capped", round, billed, capped);
		cr_assert_eq(capped, 1, "round %d: %d billable, %d capped", round, billed, capped);
		char day[16];
		days_from_today(-(round + 1), day, sizeof day);
		char *units = test_sql_text("SELECT sum(billing_units) FROM session_notes"
					    " WHERE participant_id = $1 AND billing_day = $2::date",
					    2, (const char *const[]){person.id, day});
		cr_assert_str_eq(units, "4", "round %d", round);
		free(units);
	}
	for (int round = 0; round < ROUNDS; round++) {
		free(ids[round][0]);
		free(ids[round][1]);
	}
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, one_note_or_referral_written_at_the_same_moment)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);

	/* Two first notes at once: both written, the referral engaged once, from one of
	 * them. */
	char times[2][32];
	local_instant(2, "09:00", times[0], sizeof times[0]);
	local_instant(1, "09:00", times[1], sizeof times[1]);
	struct at_once posts[2];
	for (size_t i = 0; i < 2; i++) {
		posts[i] = (struct at_once){
			.path = "/v1/session-notes", .token = specialist.token, .method = "POST"};
		json_t *doc = note_doc(person.id, person.goal_id, times[i], 30, "phone");
		posts[i].body = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
	}
	send_together(posts, 2);
	char *ids[2];
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(posts[i].response->status, 201, "%s", posts[i].response->body);
		ids[i] = strdup(http_string(posts[i].response, "id"));
		http_response_free(posts[i].response);
	}
	char moves[256];
	history_moves(person.referral_id, provider.supervisor, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");
	struct http_response *referral = referral_get(person.referral_id, provider.supervisor);
	const char *first_contact = http_string(referral, "first_contact_at");
	cr_assert(first_contact && (strcmp(first_contact, times[0]) == 0 ||
				    strcmp(first_contact, times[1]) == 0),
		  "%s", referral->body);
	http_response_free(referral);

	/* One note signed twice at once by its author, from the version both read: signed
	 * once; the second is that signature sent again, and answers the note as it stands
	 * (the version below counts one signing). */
	long statuses[2];
	act_together(ids[0], "sign", specialist.token, statuses);
	cr_assert(statuses[0] == 200 && statuses[1] == 200, "signing twice at once: %ld, %ld",
		  statuses[0], statuses[1]);
	/* Co-signed twice at once: once, the same way. */
	act_together(ids[0], "cosign", provider.supervisor, statuses);
	cr_assert(statuses[0] == 200 && statuses[1] == 200, "co-signing twice at once: %ld, %ld",
		  statuses[0], statuses[1]);
	/* Two addenda at once: both kept. */
	struct at_once addenda[2];
	for (size_t i = 0; i < 2; i++) {
		addenda[i] = (struct at_once){
			.token = i ? provider.supervisor : specialist.token,
			.method = "POST",
			.body = strdup(i ? "{\"text\":\"Second.\"}" : "{\"text\":\"First.\"}")};
		note_path(addenda[i].path, sizeof addenda[i].path, ids[0], "/addenda");
	}
	send_together(addenda, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(addenda[i].response->status, 201, "%s", addenda[i].response->body);
		http_response_free(addenda[i].response);
	}
	struct http_response *read = note_get(ids[0], specialist.token);
	cr_assert_eq(json_array_size(json_object_get(read->json, "addenda")), 2, "%s", read->body);
	cr_assert_eq(json_integer_value(json_object_get(read->json, "version")), 5,
		     "written, signed, co-signed, amended twice: %s", read->body);
	http_response_free(read);

	free(ids[1]);
	free(ids[0]);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* 4. The database keeps signed notes and addenda */

/* Runs sql with id as $1; returns whether it succeeded. */
static bool sql_succeeds(PGconn *db, const char *sql, const char *id)
{
	PGresult *res = PQexecParams(db, sql, 1, NULL, (const char *const[]){id}, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

Test(session_notes, the_database_refuses_to_change_signed_notes_and_addenda)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	char *signed_id =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 30, "phone"));
	json_decref(sign_ok(signed_id, specialist.token));
	expect(note_addendum(signed_id, specialist.token, "First correction."), 201, "amending");
	struct http_response *before = note_get(signed_id, specialist.token);
	cr_assert_eq(before->status, 200, "%s", before->body);
	char *draft_id =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 30, "phone"));

	PGconn *db = test_db_connect();
	const char *const refused[] = {
		"UPDATE session_notes SET summary = 'x' WHERE id = $1",
		"UPDATE session_notes SET status = 'draft', signed_at = NULL, signed_by = NULL,"
		" billing = NULL, billing_units = NULL, billing_day = NULL WHERE id = $1",
		"UPDATE session_notes SET duration_minutes = 480 WHERE id = $1",
		"UPDATE session_notes SET billing_units = 16 WHERE id = $1",
		"UPDATE session_notes SET occurred_at = occurred_at - interval '1 day' WHERE id = "
		"$1",
		"DELETE FROM session_notes WHERE id = $1",
		"UPDATE session_note_addenda SET text = 'x' WHERE note_id = $1",
		"UPDATE session_note_addenda SET by = 'someone else' WHERE note_id = $1",
		"DELETE FROM session_note_addenda WHERE note_id = $1",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		cr_assert_not(sql_succeeds(db, refused[i], signed_id), "the database ran: %s",
			      refused[i]);
	struct http_response *after = note_get(signed_id, specialist.token);
	cr_assert_eq(after->status, 200, "%s", after->body);
	cr_assert(json_equal(after->json, before->json), "%s\n%s", before->body, after->body);
	cr_assert_str_eq(http_string(after, "summary"),
			 "Talked about the week and the job application.");
	http_response_free(after);

	/* Co-signed once, through the API; the co-signature is then as fixed. */
	expect(note_act(signed_id, "cosign", provider.supervisor), 200, "co-signing");
	cr_assert_not(sql_succeeds(db,
				   "UPDATE session_notes SET cosigned_by = 'someone else',"
				   " cosigned_at = now() WHERE id = $1",
				   signed_id),
		      "the database changed a co-signature");
	cr_assert_not(sql_succeeds(db,
				   "UPDATE session_notes SET cosigned_by = NULL, cosigned_at = NULL"
				   " WHERE id = $1",
				   signed_id),
		      "the database removed a co-signature");

	/* A draft is still a draft. */
	cr_assert(
		sql_succeeds(db, "UPDATE session_notes SET summary = 'x' WHERE id = $1", draft_id),
		"%s", PQerrorMessage(db));
	struct http_response *draft = note_get(draft_id, specialist.token);
	cr_assert_str_eq(http_string(draft, "summary"), "x", "%s", draft->body);
	http_response_free(draft);
	PQfinish(db);

	http_response_free(before);
	free(draft_id);
	free(signed_id);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* 5. What a note must be */

Test(session_notes, goal_ids_name_each_goal_that_is_not_active_for_the_participant)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person, other;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&other, &provider, &specialist);
	char *stopped = goal_ok(person.id, specialist.token, "financial");
	goal_discontinue(stopped, specialist.token);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);

	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_t *goals =
		json_pack("[s, s, s, s]", other.goal_id, stopped, UNKNOWN_ID, person.goal_id);
	json_object_set_new(doc, "goal_ids", goals);
	struct http_response *refused = note_post(specialist.token, doc);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "goal_ids[0]");
	assert_error_names(refused, "goal_ids[1]");
	assert_error_names(refused, "goal_ids[2]");
	cr_assert_not(names_field(refused, "goal_ids[3]"), "%s", refused->body);
	http_response_free(refused);

	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "goal_ids", json_array());
	expect_invalid(note_post(specialist.token, doc), "goal_ids", "no goals");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_del(doc, "goal_ids");
	expect_invalid(note_post(specialist.token, doc), "goal_ids", "goal_ids left out");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "goal_ids", json_pack("[s]", "not-a-goal"));
	expect(note_post(specialist.token, doc), 422, "a goal id that is no UUID");

	/* Nothing was written. */
	char listed[512];
	char path[128];
	snprintf(path, sizeof path, "/v1/session-notes?participant_id=%s", person.id);
	list_ids(path, specialist.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "");

	free(stopped);
	person_close(&other);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, fields_are_checked_and_every_broken_one_named)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char at[32], tomorrow[32];
	local_instant(1, "10:00", at, sizeof at);
	local_instant(-1, "10:00", tomorrow, sizeof tomorrow);

	expect_invalid(
		note_post(specialist.token, note_doc(person.id, person.goal_id, at, 0, "phone")),
		"duration_minutes", "0 minutes");
	expect_invalid(
		note_post(specialist.token, note_doc(person.id, person.goal_id, at, 481, "phone")),
		"duration_minutes", "481 minutes");
	expect_invalid(note_post(specialist.token,
				 note_doc(person.id, person.goal_id, at, 30, "carrier_pigeon")),
		       "modality", "an unknown modality");
	expect_invalid(note_post(specialist.token,
				 note_doc(person.id, person.goal_id, tomorrow, 30, "phone")),
		       "occurred_at", "a session tomorrow");
	expect_invalid(note_post(specialist.token, note_doc(person.id, person.goal_id,
							    "2026-02-30T10:00:00Z", 30, "phone")),
		       "occurred_at", "no such day");
	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_del(doc, "participant_id");
	expect_invalid(note_post(specialist.token, doc), "participant_id", "no participant");

	/* Every broken field at once. */
	struct http_response *refused = note_post(
		specialist.token, note_doc(person.id, person.goal_id, tomorrow, 0, "telepathy"));
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "occurred_at");
	assert_error_names(refused, "duration_minutes");
	assert_error_names(refused, "modality");
	http_response_free(refused);

	/* The bounds themselves are allowed. */
	free(note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 1, "phone")));
	free(note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 480, "phone")));

	/* The server writes what the server owns. */
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "status", json_string("signed"));
	expect_invalid(note_post(specialist.token, doc), "status", "status given");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "billing", json_pack("{s:b}", "billable", 1));
	expect_invalid(note_post(specialist.token, doc), "billing", "billing given");

	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* API.md: occurred_at may not be in the future. RFC 3339 names the same instant with Z,
 * with an offset or with a lower-case t and z, and peerd accepts all of them; the check
 * must hold for each, on POST and on PATCH. Every form is tried before the test fails, and
 * the failures are listed together. */
Test(session_notes, occurred_at_in_the_future_is_refused_in_every_form)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char day[16], at[40], past[32], body[128];
	days_from_today(30, day, sizeof day);
	local_instant(1, "10:00", past, sizeof past);
	char *draft =
		note_ok(specialist.token, note_doc(person.id, person.goal_id, past, 30, "phone"));
	/* The separator and what follows the seconds. */
	const char *const forms[][2] = {
		{"T", "Z"}, {"t", "z"}, {"T", "+00:00"}, {"T", "-07:00"}, {"T", ".5-07:00"},
	};
	char failures[2048] = "";
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		snprintf(at, sizeof at, "%s%s10:00:00%s", day, forms[i][0], forms[i][1]);
		struct http_response *posted = note_post(
			specialist.token, note_doc(person.id, person.goal_id, at, 30, "phone"));
		snprintf(body, sizeof body, "{\"occurred_at\":\"%s\"}", at);
		struct http_response *patched = note_patch(draft, specialist.token, body, NULL);
		const struct http_response *const answers[] = {posted, patched};
		const char *const verbs[] = {"POST", "PATCH"};
		for (size_t k = 0; k < 2; k++) {
			if (answers[k]->status == 422 && names_field(answers[k], "occurred_at"))
				continue;
			size_t used = strlen(failures);
			snprintf(failures + used, sizeof failures - used,
				 "\n%s occurred_at %s (30 days ahead): %ld, stored as %s", verbs[k],
				 at, answers[k]->status,
				 http_string(answers[k], "occurred_at")
					 ? http_string(answers[k], "occurred_at")
					 : "-");
		}
		http_response_free(patched);
		http_response_free(posted);
	}
	free(draft);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
	cr_assert(failures[0] == '\0', "a session in the future was accepted:%s", failures);
}

/* API.md: "422 well-formed JSON that breaks a rule; every broken field is listed". A
 * note broken in its shape and in its goals at once names both. */
Test(session_notes, every_broken_field_is_named_with_the_goals)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	/* By the specialist: no minutes, and no such goal. */
	struct http_response *by_specialist =
		note_post(specialist.token, note_doc(person.id, UNKNOWN_ID, at, 0, "phone"));
	/* By the supervisor: no specialist named, and no such goal. */
	struct http_response *by_supervisor =
		note_post(provider.supervisor, note_doc(person.id, UNKNOWN_ID, at, 30, "phone"));
	const struct {
		const struct http_response *response;
		const char *fields[2];
	} cases[] = {
		{by_specialist, {"duration_minutes", "goal_ids[0]"}},
		{by_supervisor, {"specialist_id", "goal_ids[0]"}},
	};
	char failures[2048] = "";
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < 2; k++) {
			if (cases[i].response->status == 422 &&
			    names_field(cases[i].response, cases[i].fields[k]))
				continue;
			size_t used = strlen(failures);
			snprintf(failures + used, sizeof failures - used,
				 "\n%s is not named: %ld %s", cases[i].fields[k],
				 cases[i].response->status, cases[i].response->body);
		}
	}
	http_response_free(by_supervisor);
	http_response_free(by_specialist);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
	cr_assert(failures[0] == '\0', "not every broken field is listed:%s", failures);
}

/* A UUID is the same in either case: POST takes participant_id in upper case; a PATCH that
 * repeats the note's own participant_id in upper case changes nothing. */
Test(session_notes, patch_repeating_the_participant_id_in_upper_case_changes_nothing)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist;
	specialist_open(&specialist, provider.id, true);
	struct person person;
	person_assigned(&person, &provider, &specialist);
	char at[32], upper[64], body[160];
	local_instant(1, "10:00", at, sizeof at);
	snprintf(upper, sizeof upper, "%s", person.id);
	for (char *c = upper; *c; c++) {
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	}
	/* POST takes it. */
	char *id = note_ok(specialist.token, note_doc(upper, person.goal_id, at, 30, "phone"));
	snprintf(body, sizeof body, "{\"participant_id\":\"%s\",\"summary\":\"Edited.\"}", upper);
	struct http_response *patched = note_patch(id, specialist.token, body, NULL);
	long status = patched->status;
	char answer[512];
	snprintf(answer, sizeof answer, "%s", patched->body);
	http_response_free(patched);
	free(id);
	person_close(&person);
	specialist_close(&specialist);
	provider_close(&provider);
	cr_assert_eq(status, 200, "PATCH with participant_id %s: %s", upper, answer);
}

Test(session_notes, who_writes_a_note_for_whom)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist, colleague;
	specialist_open(&specialist, provider.id, true);
	specialist_open(&colleague, provider.id, true);
	struct person person, colleagues_person;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&colleagues_person, &provider, &colleague);
	struct provider other;
	provider_open(&other, NULL, 0);
	struct specialist stranger;
	specialist_open(&stranger, other.id, true);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	json_t *doc;

	/* A specialist writes for their own participants, as themselves. */
	expect(note_post(specialist.token, note_doc(colleagues_person.id, colleagues_person.goal_id,
						    at, 30, "phone")),
	       404, "for a participant assigned to a colleague");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(colleague.id));
	expect(note_post(specialist.token, doc), 403, "naming a colleague");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(specialist.id));
	char *own = note_ok(specialist.token, doc);
	doc = note_doc(UNKNOWN_ID, person.goal_id, at, 30, "phone");
	expect(note_post(specialist.token, doc), 404, "for no participant");

	/* A supervisor names the specialist, one of the participant's organization. */
	expect_invalid(note_post(provider.supervisor,
				 note_doc(person.id, person.goal_id, at, 30, "phone")),
		       "specialist_id", "the supervisor names nobody");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(stranger.id));
	expect_invalid(note_post(provider.supervisor, doc), "specialist_id",
		       "another organization's specialist");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(UNKNOWN_ID));
	expect_invalid(note_post(provider.supervisor, doc), "specialist_id", "nobody's id");
	expect_invalid(
		note_post(provider.admin, note_doc(person.id, person.goal_id, at, 30, "phone")),
		"specialist_id", "the admin names nobody");
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(specialist.id));
	struct http_response *created = note_post(provider.supervisor, doc);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(http_string(created, "specialist_id"), specialist.id);
	cr_assert_str_eq(http_string(created, "created_by"), provider.supervisor_subject);
	char *for_specialist = strdup(http_string(created, "id"));
	http_response_free(created);
	/* The specialist signs what was written for them. */
	json_t *billing = sign_ok(for_specialist, specialist.token);
	assert_billing(billing, true, 2, false, "", "written by the supervisor");
	json_decref(billing);

	/* Another organization's supervisor does not see the participant. */
	doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_object_set_new(doc, "specialist_id", json_string(stranger.id));
	expect(note_post(other.supervisor, doc), 404, "another organization's supervisor");

	free(for_specialist);
	free(own);
	specialist_close(&stranger);
	provider_close(&other);
	person_close(&colleagues_person);
	person_close(&person);
	specialist_close(&colleague);
	specialist_close(&specialist);
	provider_close(&provider);
}

Test(session_notes, drafts_change_until_signed)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist specialist, colleague;
	specialist_open(&specialist, provider.id, true);
	specialist_open(&colleague, provider.id, true);
	struct person person, other;
	person_assigned(&person, &provider, &specialist);
	person_assigned(&other, &provider, &specialist);
	char at[32];
	local_instant(1, "10:00", at, sizeof at);
	char *id = note_ok(specialist.token, note_doc(person.id, person.goal_id, at, 30, "phone"));

	/* The author edits: the version moves only when something changes. */
	struct http_response *patched = note_patch(
		id, specialist.token,
		"{\"summary\":\"Rewritten the same day.\",\"duration_minutes\":40}", "\"1\"");
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_str_eq(http_string(patched, "summary"), "Rewritten the same day.");
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "duration_minutes")), 40);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2);
	cr_assert_str_eq(http_string(patched, "status"), "draft");
	http_response_free(patched);
	patched =
		note_patch(id, specialist.token, "{\"summary\":\"Rewritten the same day.\"}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 2,
		     "a PATCH that changes nothing: %s", patched->body);
	http_response_free(patched);
	expect(note_patch(id, specialist.token, "{\"plan\":\"Call Friday.\"}", "\"1\""), 412,
	       "a stale If-Match");

	/* What stays. */
	char body[256];
	snprintf(body, sizeof body, "{\"participant_id\":\"%s\"}", other.id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "participant_id",
		       "moving the note to another participant");
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", colleague.id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "specialist_id",
		       "moving the note to another specialist");
	expect_invalid(note_patch(id, specialist.token, "{\"duration_minutes\":0}", NULL),
		       "duration_minutes", "0 minutes");
	expect_invalid(note_patch(id, specialist.token, "{\"modality\":\"fax\"}", NULL), "modality",
		       "an unknown modality");
	expect_invalid(note_patch(id, specialist.token, "{\"goal_ids\":[]}", NULL), "goal_ids",
		       "no goals");
	snprintf(body, sizeof body, "{\"goal_ids\":[\"%s\"]}", other.goal_id);
	expect_invalid(note_patch(id, specialist.token, body, NULL), "goal_ids[0]",
		       "another participant's goal");
	/* A colleague who does not see the participant does not see the note. */
	expect(note_patch(id, colleague.token, "{\"summary\":\"Mine now.\"}", NULL), 404,
	       "a colleague patches");
	/* The supervisor may correct a draft. */
	patched = note_patch(id, provider.supervisor, "{\"location\":\"Library\"}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_eq(json_integer_value(json_object_get(patched->json, "version")), 3);
	http_response_free(patched);
	struct http_response *read = note_get(id, specialist.token);
	cr_assert_str_eq(http_string(read, "summary"), "Rewritten the same day.");
	cr_assert_str_eq(http_string(read, "location"), "Library");
	cr_assert_str_eq(http_string(read, "participant_id"), person.id);
	cr_assert_str_eq(http_string(read, "specialist_id"), specialist.id);
	http_response_free(read);

	/* A goal discontinued since the draft was written: the note cannot be signed. */
	char *second_goal = goal_ok(person.id, specialist.token, "physical");
	json_t *doc = note_doc(person.id, person.goal_id, at, 30, "phone");
	json_array_append_new(json_object_get(doc, "goal_ids"), json_string(second_goal));
	char *held = note_ok(specialist.token, doc);
	goal_discontinue(second_goal, provider.supervisor);
	struct http_response *refused = note_act(held, "sign", specialist.token);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	assert_error_names(refused, "goal_ids[1]");
	cr_assert_not(names_field(refused, "goal_ids[0]"), "%s", refused->body);
	http_response_free(refused);
	read = note_get(held, specialist.token);
	cr_assert_str_eq(http_string(read, "status"), "draft", "%s", read->body);
	cr_assert(json_is_null(json_object_get(read->json, "billing")), "%s", read->body);
	http_response_free(read);

	/* Reassigned to the colleague: they see the notes but change or sign only their
	 * own; the first specialist sees the participant no more. */
	char path[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", person.referral_id);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", colleague.id);
	expect(http_post(path, provider.supervisor, body), 200, "reassigning");
	expect(note_get(id, colleague.token), 200, "the new specialist reads");
	expect(note_patch(id, colleague.token, "{\"summary\":\"Mine now.\"}", NULL), 403,
	       "the new specialist patches another's note");
	expect(note_act(id, "sign", colleague.token), 403,
	       "the new specialist signs another's note");
	expect(note_get(id, specialist.token), 404, "the former specialist reads");

	free(held);
	free(second_goal);
	free(id);
	person_close(&other);
	person_close(&person);
	specialist_close(&colleague);
	specialist_close(&specialist);
	provider_close(&provider);
}

/* 6. The list */

Test(session_notes, list_filters)
{
	struct provider provider;
	provider_open(&provider, NULL, 0);
	struct specialist first, second;
	specialist_open(&first, provider.id, true);
	specialist_open(&second, provider.id, true);
	struct person alpha, beta;
	person_assigned(&alpha, &provider, &first);
	person_assigned(&beta, &provider, &second);
	char day1[16], day3[16], day5[16], day6[16], day7[16], at[32];
	days_from_today(-1, day1, sizeof day1);
	days_from_today(-3, day3, sizeof day3);
	days_from_today(-5, day5, sizeof day5);
	days_from_today(-6, day6, sizeof day6);
	days_from_today(-7, day7, sizeof day7);

	/* Oldest first: n0 late on day -7 in the organization's zone (day -6 in UTC), a
	 * draft of beta; n1 day -5, alpha, signed and co-signed; n2 day -3, alpha, signed;
	 * n3 day -3, beta, draft; n4 day -1, beta, signed; n5 day -1, alpha, written by the
	 * supervisor for the second specialist, draft. */
	local_instant(7, "23:30", at, sizeof at);
	char *n0 = note_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	local_instant(5, "10:00", at, sizeof at);
	char *n1 = note_ok(first.token, note_doc(alpha.id, alpha.goal_id, at, 30, "phone"));
	json_decref(sign_ok(n1, first.token));
	expect(note_act(n1, "cosign", provider.supervisor), 200, "co-signing");
	local_instant(3, "10:00", at, sizeof at);
	char *n2 = note_ok(first.token, note_doc(alpha.id, alpha.goal_id, at, 30, "phone"));
	json_decref(sign_ok(n2, first.token));
	local_instant(3, "11:00", at, sizeof at);
	char *n3 = note_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	local_instant(1, "10:00", at, sizeof at);
	char *n4 = note_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	json_decref(sign_ok(n4, second.token));
	local_instant(1, "12:00", at, sizeof at);
	char *n5 = note_for_ok(provider.supervisor,
			       note_doc(alpha.id, alpha.goal_id, at, 30, "phone"), second.id);

	struct {
		const char *query;
		const char *const ids[6];
	} cases[] = {
		{"", {n5, n4, n3, n2, n1, n0}},
		{"limit=2", {n5, n4, n3, n2, n1, n0}},
		{"participant_id=%alpha", {n5, n2, n1}},
		{"participant_id=%beta", {n4, n3, n0}},
		{"specialist_id=%first", {n2, n1}},
		{"specialist_id=%second", {n5, n4, n3, n0}},
		{"status=signed", {n4, n2, n1}},
		{"status=draft", {n5, n3, n0}},
		{"cosigned=false", {n4, n2}},
		{"cosigned=true", {n1}},
		{"from=%day3&to=%day1", {n5, n4, n3, n2}},
		{"from=%day3&to=%day3", {n3, n2}},
		{"from=%day1", {n5, n4}},
		{"to=%day5", {n1, n0}},
		{"from=%day7&to=%day7", {n0}},
		{"from=%day6&to=%day6", {NULL}},
		{"participant_id=%alpha&status=signed&limit=1", {n2, n1}},
		{"specialist_id=%second&status=draft&from=%day3", {n5, n3}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* %name stands for an id or a day. */
		char query[512] = "";
		for (const char *c = cases[i].query; *c;) {
			const char *value = NULL;
			size_t skip = 0;
			const struct {
				const char *name;
				const char *value;
			} names[] = {
				{"%alpha", alpha.id},	{"%beta", beta.id}, {"%first", first.id},
				{"%second", second.id}, {"%day1", day1},    {"%day3", day3},
				{"%day5", day5},	{"%day6", day6},    {"%day7", day7}};
			for (size_t n = 0; n < sizeof names / sizeof names[0] && !value; n++) {
				if (strncmp(c, names[n].name, strlen(names[n].name)) == 0) {
					value = names[n].value;
					skip = strlen(names[n].name);
				}
			}
			size_t used = strlen(query);
			if (value) {
				snprintf(query + used, sizeof query - used, "%s", value);
				c += skip;
			} else {
				snprintf(query + used, sizeof query - used, "%c", *c);
				c++;
			}
		}
		size_t count = 0;
		while (count < 6 && cases[i].ids[count])
			count++;
		char path[600], expected[512], listed[512];
		snprintf(path, sizeof path, "/v1/session-notes?%s", query);
		join_ids(cases[i].ids, count, expected, sizeof expected);
		list_ids(path, provider.supervisor, listed, sizeof listed);
		cr_assert_str_eq(listed, expected, "%s", cases[i].query);
	}

	/* A specialist lists the notes of the participants assigned to them. */
	char expected[512], listed[512];
	join_ids((const char *const[]){n5, n2, n1}, 3, expected, sizeof expected);
	list_ids("/v1/session-notes?", first.token, listed, sizeof listed);
	cr_assert_str_eq(listed, expected);

	/* Malformed parameters are 400; a from after to is 422. */
	char path[256];
	snprintf(path, sizeof path, "/v1/session-notes?from=%s&to=%s", day1, day3);
	struct http_response *backwards = http_get(path, provider.supervisor);
	expect_invalid(backwards, "from", "from after to");
	const char *const malformed[] = {
		"from=2026-02-30",
		"from=yesterday",
		"to=2026%2F01%2F01",
		"to=20260101",
		"participant_id=abc",
		"specialist_id=42",
		"status=locked",
		"status=Signed",
		"cosigned=yes",
		"cosigned=",
		"limit=0",
		"limit=201",
		"limit=ten",
		"cursor=not-a-cursor",
		"modality=phone",
		"occurred_at=today",
	};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		snprintf(path, sizeof path, "/v1/session-notes?%s", malformed[i]);
		struct http_response *response = http_get(path, provider.supervisor);
		cr_assert_eq(response->status, 400, "%s: %s", malformed[i], response->body);
		char *type = http_header(response, "Content-Type");
		cr_assert_str_eq(type, "application/problem+json", "%s", malformed[i]);
		free(type);
		http_response_free(response);
	}

	free(n5);
	free(n4);
	free(n3);
	free(n2);
	free(n1);
	free(n0);
	person_close(&beta);
	person_close(&alpha);
	specialist_close(&second);
	specialist_close(&first);
	provider_close(&provider);
}

/* 7. Idempotency-Key */

/* POSTs doc (not freed) as token with Idempotency-Key: key. */
static struct http_response *note_post_keyed(const char *token, const json_t *doc, const char *key)
{
	return http_post_keyed("/v1/session-notes", token, doc, key);
}

static long long notes_stored(const char *participant_id)
{
	char *count = test_sql_text("SELECT count(*) FROM session_notes WHERE participant_id = $1",
				    1, (const char *const[]){participant_id});
	long long stored = atoll(count);
	free(count);
	return stored;
}

/* Whether the answer says it is a replay (Idempotent-Replayed: true). */
static bool replayed(const struct http_response *response)
{
	char *value = http_header(response, "Idempotent-Replayed");
	bool is_replay = value && strcmp(value, "true") == 0;
	free(value);
	return is_replay;
}

/* A provider, its certified specialist, a person assigned to them with a goal, a note's
 * time and an Idempotency-Key no other test sends. */
struct keyed {
	struct provider provider;
	struct specialist specialist;
	struct person person;
	char at[32];
	char key[96];
};

static void keyed_open(struct keyed *keyed, const char *time_of_day)
{
	provider_open(&keyed->provider, NULL, 0);
	specialist_open(&keyed->specialist, keyed->provider.id, true);
	person_assigned(&keyed->person, &keyed->provider, &keyed->specialist);
	local_instant(1, time_of_day, keyed->at, sizeof keyed->at);
	unique_name("note-key", keyed->key, sizeof keyed->key);
	for (char *c = keyed->key; *c; c++)
		*c = *c == ' ' ? '-' : *c;
}

static void keyed_close(struct keyed *keyed)
{
	person_close(&keyed->person);
	specialist_close(&keyed->specialist);
	provider_close(&keyed->provider);
}

Test(session_notes, same_key_and_body_replays_the_first_note)
{
	struct keyed k;
	keyed_open(&k, "10:00");
	json_t *doc = note_doc(k.person.id, k.person.goal_id, k.at, 45, "in_person");
	struct http_response *first = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	cr_assert_not(replayed(first), "the first answer is not a replay");
	char *location = http_header(first, "Location");
	const char *id = http_string(first, "id");
	cr_assert_eq(audit_events_by(k.specialist.subject, id, "read"), 0);

	/* The same document in another member order, after the goal it names was set aside:
	 * the first answer again, and no second note. */
	goal_discontinue(k.person.goal_id, k.specialist.token);
	char *reordered = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
	json_t *again_doc = json_loads(reordered, 0, NULL);
	struct http_response *again = note_post_keyed(k.specialist.token, again_doc, k.key);
	cr_assert_eq(again->status, 201, "%s", again->body);
	cr_assert(replayed(again), "Idempotent-Replayed: true: %s", again->headers);
	cr_assert(json_equal(again->json, first->json), "%s\n%s", first->body, again->body);
	char *again_location = http_header(again, "Location");
	cr_assert_str_eq(again_location, location);
	cr_assert_eq(notes_stored(k.person.id), 1);
	/* A replay discloses the note again: the event a GET of it writes, by the caller. */
	cr_assert_eq(audit_events_by(k.specialist.subject, id, "read"), 1,
		     "a replay is recorded as a read");

	/* Without the key, the same body is a new request (and now refused: the goal). */
	struct http_response *unkeyed =
		http_send_json("POST", "/v1/session-notes", k.specialist.token, doc);
	cr_assert_eq(unkeyed->status, 422, "%s", unkeyed->body);
	cr_assert_eq(notes_stored(k.person.id), 1);

	http_response_free(unkeyed);
	free(again_location);
	http_response_free(again);
	json_decref(again_doc);
	free(reordered);
	free(location);
	http_response_free(first);
	json_decref(doc);
	keyed_close(&k);
}

Test(session_notes, same_key_with_another_body_is_422_and_a_failed_key_is_free)
{
	struct keyed k;
	keyed_open(&k, "11:00");
	/* Refused first (too long a session): the key is given back. */
	json_t *doc = note_doc(k.person.id, k.person.goal_id, k.at, 481, "phone");
	expect_invalid(note_post_keyed(k.specialist.token, doc, k.key), "duration_minutes",
		       "481 minutes");
	json_object_set_new(doc, "duration_minutes", json_integer(30));
	struct http_response *created = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_not(replayed(created), "a refused request keeps nothing to replay");

	json_object_set_new(doc, "summary", json_string("Another session, another story."));
	expect_invalid(note_post_keyed(k.specialist.token, doc, k.key), "Idempotency-Key",
		       "another body with the key");
	cr_assert_eq(notes_stored(k.person.id), 1);

	/* A supervisor of the organization has a scope of its own. */
	json_object_set_new(doc, "specialist_id", json_string(k.specialist.id));
	struct http_response *supervisor = note_post_keyed(k.provider.supervisor, doc, k.key);
	cr_assert_eq(supervisor->status, 201, "%s", supervisor->body);
	cr_assert_not(replayed(supervisor));
	cr_assert_eq(notes_stored(k.person.id), 2);

	http_response_free(supervisor);
	http_response_free(created);
	json_decref(doc);
	keyed_close(&k);
}

Test(session_notes, a_colleagues_key_is_not_replayed_to_a_specialist_not_assigned)
{
	struct keyed k;
	keyed_open(&k, "13:00");
	struct specialist colleague;
	specialist_open(&colleague, k.provider.id, true);
	json_t *doc = note_doc(k.person.id, k.person.goal_id, k.at, 45, "in_person");
	struct http_response *first = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	/* The same key and body from a specialist the person is not assigned to: their own
	 * attempt, answered as it would be without the key, never the colleague's note. */
	struct http_response *theirs = note_post_keyed(colleague.token, doc, k.key);
	cr_assert_eq(theirs->status, 404, "%s", theirs->body);
	cr_assert_not(replayed(theirs), "%s", theirs->headers);
	cr_assert_null(strstr(theirs->body, http_string(first, "id")), "%s", theirs->body);
	cr_assert_eq(audit_events_by(colleague.subject, http_string(first, "id"), NULL), 0);
	cr_assert_eq(notes_stored(k.person.id), 1);
	http_response_free(theirs);
	http_response_free(first);
	json_decref(doc);
	specialist_close(&colleague);
	keyed_close(&k);
}

Test(session_notes, a_replay_once_the_person_is_no_longer_assigned_is_404)
{
	struct keyed k;
	keyed_open(&k, "14:00");
	json_t *doc = note_doc(k.person.id, k.person.goal_id, k.at, 45, "in_person");
	struct http_response *first = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	const char *id = http_string(first, "id");
	/* The referral closed, the specialist no longer reads the person's notes: the replay
	 * answers as a GET of the note would, and records nothing. */
	char path[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", k.person.referral_id);
	expect(http_post(path, k.provider.supervisor,
			 "{\"to\":\"closed\",\"reason\":\"Moved out of the county.\"}"),
	       200, "closing the referral");
	expect(note_get(id, k.specialist.token), 404, "reading the note once unassigned");
	long long events = audit_events_by(k.specialist.subject, id, NULL);
	struct http_response *lost = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(lost->status, 404, "%s", lost->body);
	cr_assert_not(replayed(lost), "%s", lost->headers);
	cr_assert_null(strstr(lost->body, id), "%s", lost->body);
	cr_assert_eq(audit_events_by(k.specialist.subject, id, NULL), events);
	cr_assert_eq(notes_stored(k.person.id), 1);
	http_response_free(lost);
	http_response_free(first);
	json_decref(doc);
	keyed_close(&k);
}

Test(session_notes, keys_of_another_organization_do_not_collide)
{
	struct keyed k[2];
	char *ids[2];
	for (size_t i = 0; i < 2; i++) {
		keyed_open(&k[i], "12:00");
		/* The same key and time in both organizations. */
		snprintf(k[i].key, sizeof k[i].key, "%s", k[0].key);
		json_t *doc = note_doc(k[i].person.id, k[i].person.goal_id, k[0].at, 30, "video");
		struct http_response *created =
			note_post_keyed(k[i].specialist.token, doc, k[0].key);
		cr_assert_eq(created->status, 201, "organization %zu: %s", i, created->body);
		cr_assert_not(replayed(created), "organization %zu's key is its own", i);
		cr_assert_str_eq(http_string(created, "organization_id"), k[i].provider.id);
		ids[i] = strdup(http_string(created, "id"));
		http_response_free(created);
		json_decref(doc);
		cr_assert_eq(notes_stored(k[i].person.id), 1);
	}
	cr_assert_str_neq(ids[0], ids[1]);
	for (size_t i = 0; i < 2; i++) {
		free(ids[i]);
		keyed_close(&k[i]);
	}
}
