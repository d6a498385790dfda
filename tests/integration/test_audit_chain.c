/* The audit trail's hash chain (API.md, Audit): verification, broken on a database of the
 * test's own; an unbroken chain after writers at once; and server ids beside the client's
 * request ids. Nobody may break the shared database's chain. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "private_records.h"
#include "world.h"

TestSuite(audit_chain, .init = arena_open, .fini = arena_close);

/* Sends method path as token to the server at base_url with a JSON body (or none). */
static struct http_response *send_to(const char *base_url, const char *method, const char *path,
				     const char *token, const char *body)
{
	return http_send(&(struct http_request){.method = method,
						.path = path,
						.token = token,
						.content_type = body ? "application/json" : NULL,
						.body = body,
						.base_url = base_url});
}

/* GET /v1/audit-events/verify on base_url; writes events and the first broken event (0
 * when intact) and returns intact. */
static bool verify_chain(const char *base_url, const char *admin, long long *events,
			 long long *broken)
{
	struct http_response *verified =
		send_to(base_url, "GET", "/v1/audit-events/verify", admin, NULL);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	json_t *intact = json_object_get(verified->json, "intact");
	cr_assert(json_is_boolean(intact), "%s", verified->body);
	*events = json_integer_value(json_object_get(verified->json, "events"));
	json_t *first = json_object_get(verified->json, "first_broken_event");
	if (json_is_true(intact)) {
		cr_assert(json_is_null(first), "%s", verified->body);
		cr_assert(json_is_null(json_object_get(verified->json, "problem")), "%s",
			  verified->body);
		*broken = 0;
	} else {
		cr_assert(json_is_integer(first), "%s", verified->body);
		cr_assert(json_is_string(json_object_get(verified->json, "problem")), "%s",
			  verified->body);
		*broken = json_integer_value(first);
	}
	bool result = json_is_true(intact);
	return result;
}

/* Runs statements as the owner in one transaction with the append-only trigger off and
 * right granted, then puts both back. */
static void tamper(PGconn *db, const char *right, const char *statement)
{
	exec_ok(db, "BEGIN");
	exec_ok(db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
	char sql[256];
	snprintf(sql, sizeof sql, "GRANT %s ON audit_events TO CURRENT_USER", right);
	exec_ok(db, sql);
	exec_ok(db, statement);
	snprintf(sql, sizeof sql, "REVOKE %s ON audit_events FROM CURRENT_USER", right);
	exec_ok(db, sql);
	exec_ok(db, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
	exec_ok(db, "COMMIT");
}

static char *own_value(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
	char *value = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

Test(audit_chain, verify_finds_a_changed_or_removed_event)
{
	char name[64], setting[320];
	create_migrated_database(name, sizeof name, setting, sizeof setting);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, NULL}));
	char *admin = admin_token();

	/* Some audited activity. */
	struct http_response *organization =
		send_to(server.url, "POST", "/v1/organizations", admin,
			"{\"name\":\"Own provider\",\"kind\":\"provider\",\"state\":\"OR\"}");
	cr_assert_eq(organization->status, 201, "%s", organization->body);
	char *supervisor = token_for("supervisor", http_string(organization, "id"));
	struct http_response *created =
		send_to(server.url, "POST", "/v1/participants", supervisor,
			"{\"given_name\":\"Sam\",\"family_name\":\"Reed\"}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *participant_path = text_of("/v1/participants/%s", http_string(created, "id"));
	for (int i = 0; i < 4; i++) {
		struct http_response *read =
			send_to(server.url, "GET", participant_path, supervisor, NULL);
		cr_assert_eq(read->status, 200, "%s", read->body);
	}
	struct http_response *referred = send_to(
		server.url, "POST", "/v1/referrals", supervisor,
		"{\"service_type\":\"peer\",\"participant\":{\"given_name\":\"Lou\",\"family_"
		"name\":"
		"\"Park\"},\"reason\":\"Asked for a peer.\",\"consent\":{\"obtained\":true}}");
	cr_assert_eq(referred->status, 201, "%s", referred->body);

	long long events = 0, broken = 0;
	cr_assert(verify_chain(server.url, admin, &events, &broken), "a fresh chain is intact");
	cr_assert_eq(events, 7, "1 create, 4 reads, 2 creates");
	PGconn *db = PQconnectdb(strchr(setting, '=') + 1);
	cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
	char *count = own_value(db, "SELECT count(*) FROM audit_events");
	cr_assert_eq(atoll(count), events);
	free(count);

	/* Each guard holds alone: the trigger without the right, the right without the
	 * trigger. */
	exec_ok(db, "BEGIN");
	exec_ok(db, "GRANT UPDATE, DELETE ON audit_events TO CURRENT_USER");
	refused(db, "UPDATE audit_events SET actor = 'mallory' WHERE id = 3");
	exec_ok(db, "ROLLBACK");
	exec_ok(db, "BEGIN");
	exec_ok(db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
	refused(db, "UPDATE audit_events SET actor = 'mallory' WHERE id = 3");
	exec_ok(db, "ROLLBACK");
	exec_ok(db, "BEGIN");
	exec_ok(db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
	refused(db, "DELETE FROM audit_events WHERE id = 3");
	exec_ok(db, "ROLLBACK");
	cr_assert(verify_chain(server.url, admin, &events, &broken));

	/* A changed actor. */
	char *actor = own_value(db, "SELECT actor FROM audit_events WHERE id = 3");
	char *hash = own_value(db, "SELECT hash FROM audit_events WHERE id = 3");
	tamper(db, "UPDATE", "UPDATE audit_events SET actor = 'mallory' WHERE id = 3");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(broken, 3);
	cr_assert_eq(events, 2, "the events before the break");

	/* Put back, it verifies again. */
	char restore[512];
	snprintf(restore, sizeof restore, "UPDATE audit_events SET actor = '%s' WHERE id = 3",
		 actor);
	tamper(db, "UPDATE", restore);
	cr_assert(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(events, 7);

	/* The request's own id is hashed too: neither changed nor removed unseen. */
	char *server_id = own_value(db, "SELECT server_request_id FROM audit_events WHERE id = 3");
	const char *const rewrites[] = {
		"UPDATE audit_events SET server_request_id = gen_random_uuid() WHERE id = 3",
		"UPDATE audit_events SET server_request_id = NULL WHERE id = 3"};
	for (size_t i = 0; i < 2; i++) {
		tamper(db, "UPDATE", rewrites[i]);
		cr_assert_not(verify_chain(server.url, admin, &events, &broken), "%s", rewrites[i]);
		cr_assert_eq(broken, 3, "%s", rewrites[i]);
		snprintf(restore, sizeof restore,
			 "UPDATE audit_events SET server_request_id = '%s' WHERE id = 3",
			 server_id);
		tamper(db, "UPDATE", restore);
		cr_assert(verify_chain(server.url, admin, &events, &broken));
	}
	free(server_id);

	/* So is a consent: none can be named, or unnamed, unseen. */
	tamper(db, "UPDATE", "UPDATE audit_events SET consent_id = gen_random_uuid() WHERE id = 3");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(broken, 3);
	tamper(db, "UPDATE", "UPDATE audit_events SET consent_id = NULL WHERE id = 3");
	cr_assert(verify_chain(server.url, admin, &events, &broken));

	/* A disclosure, recorded by a reading statement (sql/026), is chained with its
	 * consent, which its hash covers. */
	free(own_value(db, "SELECT peerd_audit_read_shown('partner|1', 'partner', 'r-1',"
			   " 'referral', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),"
			   " 'c0000000-0000-4000-8000-000000000001')"));
	free(own_value(db, "SELECT peerd_audit_chain()"));
	char *disclosed = own_value(db, "SELECT action || ' ' || consent_id FROM audit_events"
					" WHERE id = (SELECT max(id) FROM audit_events)");
	cr_assert_str_eq(disclosed, "disclose c0000000-0000-4000-8000-000000000001");
	free(disclosed);
	cr_assert(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(events, 8);
	tamper(db, "UPDATE", "UPDATE audit_events SET consent_id = gen_random_uuid() WHERE id = 8");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(broken, 8);
	tamper(db, "UPDATE",
	       "UPDATE audit_events SET consent_id = 'c0000000-0000-4000-8000-000000000001'"
	       " WHERE id = 8");
	cr_assert(verify_chain(server.url, admin, &events, &broken));

	/* A changed event whose hash is made again breaks the link after it. */
	tamper(db, "UPDATE",
	       "UPDATE audit_events SET actor = 'mallory', hash = peerd_audit_hash(id, at,"
	       " 'mallory', role, organization_id, action, resource_type, resource_id,"
	       " request_id, server_request_id, status, previous_hash) WHERE id = 3");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(broken, 4);
	snprintf(restore, sizeof restore,
		 "UPDATE audit_events SET actor = '%s', hash = '%s' WHERE id = 3", actor, hash);
	tamper(db, "UPDATE", restore);
	cr_assert(verify_chain(server.url, admin, &events, &broken));

	/* The newest event removed: the head no longer names the end of the chain. */
	tamper(db, "DELETE", "DELETE FROM audit_events WHERE id = 7");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(events, 6);
	cr_assert_eq(broken, 7);

	/* An event removed from the middle. */
	tamper(db, "DELETE", "DELETE FROM audit_events WHERE id = 2");
	cr_assert_not(verify_chain(server.url, admin, &events, &broken));
	cr_assert_eq(broken, 2);
	cr_assert_eq(events, 1);

	free(actor);
	free(hash);
	PQfinish(db);
	cr_assert_eq(peerd_stop(&server), 0);
	free(participant_path);
	free(supervisor);
	free(admin);
	drop_own_database(name);
}

#define WRITERS	      8
#define WRITER_ROUNDS 10

struct writer {
	const char *token;
	const char *prefix;
	int number;
	char participant[64];
	char *referral;
	char *goal;
	long statuses[WRITER_ROUNDS];
	pthread_barrier_t *start;
};

/* Each round one audited request, each leaving exactly one event: reads of a
 * participant, a referral and a goal, a goal's update and a new participant. */
static void *write_rounds(void *context)
{
	struct writer *writer = context;
	char path[160], request_id[200], header[240], body[160];
	pthread_barrier_wait(writer->start);
	for (int round = 0; round < WRITER_ROUNDS; round++) {
		snprintf(request_id, sizeof request_id, "%s-%d-%d", writer->prefix, writer->number,
			 round);
		snprintf(header, sizeof header, "X-Request-Id: %s", request_id);
		struct http_request request = {.token = writer->token, .headers = {header}};
		switch (round % 5) {
		case 0:
			snprintf(path, sizeof path, "/v1/participants/%s", writer->participant);
			break;
		case 1:
			snprintf(path, sizeof path, "/v1/referrals/%s", writer->referral);
			break;
		case 2:
			snprintf(path, sizeof path, "/v1/goals/%s", writer->goal);
			break;
		case 3:
			snprintf(path, sizeof path, "/v1/goals/%s", writer->goal);
			snprintf(body, sizeof body, "{\"strengths\":[\"round %d\"]}", round);
			request.method = "PATCH";
			request.content_type = "application/merge-patch+json";
			request.body = body;
			break;
		default:
			snprintf(path, sizeof path, "/v1/participants");
			snprintf(body, sizeof body,
				 "{\"given_name\":\"Writer\",\"family_name\":\"Round %d\"}", round);
			request.method = "POST";
			request.content_type = "application/json";
			request.body = body;
			break;
		}
		request.path = path;
		struct http_response *response = http_send(&request);
		writer->statuses[round] = response->status;
	}
	return NULL;
}

Test(audit_chain, writers_at_once_leave_an_unbroken_chain)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	char prefix[96];
	unique_token("writers", prefix, sizeof prefix);
	struct writer writers[WRITERS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, WRITERS);
	for (int w = 0; w < WRITERS; w++) {
		writers[w] = (struct writer){.token = provider.supervisor.token,
					     .prefix = prefix,
					     .number = w,
					     .start = &start};
		writers[w].referral = refer(provider.supervisor.token, NULL, writers[w].participant,
					    sizeof writers[w].participant);
		writers[w].goal = goal_ok(provider.supervisor.token, writers[w].participant,
					  "social", "active", NULL);
	}
	pthread_t threads[WRITERS];
	for (int w = 0; w < WRITERS; w++)
		cr_assert_eq(pthread_create(&threads[w], NULL, write_rounds, &writers[w]), 0);
	for (int w = 0; w < WRITERS; w++)
		pthread_join(threads[w], NULL);
	pthread_barrier_destroy(&start);
	for (int w = 0; w < WRITERS; w++) {
		for (int round = 0; round < WRITER_ROUNDS; round++)
			cr_assert(writers[w].statuses[round] == 200 ||
					  writers[w].statuses[round] == 201,
				  "writer %d round %d: %ld", w, round, writers[w].statuses[round]);
	}

	/* One event per request, in one chain without a gap; those still in the inbox
	 * (sql/013) chained first. */
	sql_number("SELECT peerd_audit_chain()", 0, NULL);
	char *pattern = text_of("%s-%%", prefix);
	cr_assert_eq(sql_number("SELECT count(*) FROM audit_events WHERE request_id LIKE $1", 1,
				(const char *const[]){pattern}),
		     WRITERS * WRITER_ROUNDS);
	free(pattern);
	long long rows_before = sql_number("SELECT count(*) FROM audit_events", 0, NULL);
	struct http_response *verified = http_get("/v1/audit-events/verify", provider.admin.token);
	long long rows_after = sql_number("SELECT count(*) FROM audit_events", 0, NULL);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert(json_is_true(json_object_get(verified->json, "intact")), "%s", verified->body);
	cr_assert(json_is_null(json_object_get(verified->json, "first_broken_event")), "%s",
		  verified->body);
	long long events = json_integer_value(json_object_get(verified->json, "events"));
	cr_assert(events >= rows_before && events <= rows_after,
		  "verify walked %lld events; the table held %lld before and %lld after", events,
		  rows_before, rows_after);
	/* In any one snapshot the ids run 1..count without a gap. */
	char *gapless = test_sql_text("SELECT count(*) = max(id) AND min(id) = 1"
				      " FROM audit_events",
				      0, NULL);
	cr_assert_str_eq(gapless, "t");
	free(gapless);

	for (int w = 0; w < WRITERS; w++) {
		free(writers[w].referral);
		free(writers[w].goal);
	}
}

/* True for a lower-case 8-4-4-4-12 UUID. */
static bool is_uuid_text(const char *text)
{
	if (!text || strlen(text) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? text[i] != '-' : !strchr("0123456789abcdef", text[i]))
			return false;
	}
	return true;
}

/* The chain as peerd_audit_verify finds it: "intact", or where and why it breaks. */
static char *chain_verdict(void)
{
	sql_number("SELECT peerd_audit_chain()", 0, NULL);
	return test_sql_text("SELECT coalesce(broken_at::text || ': ' || problem, 'intact')"
			     " FROM peerd_audit_verify()",
			     0, NULL);
}

/* X-Request-Id is whatever the client sends, so two requests may share one: each
 * request's events also carry server_request_id, the UUID peerd made for that request
 * alone. It is part of the hash of the events that have one, and the chain verifies. */
Test(audit_chain, requests_sharing_a_request_id_keep_their_own_server_ids)
{
	struct world provider;
	world_build(&provider, (struct world_options){.referral = true});
	char *path = text_of("/v1/referrals/%s", provider.referral);
	char request_id[128], header[160];
	unique_token("shared-request-id", request_id, sizeof request_id);
	snprintf(header, sizeof header, "X-Request-Id: %s", request_id);
	for (int i = 0; i < 2; i++) {
		struct http_response *read = http_send(&(struct http_request){
			.path = path, .token = provider.supervisor.token, .headers = {header}});
		cr_assert_eq(read->status, 200, "%s", read->body);
		char *echoed = http_header(read, "X-Request-Id");
		cr_assert_str_eq(echoed, request_id, "the client's id is echoed");
		free(echoed);
	}
	json_t *shared = events_of(provider.supervisor.token, provider.referral, request_id);
	cr_assert_eq(json_array_size(shared), 2);
	const char *first = member_of(json_array_get(shared, 0), "server_request_id");
	const char *second = member_of(json_array_get(shared, 1), "server_request_id");
	cr_assert(is_uuid_text(first) && is_uuid_text(second), "%s %s", first ? first : "null",
		  second ? second : "null");
	cr_assert_str_neq(first, second, "two requests, two server ids");

	/* Without X-Request-Id the id echoed is peerd's own, and both members hold it. */
	struct http_response *plain = http_get(path, provider.supervisor.token);
	cr_assert_eq(plain->status, 200, "%s", plain->body);
	char *plain_id = http_header(plain, "X-Request-Id");
	json_t *own = events_of(provider.supervisor.token, provider.referral, plain_id);
	cr_assert_eq(json_array_size(own), 1);
	cr_assert_str_eq(member_of(json_array_get(own, 0), "server_request_id"), plain_id);

	/* The hash covers the server id: without it the events would not hash as stored. */
	cr_assert_eq(
		sql_number("SELECT count(*) FROM audit_events WHERE request_id = $1"
			   " AND hash <> peerd_audit_hash(id, at, actor, role, organization_id,"
			   " action, resource_type, resource_id, request_id, status,"
			   " previous_hash)",
			   1, (const char *const[]){request_id}),
		2);
	char *verdict = chain_verdict();
	cr_assert_str_eq(verdict, "intact");

	free(verdict);
	json_decref(own);
	free(plain_id);
	json_decref(shared);
	free(path);
}

/* An event without a server id, as written before sql/021 or by an older peerd still
 * running while the migration lands, is chained and hashed as before, and verifies. */
Test(audit_chain, an_event_without_a_server_id_hashes_as_before)
{
	char request_id[128];
	unique_token("older-peerd", request_id, sizeof request_id);
	PGconn *db = test_db_connect();
	const char *const params[] = {request_id};
	PGresult *res = PQexecParams(db,
				     "INSERT INTO audit_inbox (actor, role, action, resource_type,"
				     " request_id, status) VALUES ('older-peerd', 'admin', 'read',"
				     " 'referral', $1, 200)",
				     1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
	PQclear(res);
	PQfinish(db);
	cr_assert_eq(events_with_request_id(request_id), 1);
	cr_assert_eq(sql_number("SELECT count(*) FROM audit_events WHERE request_id = $1"
				" AND hash = peerd_audit_hash(id, at, actor, role, organization_id,"
				" action, resource_type, resource_id, request_id, status,"
				" previous_hash)",
				1, params),
		     1, "the eleven members hashed before sql/021");
	char *verdict = chain_verdict();
	cr_assert_str_eq(verdict, "intact");
	free(verdict);
}
