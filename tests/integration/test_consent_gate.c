/* The 42 CFR Part 2 gate (API.md "Consents"): a referral's intake with consent.part2 makes
 * the consent; a partner reads a referral about substance use (itself, its list rows, its
 * history, a withdrawal, a replay) only while an active part2 consent names it, each read
 * audited as disclose under that consent; otherwise it is not found, as one the partner
 * never sent, also on a partner-scoped database connection (row-level security). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "referrals_support.h"
#include "world.h"

TestSuite(consent_gate, .init = arena_open, .fini = arena_close);

/* A substance-use referral's body to the world's provider, with its Part 2 consent. */
static json_t *substance_use_body(const struct world *w)
{
	json_t *body = referral_body(w->provider, "peer");
	json_object_set_new(body, "substance_use", json_true());
	json_object_set_new(json_object_get(body, "consent"), "part2", json_true());
	return body;
}

/* Submits it as the world's partner (with key, when not NULL); the new referral's id. */
static const char *submitted(const struct world *w, json_t *body, const char *key)
{
	struct http_response *made = submit(w->partner.token, body, key);
	cr_assert_eq(made->status, 201, "%s", made->body);
	return member(made, "id");
}

/* As submitted, with a new Idempotency-Key written into key; body is the caller's. */
static const char *keyed_intake(const struct world *w, json_t **body, char key[64])
{
	unique_token("intake", key, 64);
	*body = substance_use_body(w);
	return submitted(w, *body, key);
}

/* The participant and the consents listed for them, as the provider's supervisor. */
static json_t *consents_for(const struct world *w, const char *referral_id)
{
	struct http_response *read = get_referral(referral_id, w->supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/consents", member(read, "participant_id"));
	struct http_response *list = http_get(path, w->supervisor.token);
	cr_assert_eq(list->status, 200, "%s", list->body);
	return json_object_get(list->json, "items");
}

/* Whether the partner's list shows referral id. */
static bool partner_lists(const struct world *w, const char *id)
{
	char listed[8192];
	list_ids("/v1/referrals?limit=200", w->partner.token, listed, sizeof listed);
	return strstr(listed, id) != NULL;
}

static void revoke(const char *consent_id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/consents/%s/revoke", consent_id);
	struct http_response *revoked = http_post(path, token, "{\"reason\":\"Withdrawn.\"}");
	cr_assert_eq(revoked->status, 200, "%s", revoked->body);
}

/* How many events of action about resource_id name consent_id, chained or not. */
static long long events_under(const char *resource_id, const char *action, const char *consent_id)
{
	char *count = test_sql_text(
		"SELECT count(*) FROM (SELECT action, resource_id, consent_id FROM audit_inbox"
		" UNION ALL SELECT action, resource_id, consent_id FROM audit_events) e"
		" WHERE e.resource_id = $1::uuid AND e.action::text = $2"
		" AND e.consent_id IS NOT DISTINCT FROM $3::uuid",
		3, (const char *const[]){resource_id, action, consent_id});
	long long events = atoll(count);
	free(count);
	return events;
}

/* The disclose events about referral id an admin lists (GET /v1/audit-events), each
 * asserted to name consent_id, the referral and the provider. */
static size_t disclosures_listed(const struct world *w, const char *id, const char *consent_id)
{
	free(test_sql_text("SELECT peerd_audit_chain()", 0, NULL)); /* out of the inbox */
	char path[160];
	snprintf(path, sizeof path, "/v1/audit-events?resource_id=%s&limit=200", id);
	struct http_response *listed = http_get(path, w->admin.token);
	cr_assert_eq(listed->status, 200, "%s", listed->body);
	size_t found = 0, index;
	json_t *event;
	json_array_foreach (json_object_get(listed->json, "items"), index, event) {
		if (strcmp(member_of(event, "action"), "disclose") != 0)
			continue;
		found++;
		cr_expect_str_eq(member_of(event, "consent_id"), consent_id);
		cr_expect_str_eq(member_of(event, "resource_type"), "referral");
		cr_expect_str_eq(member_of(event, "organization_id"), w->provider);
		cr_expect_str_eq(member_of(event, "actor"), w->partner.subject);
	}
	return found;
}

/* Submits a referral about substance use whose consent was obtained on the provider's
 * today plus interval; returns the status, having checked that a 422 names
 * consent.obtained_on. */
static long submitted_with_consent_from(const struct world *w, const char *interval)
{
	json_t *body = substance_use_body(w);
	char obtained_on[16];
	organization_day_from_today(w->provider, interval, obtained_on, sizeof obtained_on);
	json_object_set_new(json_object_get(body, "consent"), "obtained_on",
			    json_string(obtained_on));
	struct http_response *answer = submit(w->partner.token, body, NULL);
	json_decref(body);
	if (answer->status == 422)
		assert_error_names(answer, "consent.obtained_on");
	return answer->status;
}

Test(consent_gate, intake_makes_the_part2_consent_once)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	char key[64];
	json_t *body;
	const char *id = keyed_intake(&w, &body, key);
	json_t *consents = consents_for(&w, id);
	cr_assert_eq(json_array_size(consents), 1);
	json_t *consent = json_array_get(consents, 0);
	const char *obtained_on = json_string_value(json_object_get(
		json_object_get(get_referral(id, w.supervisor.token)->json, "consent"),
		"obtained_on"));
	cr_expect_str_eq(member_of(consent, "kind"), "part2");
	cr_expect_str_eq(member_of(consent, "status"), "active");
	cr_expect_str_eq(member_of(consent, "signed_by"), "participant");
	cr_expect_str_eq(member_of(consent, "signed_on"), obtained_on);
	char year_later[16];
	snprintf(year_later, sizeof year_later, "%d%s", atoi(obtained_on) + 1, obtained_on + 4);
	cr_expect_str_eq(member_of(consent, "expires_on"), year_later);
	cr_expect_str_eq(member_of(consent, "organization_id"), w.provider);
	cr_expect_str_eq(member_of(json_array_get(json_object_get(consent, "recipients"), 0),
				   "organization_id"),
			 w.partner_organization);
	cr_expect_eq(json_array_size(json_object_get(consent, "recipients")), 1);
	cr_expect_str_eq(
		json_string_value(json_array_get(json_object_get(consent, "information"), 0)),
		"referral_status");
	cr_expect_eq(json_array_size(json_object_get(consent, "information")), 1);
	cr_expect(json_string_length(json_object_get(consent, "purpose")) > 0);
	/* The partner reads what it sent, with the notice; a replay makes nothing again. */
	struct http_response *read = get_referral(id, w.partner.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_expect(json_is_string(json_object_get(read->json, "redisclosure_notice")));
	/* A consent is never signed in the future; a partner's today may run a day ahead of
	 * the provider's (another zone), no more. */
	cr_expect_eq(submitted_with_consent_from(&w, "2 days"), 422);
	cr_expect_eq(submitted_with_consent_from(&w, "1 day"), 201);
	/* That was the same person, reused (API.md "one person, one record"): the second
	 * referral's consent is added to it. */
	size_t made = json_array_size(consents_for(&w, id));
	cr_expect_eq(made, 2);
	struct http_response *replayed = submit(w.partner.token, body, key);
	json_decref(body);
	cr_expect_eq(replayed->status, 201, "%s", replayed->body);
	cr_expect_str_eq(member(replayed, "id"), id);
	cr_expect_eq(json_array_size(consents_for(&w, id)), made);
}

/* A referral about substance use whose Part 2 consent expired before it was sent: the
 * partner may neither disclose it nor follow it, so it is refused, naming the day; a
 * consent that expires today is still in force. */
Test(consent_gate, a_referral_under_an_expired_part2_consent_is_refused)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	cr_expect_eq(submitted_with_consent_from(&w, "-1 year -1 day"), 422);
	cr_expect_eq(submitted_with_consent_from(&w, "-5 years"), 422);
	cr_expect_eq(submitted_with_consent_from(&w, "-1 year"), 201);
}

Test(consent_gate, revocation_closes_every_read_at_once)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	char key[64];
	json_t *body;
	const char *id = keyed_intake(&w, &body, key);
	/* A referral about something else is not gated. */
	json_t *plain_body = referral_body(w.provider, "peer");
	const char *plain = arena_text(submit_ok(w.partner.token, plain_body));
	json_decref(plain_body);
	const char *consent_id = member_of(json_array_get(consents_for(&w, id), 0), "id");

	/* Allowed: each read a disclose under the consent. */
	cr_expect_eq(get_referral(id, w.partner.token)->status, 200);
	struct http_response *history = history_of(id, w.partner.token);
	cr_expect_eq(history->status, 200);
	cr_expect(json_is_string(json_object_get(history->json, "redisclosure_notice")),
		  "the history discloses as the referral does: %s", history->body);
	cr_expect(json_is_null(
		json_object_get(history_of(plain, w.partner.token)->json, "redisclosure_notice")));
	cr_expect(partner_lists(&w, id));
	cr_expect_eq(events_under(id, "disclose", consent_id), 3);
	cr_expect_eq(disclosures_listed(&w, id, consent_id), 3);
	cr_expect_eq(audit_events_by(w.partner.subject, id, "read"), 0,
		     "a partner's read is a disclosure");
	long long staff_reads = audit_events_by(w.supervisor.subject, id, "read");
	get_referral(id, w.supervisor.token);
	cr_expect_eq(audit_events_by(w.supervisor.subject, id, "read"), staff_reads + 1,
		     "the provider's own read is a read");
	cr_expect_eq(audit_events_by(w.supervisor.subject, id, "disclose"), 0);
	get_referral(plain, w.partner.token);
	cr_expect_geq(audit_events_by(w.partner.subject, plain, "read"), 1);
	cr_expect_eq(audit_events_by(w.partner.subject, plain, "disclose"), 0);

	revoke(consent_id, w.supervisor.token);
	cr_expect_eq(get_referral(id, w.partner.token)->status, 404);
	cr_expect_eq(history_of(id, w.partner.token)->status, 404);
	cr_expect(!partner_lists(&w, id));
	cr_expect_eq(transition(id, w.partner.token, "withdrawn", "No longer needed.")->status,
		     404);
	cr_expect_eq(submit(w.partner.token, body, key)->status, 404, "a replay is a read");
	json_decref(body);
	/* The referral not about substance use, and the provider, are unaffected. */
	cr_expect_eq(get_referral(plain, w.partner.token)->status, 200);
	cr_expect(partner_lists(&w, plain));
	cr_expect_eq(get_referral(id, w.supervisor.token)->status, 200);
	cr_expect_eq(events_under(id, "disclose", consent_id), 3);

	/* Row-level security holds it even for a statement that forgets the check. */
	PGconn *db = test_service_connection(w.partner_organization, "partner");
	const char *queries[] = {"SELECT count(*) FROM referrals WHERE id = $1",
				 "SELECT count(*) FROM referral_events WHERE referral_id = $1",
				 "SELECT count(*) FROM participants p JOIN referrals r"
				 " ON r.participant_id = p.id WHERE r.id = $1"};
	for (size_t i = 0; i < 3; i++) {
		PGresult *res = PQexecParams(db, queries[i], 1, NULL, (const char *const[]){id},
					     NULL, NULL, 0);
		cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
		cr_expect_str_eq(PQgetvalue(res, 0, 0), "0", "%s", queries[i]);
		PQclear(res);
	}
	PGresult *res = PQexecParams(db, "SELECT count(*) FROM referrals WHERE id = $1", 1, NULL,
				     (const char *const[]){plain}, NULL, NULL, 0);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	PQfinish(db);

	/* A new consent reopens it, and lets the partner withdraw it. */
	char path[128], consent[512];
	snprintf(path, sizeof path, "/v1/participants/%s/consents",
		 member(get_referral(id, w.supervisor.token), "participant_id"));
	snprintf(consent, sizeof consent,
		 "{\"kind\":\"part2\",\"recipients\":[{\"organization_id\":\"%s\"}],"
		 "\"purpose\":\"Follow-up\",\"information\":[\"all\"],\"signed_on\":\"2026-01-05\","
		 "\"signed_by\":\"participant\",\"expiry_event\":\"End of treatment\"}",
		 w.partner_organization);
	struct http_response *renewed = http_post(path, w.supervisor.token, consent);
	cr_assert_eq(renewed->status, 201, "%s", renewed->body);
	cr_expect_eq(get_referral(id, w.partner.token)->status, 200);
	cr_expect_eq(events_under(id, "disclose", member(renewed, "id")), 1);
	move_expect(id, w.partner.token, "withdrawn", "No longer needed.", 200);
}

Test(consent_gate, an_expired_or_unrelated_consent_does_not_open_it)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	json_t *body = substance_use_body(&w);
	const char *id = submitted(&w, body, NULL);
	json_decref(body);
	const char *consent_id = member_of(json_array_get(consents_for(&w, id), 0), "id");
	revoke(consent_id, w.supervisor.token);
	const char *participant = member(get_referral(id, w.supervisor.token), "participant_id");
	char path[128], consent[512];
	snprintf(path, sizeof path, "/v1/participants/%s/consents", participant);
	/* Expired yesterday; naming the partner only for goals; naming another partner. */
	char yesterday[16];
	organization_day_from_today(w.provider, "-1 day", yesterday, sizeof yesterday);
	char *other = arena_text(create_organization("partner"));
	const char *bodies[][4] = {
		{w.partner_organization, "referral_status", "2025-01-05", yesterday},
		{w.partner_organization, "goals", "2026-01-05", "2030-01-01"},
		{other, "referral_status", "2026-01-05", "2030-01-01"}};
	for (size_t i = 0; i < 3; i++) {
		snprintf(consent, sizeof consent,
			 "{\"kind\":\"part2\",\"recipients\":[{\"organization_id\":\"%s\"}],"
			 "\"purpose\":\"Follow-up\",\"information\":[\"%s\"],\"signed_on\":\"%s\","
			 "\"signed_by\":\"participant\",\"expires_on\":\"%s\"}",
			 bodies[i][0], bodies[i][1], bodies[i][2], bodies[i][3]);
		struct http_response *written = http_post(path, w.supervisor.token, consent);
		cr_assert_eq(written->status, 201, "%s", written->body);
		if (i == 0)
			cr_expect_str_eq(member(written, "status"), "expired");
	}
	cr_expect_eq(get_referral(id, w.partner.token)->status, 404);
	cr_expect(!partner_lists(&w, id));
	/* The other partner is named, but did not send it: still nothing. */
	char *other_token = arena_text(token_for("partner", other));
	cr_expect_eq(get_referral(id, other_token)->status, 404);
}

/* A referral taken before consents were records (sql/029): the rule that backfills them
 * gives it the consent intake makes now, once, and the partner reads it again. */
Test(consent_gate, an_earlier_referral_gets_the_intake_consent_once)
{
	struct world w;
	world_build(&w, (struct world_options){.partner = true});
	json_t *body = referral_body(w.provider, "peer");
	const char *id = arena_text(submit_ok(w.partner.token, body));
	json_decref(body);
	cr_expect_eq(json_array_size(consents_for(&w, id)), 0);
	/* As it was stored before sql/027: Part 2 consent given, no record of it. */
	free(test_sql_text(
		"UPDATE referrals SET substance_use = true, consent_part2 = true,"
		" consent_obtained_on = peerd_organization_today(provider_organization_id)"
		" - 30 WHERE id = $1 RETURNING id",
		1, (const char *const[]){id}));
	cr_expect_eq(get_referral(id, w.partner.token)->status, 404, "no consent, no disclosure");

	char *made = test_sql_text("SELECT peerd_part2_consents_of_earlier_referrals()", 0, NULL);
	cr_expect_str_neq(made, "0");
	free(made);
	json_t *consents = consents_for(&w, id);
	cr_assert_eq(json_array_size(consents), 1);
	json_t *consent = json_array_get(consents, 0);
	cr_expect_str_eq(member_of(consent, "kind"), "part2");
	cr_expect_str_eq(member_of(consent, "status"), "active");
	cr_expect_str_eq(member_of(json_array_get(json_object_get(consent, "recipients"), 0),
				   "organization_id"),
			 w.partner_organization);
	cr_expect_eq(get_referral(id, w.partner.token)->status, 200);
	char *again = test_sql_text("SELECT peerd_part2_consents_of_earlier_referrals()", 0, NULL);
	cr_expect_str_eq(again, "0", "it makes only the ones missing");
	free(again);
	cr_expect_eq(json_array_size(consents_for(&w, id)), 1);
}
