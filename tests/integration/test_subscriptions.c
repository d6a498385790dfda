/* Webhook subscriptions (API.md "Subscriptions: the loop back to partners, pushed"): made,
 * read, changed and removed by a partner or supervisor for their own organization and by
 * an admin; specialists and reporters refused, another organization's not found; the
 * secret shown once; SSRF refused at creation and on a new url; and the outbox: events
 * written in the same transaction as the change (none when it rolls back), fanned out to
 * the subscriptions that take them, minimal, and a partner's behind the Part 2 gate.
 * Black-box over HTTP; the outbox is read from the database (the delivery worker is
 * tested on its own). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "referrals_support.h"
#include "requests.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(subscriptions, .init = arena_open, .fini = arena_close);

/* A receiver the tests' peerd accepts (PEERD_WEBHOOKS_ALLOW_HTTP: loopback). */
#define RECEIVER "http://127.0.0.1:9/hook"

static void json_release(void *json)
{
	json_decref(json);
}

/* Keeps json until the test ends and returns it. */
static json_t *arena_json(json_t *json)
{
	arena_keep(json, json_release);
	return json;
}

static const char *subscription_body(const char *url, const char *events)
{
	char body[512];
	snprintf(body, sizeof body, "{\"url\":\"%s\",\"events\":%s}", url, events);
	return arena_text(strdup(body));
}

/* Creates a subscription as token, asserted 201; its id. */
static const char *subscribed(const char *token, const char *url, const char *events)
{
	struct http_response *made =
		http_post("/v1/subscriptions", token, subscription_body(url, events));
	cr_assert_eq(made->status, 201, "%s", made->body);
	return member(made, "id");
}

static const char *subscription_path(const char *id, const char *suffix)
{
	return arena_text(path_of("/v1/subscriptions", id, suffix));
}

/* Deliveries written to the outbox for subscription_id about referral_id (NULL: any), in
 * any status: the tests' peerd runs the delivery worker, which may have tried them. */
static long long pending_for(const char *subscription_id, const char *referral_id)
{
	return sql_count("SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = $1"
			 " AND ($2::uuid IS NULL OR d.referral_id = $2::uuid)",
			 2, (const char *const[]){subscription_id, referral_id});
}

/* The payloads delivered to subscription_id, as one JSON array text, kept in the arena. */
static const char *payloads_for(const char *subscription_id)
{
	return arena_text(test_sql_text(
		"SELECT coalesce(json_agg(e.payload ORDER BY e.seq), '[]')::text"
		" FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
		" WHERE d.subscription_id = $1",
		1, (const char *const[]){subscription_id}));
}

Test(subscriptions, created_with_its_secret_once_then_read_changed_and_removed)
{
	struct world w;
	world_build(&w, (struct world_options){0});
	struct http_response *made = http_post(
		"/v1/subscriptions", w.supervisor.token,
		subscription_body(RECEIVER, "[\"referral.status_changed\",\"note.signed\"]"));
	expect(made, 201, "a subscription");
	const char *id = member(made, "id");
	const char *secret = member(made, "secret");
	cr_assert(secret && strncmp(secret, "whsec_", 6) == 0 && strlen(secret) == 6 + 44,
		  "secret: %s", secret);
	cr_expect_str_eq(member(made, "organization_id"), w.provider);
	cr_expect_str_eq(member(made, "url"), RECEIVER);
	cr_expect(json_is_true(json_object_get(made->json, "active")));
	cr_expect(json_is_null(json_object_get(made->json, "disabled_reason")));
	cr_expect_eq(json_array_size(json_object_get(made->json, "events")), 2);

	struct http_response *read = http_get(subscription_path(id, ""), w.supervisor.token);
	expect(read, 200, "the subscription");
	cr_expect_null(json_object_get(read->json, "secret"), "the secret is shown once");
	cr_expect_null(strstr(read->body, secret + 6));

	struct http_response *again = http_post(
		"/v1/subscriptions", w.supervisor.token,
		subscription_body(RECEIVER, "[\"referral.status_changed\",\"note.signed\"]"));
	cr_expect_str_neq(member(again, "secret"), secret, "each subscription has its own");

	char listed[4096];
	list_ids("/v1/subscriptions", w.supervisor.token, listed, sizeof listed);
	cr_expect(strstr(listed, id), "%s", listed);
	cr_expect_null(strstr(http_get("/v1/subscriptions", w.supervisor.token)->body, "whsec_"));

	struct http_response *paused =
		http_patch(subscription_path(id, ""), w.supervisor.token,
			   "{\"active\":false,\"events\":[\"note.signed\"]}", NULL);
	expect(paused, 200, "paused");
	cr_expect(json_is_false(json_object_get(paused->json, "active")));
	cr_expect_eq(json_integer_value(json_object_get(paused->json, "version")), 2);

	struct http_response *gone =
		http_send(&(struct http_request){.method = "DELETE",
						 .path = subscription_path(id, ""),
						 .token = w.supervisor.token});
	cr_expect_eq(gone->status, 204, "%s", gone->body);
	expect(http_get(subscription_path(id, ""), w.supervisor.token), 404, "removed");
	cr_expect_eq(audit_events_by(w.supervisor.subject, id, "create"), 1);
}

Test(subscriptions, reactivation_clears_the_reason_it_was_disabled_for)
{
	struct world w;
	world_build(&w, (struct world_options){0});
	const char *id = subscribed(w.supervisor.token, RECEIVER, "[\"note.signed\"]");
	free(test_sql_text("UPDATE subscriptions SET active = false, disabled_reason = 'gave up'"
			   " WHERE id = $1 RETURNING 1",
			   1, (const char *const[]){id}));
	struct http_response *read = http_get(subscription_path(id, ""), w.supervisor.token);
	cr_expect_str_eq(member(read, "disabled_reason"), "gave up");
	struct http_response *again = http_patch(subscription_path(id, ""), w.supervisor.token,
						 "{\"active\":true}", NULL);
	expect(again, 200, "re-activated");
	cr_expect(json_is_true(json_object_get(again->json, "active")));
	cr_expect(json_is_null(json_object_get(again->json, "disabled_reason")));
}

Test(subscriptions, specialists_and_reporters_are_refused_another_organization_not_found)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	const char *id = subscribed(w.supervisor.token, RECEIVER, "[\"note.signed\"]");
	struct refused_call calls[COLLECTION_CALLS + 2];
	collection_calls(calls, "/v1/subscriptions",
			 subscription_body(RECEIVER, "[\"note.signed\"]"),
			 subscription_path(id, ""), "{\"active\":false}");
	calls[COLLECTION_CALLS] = (struct refused_call){"DELETE", subscription_path(id, ""), NULL};
	calls[COLLECTION_CALLS + 1] =
		(struct refused_call){"GET", subscription_path(id, "/deliveries"), NULL};
	assert_role_refused("specialist", w.provider, calls, COLLECTION_CALLS + 2);
	assert_role_refused("reporter", w.provider, calls, COLLECTION_CALLS + 2);

	/* The partner, the world's other organization, finds none of it. */
	expect(http_get(subscription_path(id, ""), w.partner.token), 404, "another's");
	expect(http_get(subscription_path(id, "/deliveries"), w.partner.token), 404, "another's");
	expect(http_patch(subscription_path(id, ""), w.partner.token, "{\"active\":false}", NULL),
	       404, "another's");
	expect(http_send(&(struct http_request){.method = "DELETE",
						.path = subscription_path(id, ""),
						.token = w.partner.token}),
	       404, "another's");
	char listed[4096];
	list_ids("/v1/subscriptions", w.partner.token, listed, sizeof listed);
	cr_expect_null(strstr(listed, id));
	/* An admin reads it, and names the organization of a new one. */
	expect(http_get(subscription_path(id, ""), w.admin.token), 200, "an admin");
	struct http_response *unnamed = http_post("/v1/subscriptions", w.admin.token,
						  subscription_body(RECEIVER, "[\"note.signed\"]"));
	assert_error_names(unnamed, "organization_id");
	char body[512];
	snprintf(body, sizeof body,
		 "{\"organization_id\":\"%s\",\"url\":\"" RECEIVER
		 "\",\"events\":[\"note.signed\"]}",
		 w.provider);
	expect(http_post("/v1/subscriptions", w.admin.token, body), 201, "an admin's");
	/* A supervisor cannot subscribe another organization. */
	snprintf(body, sizeof body,
		 "{\"organization_id\":\"%s\",\"url\":\"" RECEIVER
		 "\",\"events\":[\"referral.status_changed\"]}",
		 w.partner_organization);
	assert_error_names(http_post("/v1/subscriptions", w.supervisor.token, body),
			   "organization_id");
}

Test(subscriptions, a_partner_takes_only_its_referrals_status)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	assert_error_names(
		http_post("/v1/subscriptions", w.partner.token,
			  subscription_body(RECEIVER,
					    "[\"referral.status_changed\",\"note.signed\"]")),
		"events");
	/* An admin for the partner organization is held to the same (the database's trigger). */
	char body[512];
	snprintf(body, sizeof body,
		 "{\"organization_id\":\"%s\",\"url\":\"" RECEIVER
		 "\",\"events\":[\"note.signed\"]}",
		 w.partner_organization);
	assert_error_names(http_post("/v1/subscriptions", w.admin.token, body), "events");
	const char *id = subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	assert_error_names(http_patch(subscription_path(id, ""), w.partner.token,
				      "{\"events\":[\"referral.assigned\"]}", NULL),
			   "events");
}

Test(subscriptions, every_broken_field_is_named)
{
	struct world w;
	world_build(&w, (struct world_options){0});
	struct http_response *bad =
		http_post("/v1/subscriptions", w.supervisor.token,
			  "{\"url\":42,\"events\":[\"referral.deleted\"],\"active\":\"yes\","
			  "\"secret\":\"whsec_x\"}");
	assert_error_names(bad, "url");
	assert_error_names(bad, "events[0]");
	assert_error_names(bad, "active");
	assert_error_names(bad, "secret");
	assert_error_names(http_post("/v1/subscriptions", w.supervisor.token,
				     "{\"url\":\"" RECEIVER "\",\"events\":[]}"),
			   "events");
	assert_error_names(
		http_post("/v1/subscriptions", w.supervisor.token,
			  subscription_body(RECEIVER, "[\"note.signed\",\"note.signed\"]")),
		"events[1]");
}

Test(subscriptions, urls_that_reach_inside_are_refused)
{
	struct world w;
	world_build(&w, (struct world_options){0});
	const char *refused[] = {
		"https://10.1.2.3/hook",
		"https://172.16.0.1/hook",
		"https://192.168.1.10/hook",
		"https://169.254.169.254/latest/meta-data/",
		"https://100.64.0.1/hook",
		"https://0.0.0.0/hook",
		"https://224.0.0.1/hook",
		"https://255.255.255.255/hook",
		"https://[fd00::1]/hook",
		"https://[fe80::1]/hook",
		"https://[::ffff:10.0.0.1]/hook",
		"https://[::ffff:169.254.169.254]/hook",
		"https://user:password@8.8.8.8/hook",
		"http://8.8.8.8/hook", /* http only to loopback, even under ALLOW_HTTP */
		"ftp://8.8.8.8/hook",
		"not a url",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		struct http_response *answer =
			http_post("/v1/subscriptions", w.supervisor.token,
				  subscription_body(refused[i], "[\"note.signed\"]"));
		cr_expect_eq(answer->status, 422, "%s: %s", refused[i], answer->body);
		assert_error_names(answer, "url");
	}
	cr_expect_eq(sql_count("SELECT count(*) FROM subscriptions WHERE organization_id = $1", 1,
			       (const char *const[]){w.provider}),
		     0);
	/* A public address is fine; a PATCH to a private one is checked again. */
	const char *id =
		subscribed(w.supervisor.token, "https://8.8.8.8/hook", "[\"note.signed\"]");
	assert_error_names(http_patch(subscription_path(id, ""), w.supervisor.token,
				      "{\"url\":\"https://169.254.169.254/\"}", NULL),
			   "url");
}

Test(subscriptions, a_status_change_lands_in_the_outbox_for_each_subscription_that_takes_it)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	const char *provider_all =
		subscribed(w.supervisor.token, RECEIVER,
			   "[\"referral.status_changed\",\"referral.assigned\",\"note.signed\"]");
	const char *provider_notes = subscribed(w.supervisor.token, RECEIVER, "[\"note.signed\"]");
	const char *partner =
		subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	const char *paused = subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	expect(http_patch(subscription_path(paused, ""), w.partner.token, "{\"active\":false}",
			  NULL),
	       200, "paused");

	const char *referral = arena_text(submitted_referral(&w, "peer"));
	cr_expect_eq(pending_for(partner, referral), 1, "the submission");
	move_expect(referral, w.supervisor.token, "accepted", NULL, 200);
	cr_expect_eq(pending_for(provider_all, referral), 2);
	cr_expect_eq(pending_for(partner, referral), 2);
	cr_expect_eq(pending_for(provider_notes, referral), 0);
	cr_expect_eq(pending_for(paused, referral), 0);

	json_t *payloads = arena_json(json_loads(payloads_for(partner), 0, NULL));
	cr_assert_eq(json_array_size(payloads), 2);
	json_t *accepted = json_array_get(payloads, 1);
	cr_expect_str_eq(member_of(accepted, "type"), "referral.status_changed");
	cr_expect(member_of(accepted, "timestamp"));
	json_t *data = json_object_get(accepted, "data");
	cr_expect_str_eq(member_of(data, "referral_id"), referral);
	cr_expect_str_eq(member_of(data, "status"), "accepted");
	cr_expect_str_eq(member_of(data, "previous_status"), "submitted");
	cr_expect(member_of(data, "at"));
	cr_expect(json_object_get(data, "external_id"));
	cr_expect_eq(json_object_size(data), 5, "only ids, statuses, times");
	cr_expect(json_is_null(json_object_get(json_object_get(json_array_get(payloads, 0), "data"),
					       "previous_status")),
		  "null at submission");
	const char *all = payloads_for(partner);
	cr_expect_null(strstr(all, "Rosa"), "no names: %s", all);
	cr_expect_null(strstr(all, "given_name"), "%s", all);
	cr_expect_null(strstr(all, "reason"), "%s", all);
}

Test(subscriptions, a_change_that_rolls_back_leaves_no_event)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	const char *partner =
		subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	const char *referral = arena_text(submitted_referral(&w, "peer"));
	long long before = pending_for(partner, referral);
	/* The status changes, then the statement fails: the whole transaction goes. */
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(db,
				     "WITH moved AS (UPDATE referrals SET status = 'accepted'"
				     " WHERE id = $1 RETURNING 1) SELECT 1 / 0 FROM moved",
				     1, NULL, (const char *const[]){referral}, NULL, NULL, 0);
	cr_expect_neq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(db);
	cr_expect_eq(pending_for(partner, referral), before);
	assert_referral_status(referral, w.supervisor.token, "submitted");
	/* A refused move changes nothing either. */
	move_expect(referral, w.supervisor.token, "engaged", NULL, 409);
	cr_expect_eq(pending_for(partner, referral), before);
}

Test(subscriptions, a_partner_hears_of_substance_use_only_while_its_consent_holds)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	const char *partner =
		subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	json_t *body = arena_json(referral_body(w.provider, "peer"));
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	const char *referral = arena_text(submit_ok(w.partner.token, body));
	cr_expect_eq(pending_for(partner, referral), 1, "consented at intake");
	/* A disclosure under Part 2 carries the 42 CFR 2.32 notice, as a read of it does. */
	char *notice = test_sql_text(
		"SELECT e.payload -> 'data' ->> 'redisclosure_notice' FROM webhook_events e"
		" JOIN webhook_deliveries d ON d.event_id = e.id WHERE d.subscription_id = $1",
		1, (const char *const[]){partner});
	cr_expect(notice && strstr(notice, "42 CFR part 2"), "the event's notice: %s",
		  notice ? notice : "(none)");
	free(notice);
	move_expect(referral, w.supervisor.token, "accepted", NULL, 200);
	cr_expect_eq(pending_for(partner, referral), 2);

	char *consent = test_sql_text("SELECT c.id FROM consents c JOIN referrals r ON "
				      "r.participant_id = c.participant_id"
				      " WHERE r.id = $1 AND c.kind = 'part2'",
				      1, (const char *const[]){referral});
	char path[128];
	snprintf(path, sizeof path, "/v1/consents/%s/revoke", consent);
	free(consent);
	expect(http_post(path, w.supervisor.token, "{\"reason\":\"Withdrawn.\"}"), 200, "revoked");
	move_expect(referral, w.supervisor.token, "closed", "No capacity.", 200);
	cr_expect_eq(pending_for(partner, referral), 2, "no event after the revocation");
}

Test(subscriptions, the_delivery_log_is_listed_newest_first)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	const char *partner =
		subscribed(w.partner.token, RECEIVER, "[\"referral.status_changed\"]");
	const char *referral = arena_text(submitted_referral(&w, "peer"));
	/* The worker of the tests' peerd may have tried already: paused (it claims only for
	 * an active subscription), its attempts cleared, the log holds only these two. */
	free(test_sql_text("UPDATE subscriptions SET active = false WHERE id = $1 RETURNING id", 1,
			   (const char *const[]){partner}));
	sleep_ms(300);
	free(test_sql_text("WITH gone AS (DELETE FROM webhook_attempts WHERE subscription_id = $1"
			   " RETURNING 1) SELECT count(*) FROM gone",
			   1, (const char *const[]){partner}));
	/* What the delivery worker writes after two attempts. */
	free(test_sql_text("WITH d AS (SELECT id, event_id, organization_id FROM webhook_deliveries"
			   " WHERE subscription_id = $1 AND referral_id = $2), made AS ("
			   " INSERT INTO webhook_attempts (delivery_id, event_id, subscription_id,"
			   " organization_id, type, attempted_at, status_code, error)"
			   " SELECT d.id, d.event_id, $1, d.organization_id, "
			   "'referral.status_changed', t, s, e"
			   " FROM d, (VALUES (now() - interval '1 minute', 500, 'HTTP 500'),"
			   " (now(), 204, NULL)) v(t, s, e) RETURNING 1) SELECT count(*) FROM made",
			   2, (const char *const[]){partner, referral}));
	struct http_response *log =
		http_get(subscription_path(partner, "/deliveries"), w.partner.token);
	expect(log, 200, "the delivery log");
	json_t *items = json_object_get(log->json, "items");
	cr_assert_eq(json_array_size(items), 2, "%s", log->body);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(items, 0), "status_code")),
		     204);
	cr_expect(json_is_null(json_object_get(json_array_get(items, 0), "error")));
	cr_expect_str_eq(member_of(json_array_get(items, 1), "error"), "HTTP 500");
	cr_expect_str_eq(member_of(json_array_get(items, 1), "type"), "referral.status_changed");
	cr_expect(member_of(json_array_get(items, 1), "event_id"));
	cr_expect(member_of(json_array_get(items, 1), "attempted_at"));
}

Test(subscriptions, assignment_and_signing_reach_the_providers_subscription)
{
	const char *wanted = "[\"referral.assigned\",\"note.signed\"]";
	struct world w;
	world_build(&w, (struct world_options){.specialist = true, .certified_around_today = true});
	const char *provider = subscribed(w.supervisor.token, RECEIVER, wanted);
	struct person person;
	person_assigned(&person, &w, &w.specialist);
	cr_expect_eq(pending_for(provider, person.referral_id), 1, "the assignment");
	char at[40];
	instant_ago("2 hours", at, sizeof at);
	char *note = note_draft_ok(w.specialist.token,
				   note_doc(person.id, person.goal_id, at, 60, "in_person"));
	json_decref(note_sign_ok(note, w.specialist.token));

	json_t *payloads = arena_json(json_loads(payloads_for(provider), 0, NULL));
	cr_assert_eq(json_array_size(payloads), 2, "%s", payloads_for(provider));
	json_t *assigned = json_object_get(json_array_get(payloads, 0), "data");
	cr_expect_str_eq(member_of(json_array_get(payloads, 0), "type"), "referral.assigned");
	cr_expect_str_eq(member_of(assigned, "referral_id"), person.referral_id);
	cr_expect_str_eq(member_of(assigned, "specialist_id"), w.specialist.id);
	json_t *signed_note = json_object_get(json_array_get(payloads, 1), "data");
	cr_expect_str_eq(member_of(json_array_get(payloads, 1), "type"), "note.signed");
	cr_expect_str_eq(member_of(signed_note, "note_id"), note);
	cr_expect_str_eq(member_of(signed_note, "participant_id"), person.id);
	cr_expect(json_is_boolean(json_object_get(signed_note, "billable")));
	cr_expect(json_is_integer(json_object_get(signed_note, "units")));
	cr_expect_eq(json_object_size(signed_note), 4, "no summary, no names");
	free(note);
}
