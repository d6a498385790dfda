/* The webhook delivery worker (API.md "Subscriptions: the loop back to partners, pushed")
 * end to end: a peerd of the test's own on a database of its own (no other worker may
 * deliver its events), a receiver on loopback in this process, events written into the
 * outbox as the emit function writes them. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fixtures.h"
#include "own_server.h"
#include "webhook_receiver.h"
#include "webhook_secret.h"
#include "webhook_signature.h"

#define WEBHOOK_KEY "webhook-delivery-test-key-0123456789abcdef"
/* The nonce of every subscription made here: the secret follows from it and the key. */
#define NONCE_HEX   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char *const SETTINGS[] = {"PEERD_WEBHOOK_KEY=" WEBHOOK_KEY,
				       "PEERD_WEBHOOKS_ALLOW_HTTP=true", NULL};

struct outbox {
	struct own_server own;
	PGconn *db; /* the own database, as its owner */
	char organization[40];
};

static char *sql_value(struct outbox *outbox, const char *sql, int count, const char *const *params)
{
	PGresult *res = PQexecParams(outbox->db, sql, count, NULL, params, NULL, NULL, 0);
	cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
		  "%s: %s", sql, PQerrorMessage(outbox->db));
	char *value = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0))
								    : NULL;
	PQclear(res);
	return value;
}

static void outbox_open(struct outbox *outbox)
{
	own_server_start(&outbox->own, true, SETTINGS);
	outbox->db = PQconnectdb(strchr(outbox->own.setting, '=') + 1);
	cr_assert_eq(PQstatus(outbox->db), CONNECTION_OK, "%s", PQerrorMessage(outbox->db));
	char *id = sql_value(outbox,
			     "INSERT INTO organizations (name, kind, state, unit_rounding, "
			     "max_units_per_day, family_youth_max_age, referral_response_days, "
			     "time_zone) VALUES ('Webhooks', 'provider', 'OR', 'whole', 16, 21, 2, "
			     "'America/Los_Angeles') RETURNING id",
			     0, NULL);
	snprintf(outbox->organization, sizeof outbox->organization, "%s", id);
	free(id);
}

static void outbox_close(struct outbox *outbox)
{
	PQfinish(outbox->db);
	cr_assert_eq(peerd_stop(&outbox->own.process), 0);
	drop_own_database(outbox->own.database);
}

static char *subscribe(struct outbox *outbox, const char *url)
{
	return sql_value(outbox,
			 "INSERT INTO subscriptions (organization_id, url, events, secret_nonce, "
			 "created_by) VALUES ($1, $2, '{referral.status_changed,referral.assigned,"
			 "note.signed,certification.expiring}', decode($3, 'hex'), 'test') "
			 "RETURNING id",
			 3, (const char *const[]){outbox->organization, url, NONCE_HEX});
}

/* Writes an event as the triggers do; referral may be NULL. */
static char *emit(struct outbox *outbox, const char *type, const char *referral, const char *data)
{
	return sql_value(outbox, "SELECT peerd_webhook_emit($1, $2, $3, $4::jsonb)", 4,
			 (const char *const[]){outbox->organization, type, referral, data});
}

/* The secret the subscription's creation shows (service/webhook_secret.h). */
static void expected_secret(char out[WEBHOOK_SECRET_TEXT_SIZE])
{
	unsigned char nonce[WEBHOOK_NONCE_BYTES], key[WEBHOOK_KEY_BYTES];
	for (size_t i = 0; i < sizeof nonce; i++) {
		unsigned byte;
		sscanf(NONCE_HEX + 2 * i, "%2x", &byte);
		nonce[i] = (unsigned char)byte;
	}
	cr_assert(webhook_key_derive(WEBHOOK_KEY, nonce, key));
	webhook_secret_text(key, out);
}

static void assert_signed(const struct webhook_received *item)
{
	char secret[WEBHOOK_SECRET_TEXT_SIZE];
	expected_secret(secret);
	char *signature = webhook_signature(secret, item->id, atoll(item->timestamp), item->body,
					    strlen(item->body));
	cr_assert_str_eq(item->signature, signature, "the signature verifies with the secret");
	free(signature);
}

static char *pending_state(struct outbox *outbox, const char *event)
{
	return sql_value(
		outbox,
		"SELECT status || '/' || attempts FROM webhook_deliveries WHERE event_id = $1", 1,
		(const char *const[]){event});
}

Test(webhook_delivery, delivers_within_seconds_signed_and_logs_the_attempt)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 204);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n1\", \"units\": 2}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000), "delivered within seconds");
	struct webhook_received item = webhook_receiver_get(&receiver, 0);
	cr_assert_str_eq(item.id, event, "webhook-id is the event's id");
	cr_assert_str_eq(item.path, "/hook");
	cr_assert(strstr(item.body, "\"type\": \"note.signed\""), "%s", item.body);
	cr_assert(strstr(item.body, "\"note_id\": \"n1\""), "%s", item.body);
	assert_signed(&item);
	sleep_ms(300);
	char *state = pending_state(&outbox, event);
	cr_assert_str_eq(state, "delivered/1");
	char *logged = sql_value(&outbox,
				 "SELECT status_code || ' ' || type FROM webhook_attempts "
				 "WHERE subscription_id = $1",
				 1, (const char *const[]){subscription});
	cr_assert_str_eq(logged, "204 note.signed");
	free(logged);
	free(state);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, retries_a_receiver_that_answers_500)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 500);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n2\"}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	/* The first retry waits 4 to 6 seconds. */
	cr_assert(webhook_receiver_wait(&receiver, 2, 9000), "tried again after about 5 s");
	atomic_store(&receiver.answer_status, 200);
	/* Brings the third attempt (5 minutes away) to now. */
	free(sql_value(&outbox,
		       "UPDATE webhook_deliveries SET next_attempt_at = now() "
		       "WHERE event_id = $1 AND status = 'pending'",
		       1, (const char *const[]){event}));
	cr_assert(webhook_receiver_wait(&receiver, 3, 5000));
	sleep_ms(300);
	char *state = pending_state(&outbox, event);
	cr_assert_str_eq(state, "delivered/3");
	struct webhook_received first = webhook_receiver_get(&receiver, 0);
	struct webhook_received third = webhook_receiver_get(&receiver, 2);
	cr_assert_str_eq(first.id, third.id, "a retry sends the same webhook-id");
	char *codes = sql_value(&outbox,
				"SELECT string_agg(status_code::text, ',' ORDER BY attempted_at) "
				"FROM webhook_attempts WHERE subscription_id = $1",
				1, (const char *const[]){subscription});
	cr_assert_str_eq(codes, "500,500,200");
	free(codes);
	free(state);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, gives_up_after_the_last_attempt_and_disables_the_subscription)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 500);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n3\"}");
	char *later = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n4\"}");
	cr_assert(webhook_receiver_wait(&receiver, 2, 5000));
	/* As if the first seven attempts had been made. */
	free(sql_value(&outbox,
		       "UPDATE webhook_deliveries SET attempts = 7, "
		       "next_attempt_at = now() WHERE event_id = $1",
		       1, (const char *const[]){event}));
	sleep_ms(1500);
	char *state = pending_state(&outbox, event);
	cr_assert_str_eq(state, "failed/8");
	char *other =
		sql_value(&outbox, "SELECT status FROM webhook_deliveries WHERE event_id = $1", 1,
			  (const char *const[]){later});
	cr_assert_str_eq(other, "failed", "the subscription's pending deliveries fail with it");
	char *disabled = sql_value(&outbox,
				   "SELECT active || ' ' || disabled_reason FROM subscriptions "
				   "WHERE id = $1",
				   1, (const char *const[]){subscription});
	cr_assert_str_eq(disabled,
			 "false no 2xx answer in 8 attempts over about 28 hours; last: HTTP 500");
	free(disabled);
	free(other);
	free(state);
	free(later);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, keeps_the_order_per_referral)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 500);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	const char *referral = "7a0c4a57-0000-4000-8000-000000000001";
	char *first = emit(&outbox, "referral.assigned", referral, "{\"n\": 1}");
	char *second = emit(&outbox, "referral.assigned", referral, "{\"n\": 2}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	sleep_ms(2000);
	/* The first failed and waits for its retry: the second may not overtake it. */
	cr_assert_eq(webhook_receiver_count(&receiver), 1);
	cr_assert_str_eq(webhook_receiver_get(&receiver, 0).id, first);
	atomic_store(&receiver.answer_status, 200);
	cr_assert(webhook_receiver_wait(&receiver, 3, 9000));
	cr_assert_str_eq(webhook_receiver_get(&receiver, 1).id, first);
	cr_assert_str_eq(webhook_receiver_get(&receiver, 2).id, second);
	free(second);
	free(first);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, follows_no_redirect)
{
	struct webhook_receiver target, receiver;
	webhook_receiver_start(&target, 200);
	webhook_receiver_start(&receiver, 302);
	snprintf(receiver.location, sizeof receiver.location, "%s", target.url);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n5\"}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	sleep_ms(1000);
	cr_assert_eq(webhook_receiver_count(&target), 0, "the redirect was not followed");
	char *state = pending_state(&outbox, event);
	cr_assert_str_eq(state, "pending/1", "a 302 is not a 2xx: tried again later");
	free(state);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
	webhook_receiver_stop(&target);
}

Test(webhook_delivery, refuses_a_host_that_resolves_to_a_private_address)
{
	struct outbox outbox;
	outbox_open(&outbox);
	/* Allowed at creation once, now private: the check at delivery refuses it. */
	char *subscription = subscribe(&outbox, "http://10.0.0.1:9/hook");
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n6\"}");
	char *error = NULL;
	for (int i = 0; i < 50 && !error; i++) {
		sleep_ms(100);
		error = sql_value(&outbox,
				  "SELECT error FROM webhook_attempts WHERE subscription_id = $1",
				  1, (const char *const[]){subscription});
	}
	cr_assert_not_null(error);
	cr_assert(strstr(error, "may not call"), "%s", error);
	free(error);
	free(event);
	free(subscription);
	outbox_close(&outbox);
}

/* The status and attempts of the event's delivery once it is status, within timeout_ms. */
static char *wait_for_state(struct outbox *outbox, const char *event, const char *status,
			    long timeout_ms)
{
	char *state = NULL;
	for (long waited = 0; waited <= timeout_ms; waited += 100) {
		free(state);
		state = pending_state(outbox, event);
		if (state && strncmp(state, status, strlen(status)) == 0)
			break;
		sleep_ms(100);
	}
	return state;
}

static void restart(struct outbox *outbox)
{
	const char *settings[] = {outbox->own.setting, SETTINGS[0], SETTINGS[1], NULL};
	cr_assert(peerd_start(&outbox->own.process, settings));
}

Test(webhook_delivery, survives_a_restart_with_the_receiver_down)
{
	struct outbox outbox;
	outbox_open(&outbox);
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 200);
	unsigned port = receiver.port;
	webhook_receiver_stop(&receiver); /* down: its port refuses */
	char url[96];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", port);
	char *subscription = subscribe(&outbox, url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n7\"}");
	char *state = wait_for_state(&outbox, event, "pending/1", 5000);
	cr_assert_str_eq(state, "pending/1", "the refused attempt is logged, the event kept");
	cr_assert_eq(peerd_stop(&outbox.own.process), 0);
	webhook_receiver_start_on(&receiver, 200, port);
	restart(&outbox);
	cr_assert(webhook_receiver_wait(&receiver, 1, 10000), "delivered after the restart");
	cr_assert_str_eq(webhook_receiver_get(&receiver, 0).id, event);
	free(state);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, delivers_what_a_killed_peerd_left)
{
	struct outbox outbox;
	outbox_open(&outbox);
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 200);
	char *subscription = subscribe(&outbox, receiver.url);
	/* Killed with the event committed and not yet delivered. */
	kill(outbox.own.process.pid, SIGKILL);
	waitpid(outbox.own.process.pid, NULL, 0);
	char *before = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n8\"}");
	restart(&outbox);
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000), "delivered after the restart");
	cr_assert_str_eq(webhook_receiver_get(&receiver, 0).id, before);
	/* Killed while sending (the receiver holds its answer): the lease expires and the
	 * next peerd sends it again (at least once). */
	atomic_store(&receiver.answer_delay_ms, 3000);
	char *during = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"n9\"}");
	cr_assert(webhook_receiver_wait(&receiver, 2, 5000));
	kill(outbox.own.process.pid, SIGKILL);
	waitpid(outbox.own.process.pid, NULL, 0);
	atomic_store(&receiver.answer_delay_ms, 0);
	restart(&outbox);
	char *state = wait_for_state(&outbox, during, "delivered", 30000);
	cr_assert_str_eq(state, "delivered/1");
	cr_assert_str_eq(webhook_receiver_get(&receiver, 2).id, during);
	free(state);
	free(during);
	free(before);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

/* A partner that referred a substance_use participant of the outbox's provider under a
 * Part 2 consent; its consent's id into consent, the referral's returned. */
static char *partner_referral(struct outbox *outbox, const char *partner, char *consent,
			      size_t size)
{
	char *person =
		sql_value(outbox,
			  "INSERT INTO participants (organization_id, given_name, family_name) "
			  "VALUES ($1, 'Ada', 'Webhook') RETURNING id",
			  1, (const char *const[]){outbox->organization});
	char *made = sql_value(
		outbox,
		"INSERT INTO consents (organization_id, participant_id, kind, recipients, purpose, "
		"information, signed_on, signed_by, created_by, expires_on) VALUES ($1, $2, "
		"'part2', jsonb_build_array(jsonb_build_object('organization_id', $3::text)), "
		"'care', '{referral_status}', current_date, 'participant', 'test', "
		"current_date + 300) RETURNING id",
		3, (const char *const[]){outbox->organization, person, partner});
	snprintf(consent, size, "%s", made);
	char *referral = sql_value(
		outbox,
		"INSERT INTO referrals (provider_organization_id, participant_id, service_type, "
		"reason, urgency, substance_use, consent_obtained, consent_part2, respond_by, "
		"submitted_by, referring_organization_id) VALUES ($1, $2, 'peer', 'support', "
		"'routine', true, true, true, now() + interval '2 days', 'test', $3) RETURNING id",
		3, (const char *const[]){outbox->organization, person, partner});
	free(made);
	free(person);
	return referral;
}

Test(webhook_delivery, sends_nothing_once_the_part2_consent_is_revoked)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 500);
	struct outbox outbox;
	outbox_open(&outbox);
	char *partner =
		sql_value(&outbox,
			  "INSERT INTO organizations (name, kind, state, unit_rounding, "
			  "max_units_per_day, family_youth_max_age, referral_response_days, "
			  "time_zone) VALUES ('Partner', 'partner', 'OR', 'whole', 16, 21, 2, "
			  "'America/Los_Angeles') RETURNING id",
			  0, NULL);
	char *subscription =
		sql_value(&outbox,
			  "INSERT INTO subscriptions (organization_id, url, events, secret_nonce, "
			  "created_by) "
			  "VALUES ($1, $2, '{referral.status_changed}', decode($3, 'hex'), 'test') "
			  "RETURNING id",
			  3, (const char *const[]){partner, receiver.url, NONCE_HEX});
	char consent[40];
	char *referral = partner_referral(&outbox, partner, consent, sizeof consent);
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000), "sent while the consent is open");
	char *event = sql_value(&outbox,
				"SELECT event_id FROM webhook_deliveries "
				"WHERE subscription_id = $1",
				1, (const char *const[]){subscription});
	free(sql_value(&outbox,
		       "UPDATE consents SET revoked_on = current_date, revocation_reason = "
		       "'withdrawn', revoked_by = 'test', revoked_at = now() WHERE id = $1",
		       1, (const char *const[]){consent}));
	free(sql_value(&outbox,
		       "UPDATE webhook_deliveries SET next_attempt_at = now() "
		       "WHERE subscription_id = $1",
		       1, (const char *const[]){subscription}));
	char *state = wait_for_state(&outbox, event, "failed", 5000);
	cr_assert_str_eq(state, "failed/1", "not sent, and not counted as an attempt");
	cr_assert_eq(webhook_receiver_count(&receiver), 1);
	char *logged = sql_value(&outbox,
				 "SELECT error FROM webhook_attempts WHERE subscription_id = $1 "
				 "AND status_code IS NULL",
				 1, (const char *const[]){subscription});
	cr_assert(logged && strstr(logged, "Part 2 consent"), "%s", logged ? logged : "(none)");
	char *active = sql_value(&outbox, "SELECT active::text FROM subscriptions WHERE id = $1", 1,
				 (const char *const[]){subscription});
	cr_assert_str_eq(active, "true", "a skipped event does not disable the subscription");
	free(active);
	free(logged);
	free(state);
	free(event);
	free(referral);
	free(subscription);
	free(partner);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, announces_a_certification_when_30_days_remain)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 200);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *specialist =
		sql_value(&outbox,
			  "INSERT INTO specialists (organization_id, subject, given_name, "
			  "family_name, kind, max_caseload, active) VALUES ($1, "
			  "'cert-subject', 'Cy', 'Cert', 'peer', 10, true) RETURNING id",
			  1, (const char *const[]){outbox.organization});
	const char *insert =
		"INSERT INTO certifications (specialist_id, credential, issuing_authority, state, "
		"number, issued_on, expires_on, status, verified_by, verified_at) VALUES ($1, "
		"'CPRS', 'Board', 'OR', $2, current_date - 700, peerd_organization_today($3) + "
		"$4::int, 'active', 'test', now()) RETURNING id";
	char *soon = sql_value(&outbox, insert, 4,
			       (const char *const[]){specialist, "A-1", outbox.organization, "30"});
	char *later =
		sql_value(&outbox, insert, 4,
			  (const char *const[]){specialist, "A-2", outbox.organization, "31"});
	/* The worker scans at start and once a minute; restarted, it scans now. */
	cr_assert_eq(peerd_stop(&outbox.own.process), 0);
	restart(&outbox);
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	struct webhook_received item = webhook_receiver_get(&receiver, 0);
	cr_assert(strstr(item.body, "certification.expiring"), "%s", item.body);
	cr_assert(strstr(item.body, soon), "%s", item.body);
	cr_assert_str_eq(item.path, "/hook");
	/* Once: another scan does not announce it again. */
	char *count = sql_value(&outbox, "SELECT peerd_webhook_announce_expiring()::text", 0, NULL);
	cr_assert_str_eq(count, "0");
	sleep_ms(500);
	cr_assert_eq(webhook_receiver_count(&receiver), 1, "announced once; not the 31-day one");
	free(count);
	free(later);
	free(soon);
	free(specialist);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, counts_deliveries_in_metrics)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 200);
	struct outbox outbox;
	outbox_open(&outbox);
	char *subscription = subscribe(&outbox, receiver.url);
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"m1\"}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	free(wait_for_state(&outbox, event, "delivered", 3000));
	sleep_ms(1200); /* the outbox gauges are refreshed once a second */
	struct http_response *metrics =
		own_server_send(&outbox.own.process, "GET", "/metrics", NULL, NULL);
	cr_assert_eq(metrics->status, 200);
	cr_assert(
		strstr(metrics->body, "peerd_webhook_deliveries_total{outcome=\"delivered\"} 1\n"),
		"%s", metrics->body);
	cr_assert(strstr(metrics->body, "peerd_webhook_outbox_depth 0\n"));
	cr_assert(strstr(metrics->body, "peerd_webhook_oldest_undelivered_seconds 0\n"));
	http_response_free(metrics);
	free(event);
	free(subscription);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}

Test(webhook_delivery, verifies_with_the_secret_the_create_returned_and_logs_for_its_owner)
{
	struct webhook_receiver receiver;
	webhook_receiver_start(&receiver, 200);
	struct outbox outbox;
	outbox_open(&outbox);
	char *token = token_for("supervisor", outbox.organization);
	char body[256];
	snprintf(body, sizeof body, "{\"url\":\"%s\",\"events\":[\"note.signed\"]}", receiver.url);
	struct http_response *made = http_send(&(struct http_request){
		.method = "POST",
		.path = "/v1/subscriptions",
		.token = token,
		.content_type = "application/json",
		.body = body,
		.headers = {"Idempotency-Key: webhook-delivery-create", NULL},
		.base_url = outbox.own.process.url});
	cr_assert_eq(made->status, 201, "%s", made->body);
	const char *secret = member(made, "secret");
	const char *id = member(made, "id");
	char *event = emit(&outbox, "note.signed", NULL, "{\"note_id\": \"api\"}");
	cr_assert(webhook_receiver_wait(&receiver, 1, 5000));
	struct webhook_received item = webhook_receiver_get(&receiver, 0);
	char *signature = webhook_signature(secret, item.id, atoll(item.timestamp), item.body,
					    strlen(item.body));
	cr_assert_str_eq(item.signature, signature, "verifies with the secret shown at creation");
	free(wait_for_state(&outbox, event, "delivered", 3000));
	char path[128];
	snprintf(path, sizeof path, "/v1/subscriptions/%s/deliveries", id);
	struct http_response *log = own_server_send(&outbox.own.process, "GET", path, token, NULL);
	cr_assert_eq(log->status, 200, "%s", log->body);
	json_t *first = json_array_get(json_object_get(log->json, "items"), 0);
	cr_assert_str_eq(member_of(first, "event_id"), event, "%s", log->body);
	cr_assert_eq(json_integer_value(json_object_get(first, "status_code")), 200);
	cr_assert_str_eq(member_of(first, "type"), "note.signed");
	http_response_free(log);
	free(signature);
	free(event);
	http_response_free(made);
	free(token);
	outbox_close(&outbox);
	webhook_receiver_stop(&receiver);
}
