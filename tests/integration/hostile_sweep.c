/* A black-box sweep of hostile requests (OWASP API Top 10: API1 object-level
 * authorization, API3 mass assignment, API4 resource consumption, API8 injection and
 * misconfiguration). Every route of the route table, called with a token of a role it
 * admits and real ids, gets malformed, oversized and forged variants of its path, query,
 * body and headers; every route that names a record gets another organization's ids.
 * Each must be answered with the 4xx problem+json the contract names (never a 5xx, never
 * silence), must leave the database as it was, and must leave the server answering
 * /healthz. Failures are collected and asserted once per route, so that one run lists
 * every (route, variant, status, body) that went wrong.
 *
 * Requests go out on a raw socket, not through libcurl: curl would remove "..", refuse
 * some bytes, and cannot lie about Content-Length. */
#include "hostile_sweep.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "fixtures.h"
#include "http.h"
#include "keys.h"
#include "peerd_process.h"
#include "raw_http.h"
#include "routes.h"

/* ------------------------------------------------------------------------------------ */
/* The wire */

/* The request as bytes; the caller frees it. */
static char *raw_text(const struct raw *raw, size_t *size)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, size);
	cr_assert(out);
	size_t body_size = raw->body ? (raw->body_size ? raw->body_size : strlen(raw->body)) : 0;
	fprintf(out, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
		raw->method ? raw->method : "GET", raw->target);
	if (raw->token)
		fprintf(out, "Authorization: Bearer %s\r\n", raw->token);
	if (raw->content_type)
		fprintf(out, "Content-Type: %s\r\n", raw->content_type);
	if (raw->content_length)
		fprintf(out, "Content-Length: %s\r\n", raw->content_length);
	else if (raw->body)
		fprintf(out, "Content-Length: %zu\r\n", body_size);
	if (raw->headers)
		fputs(raw->headers, out);
	fputs("\r\n", out);
	if (raw->body)
		fwrite(raw->body, 1, body_size, out);
	fclose(out);
	return text;
}

static long long now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Sends raw on a new connection and returns the answer, or NULL with the reason in error
 * when none came (refused, reset, or silent for ANSWER_TIMEOUT_MS). */
static struct http_response *raw_send(const struct raw *raw, char *error, size_t error_size)
{
	int fd = raw_connect(raw->port ? raw->port : http_base_port(), 0);
	if (fd < 0) {
		snprintf(error, error_size, "cannot connect: %s", strerror(errno));
		return NULL;
	}
	size_t size = 0;
	char *text = raw_text(raw, &size);
	/* The server may answer (413) and close before it has read everything. */
	raw_send_all(fd, text, size);
	free(text);
	if (raw->half_close)
		shutdown(fd, SHUT_WR);
	struct raw_answer answer =
		raw_read_answer(fd, raw->patience_ms ? raw->patience_ms : ANSWER_TIMEOUT_MS);
	close(fd);
	if (!answer.response)
		snprintf(error, error_size, "%s after %zu bytes",
			 answer.closed ? "no answer: the connection closed" : "no answer in time",
			 answer.received);
	return answer.response;
}

/* ------------------------------------------------------------------------------------ */
/* What was found */

void sweep_begin(struct sweep *sweep, const struct route *route, enum role role)
{
	sweep->route = route;
	sweep->role = role;
	sweep->failure_count = 0;
	sweep->text = NULL;
	sweep->failures = open_memstream(&sweep->text, &sweep->size);
	cr_assert(sweep->failures);
}

__attribute__((format(printf, 3, 4))) void sweep_fail(struct sweep *sweep, const char *variant,
						      const char *format, ...)
{
	sweep->failure_count++;
	fprintf(sweep->failures, "\n  [%s] ", variant);
	va_list args;
	va_start(args, format);
	vfprintf(sweep->failures, format, args);
	va_end(args);
}

/* One assertion for the route: every failure it collected. */
void sweep_end(struct sweep *sweep)
{
	fclose(sweep->failures);
	cr_expect_eq(sweep->failure_count, 0, "%s %s%s%s: %zu hostile requests answered wrongly:%s",
		     sweep->route->method, sweep->route->path, sweep->role ? " as " : "",
		     sweep->role ? role_name(sweep->role) : "", sweep->failure_count, sweep->text);
	free(sweep->text);
}

/* Why response is not the problem+json of its status, or NULL when it is. */
static const char *problem_defect(const struct http_response *response)
{
	char *type = http_header(response, "Content-Type");
	bool typed = type && strcmp(type, "application/problem+json") == 0;
	free(type);
	if (!typed)
		return "Content-Type is not application/problem+json";
	const json_t *doc = response->json;
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "type")) ||
	    !json_is_string(json_object_get(doc, "title")) ||
	    !json_is_string(json_object_get(doc, "detail")))
		return "the body lacks type, title or detail";
	if (json_integer_value(json_object_get(doc, "status")) != response->status)
		return "the body's status is not the response's";
	return NULL;
}

static bool expectation_met(long expect, long status)
{
	bool client_error = status >= 400 && status < 500;
	switch (expect) {
	case EXPECT_4XX:
	case EXPECT_PROTOCOL:
		return client_error;
	case EXPECT_ANSWER:
	case EXPECT_NO_CRASH:
		return status < 500;
	case EXPECT_NOT_SHOWN:
		return client_error && status != 401;
	default:
		return status == expect;
	}
}

static const char *expectation_text(long expect, char *out, size_t size)
{
	switch (expect) {
	case EXPECT_4XX:
	case EXPECT_PROTOCOL:
		return "a 4xx";
	case EXPECT_ANSWER:
	case EXPECT_NO_CRASH:
		return "no 5xx";
	case EXPECT_NOT_SHOWN:
		return "a 4xx other than 401";
	default:
		snprintf(out, size, "%ld", expect);
		return out;
	}
}

/* Sends raw and records a failure when the answer is not what expect says. Returns the
 * response (the caller frees it), or NULL when none came. */
struct http_response *probe_keep(struct sweep *sweep, const char *variant, const struct raw *raw,
				 long expect)
{
	char error[256], wanted[16];
	sweep->sent++;
	long long started = now_ms();
	struct http_response *response = raw_send(raw, error, sizeof error);
	long long took = now_ms() - started;
	if (took > SLOW_ANSWER_MS && expect != EXPECT_NO_CRASH)
		sweep_fail(sweep, variant, "took %lld ms", took);
	if (!response) {
		if (expect != EXPECT_NO_CRASH)
			sweep_fail(sweep, variant, "%s", error);
		return NULL;
	}
	const char *defect = NULL;
	if (!expectation_met(expect, response->status))
		sweep_fail(sweep, variant, "%ld (wanted %s) %.300s", response->status,
			   expectation_text(expect, wanted, sizeof wanted), response->body);
	else if (response->status >= 400 && expect != EXPECT_PROTOCOL &&
		 (defect = problem_defect(response)))
		sweep_fail(sweep, variant, "%ld, but %s: %.300s", response->status, defect,
			   response->body);
	return response;
}

void probe(struct sweep *sweep, const char *variant, const struct raw *raw, long expect)
{
	http_response_free(probe_keep(sweep, variant, raw, expect));
}

/* After each route's batch: the server still answers. */
static void assert_alive(struct sweep *sweep)
{
	char error[256];
	fflush(sweep->failures);
	struct http_response *health =
		raw_send(&(struct raw){.target = "/healthz"}, error, sizeof error);
	cr_assert(health && health->status == 200,
		  "peerd stopped answering /healthz after the hostile requests to %s %s: %s%s",
		  sweep->route->method, sweep->route->path, health ? "" : error,
		  sweep->text ? sweep->text : "");
	http_response_free(health);
}

/* ------------------------------------------------------------------------------------ */
/* The organizations the sweep works in */

/* Counts, versions and last updates of every table that holds an organization's records,
 * the keys its callers claimed, and organizations named with the sweep's marker: the same
 * text before and after means that nothing was written. (The audit trail is left out:
 * reads write to it by design.) */
#define TALLY(alias)                                                        \
	"count(*) || '/' || coalesce(sum(" alias ".version), 0) || '/' || " \
	"coalesce(max(" alias ".updated_at)::text, '-')"
/* clang-format off */
static const char FINGERPRINT[] =
	"SELECT concat_ws(' ',"
	" (SELECT version || '@' || updated_at FROM organizations WHERE id = $1),"
	" (SELECT " TALLY("s") " FROM specialists s WHERE s.organization_id = $1),"
	" (SELECT " TALLY("c") " FROM certifications c JOIN specialists s"
	"  ON s.id = c.specialist_id WHERE s.organization_id = $1),"
	" (SELECT " TALLY("e") " FROM continuing_education e JOIN certifications c"
	"  ON c.id = e.certification_id JOIN specialists s ON s.id = c.specialist_id"
	"  WHERE s.organization_id = $1),"
	" (SELECT " TALLY("p") " FROM participants p WHERE p.organization_id = $1),"
	" (SELECT " TALLY("r") " FROM referrals r WHERE r.provider_organization_id = $1),"
	" (SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id"
	"  WHERE r.provider_organization_id = $1),"
	" (SELECT " TALLY("g") " FROM goals g JOIN participants p ON p.id = g.participant_id"
	"  WHERE p.organization_id = $1),"
	" (SELECT " TALLY("x") " FROM goal_progress x JOIN goals g ON g.id = x.goal_id"
	"  JOIN participants p ON p.id = g.participant_id WHERE p.organization_id = $1),"
	" (SELECT " TALLY("n") " FROM session_notes n WHERE n.organization_id = $1),"
	" (SELECT " TALLY("gs") " FROM group_sessions gs WHERE gs.organization_id = $1),"
	" (SELECT " TALLY("co") " FROM consents co WHERE co.organization_id = $1),"
	" (SELECT " TALLY("pl") " FROM plans pl WHERE pl.organization_id = $1),"
	" (SELECT " TALLY("e") " FROM episodes e WHERE e.organization_id = $1),"
	" (SELECT " TALLY("a") " FROM assessments a WHERE a.organization_id = $1),"
	" (SELECT " TALLY("cv") " FROM coverages cv WHERE cv.organization_id = $1),"
	" (SELECT " TALLY("au") " FROM authorizations au WHERE au.organization_id = $1),"
	" (SELECT count(*) FROM session_note_addenda a JOIN session_notes n"
	"  ON n.id = a.note_id WHERE n.organization_id = $1),"
	" (SELECT count(*) FROM idempotency_keys WHERE strpos(scope, $1::text) > 0),"
	" (SELECT count(*) FROM organizations WHERE strpos(name, $2) > 0))";
/* clang-format on */

static const enum role ROLES[] = {ROLE_ADMIN, ROLE_SUPERVISOR, ROLE_SPECIALIST, ROLE_PARTNER,
				  ROLE_REPORTER};

static size_t role_index(enum role role)
{
	for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++) {
		if (ROLES[i] == role)
			return i;
	}
	cr_assert_fail("no such role %d", (int)role);
	return 0;
}

const char *token_of(const struct side *side, enum role role)
{
	return side->tokens[role_index(role)];
}

static char *created_id(struct http_response *response, const char *what)
{
	cr_assert_eq(response->status, 201, "creating %s: %s", what, response->body);
	char *id = strdup(http_string(response, "id"));
	http_response_free(response);
	return id;
}

static void expect_ok(struct http_response *response, const char *what)
{
	cr_assert_eq(response->status, 200, "%s: %s", what, response->body);
	http_response_free(response);
}

static void side_create(struct side *side)
{
	struct records *records = &side->records;
	records_create(records);
	side->partner_organization = create_organization("partner");
	side->tokens[role_index(ROLE_ADMIN)] = admin_token();
	side->tokens[role_index(ROLE_SUPERVISOR)] = token_for("supervisor", records->organization);
	side->tokens[role_index(ROLE_SPECIALIST)] =
		token_for_subject("specialist", records->organization, records->specialist_subject);
	side->tokens[role_index(ROLE_PARTNER)] = token_for("partner", side->partner_organization);
	side->tokens[role_index(ROLE_REPORTER)] = token_for("reporter", records->organization);
	side->active_certification =
		create_certification(records->specialist, "active", "2025-01-01", "2030-01-01");
	char subject[96], path[160], body[512];
	side->idle_specialist =
		create_specialist(records->organization, "peer", subject, sizeof subject);
	snprintf(body, sizeof body,
		 "{\"participant_id\":\"%s\",\"occurred_at\":\"2025-06-01T18:00:00Z\","
		 "\"duration_minutes\":30,\"modality\":\"phone\",\"goal_ids\":[\"%s\"]}",
		 records->participant, records->goal);
	const char *specialist = token_of(side, ROLE_SPECIALIST);
	side->closed_note = created_id(http_post("/v1/session-notes", specialist, body), "a note");
	snprintf(path, sizeof path, "/v1/session-notes/%s", side->closed_note);
	expect_ok(http_post_as_read(path, "/sign", specialist, NULL), "signing a note");
	expect_ok(http_post_as_read(path, "/cosign", token_of(side, ROLE_SUPERVISOR), NULL),
		  "co-signing a note");
	side->closed_group_session =
		group_session_draft(records, specialist, "2025-06-01T20:00:00Z");
	snprintf(path, sizeof path, "/v1/group-sessions/%s", side->closed_group_session);
	expect_ok(http_post_as_read(path, "/sign", specialist, NULL), "signing a group session");
	snprintf(path, sizeof path, "/v1/participants/%s/plans", records->participant);
	side->closed_plan =
		created_id(http_post(path, specialist,
				     "{\"kind\":\"crisis\",\"sections\":{\"warning_signs\":"
				     "\"Pacing at night.\"}}"),
			   "a plan");
	snprintf(path, sizeof path, "/v1/plans/%s/sign", side->closed_plan);
	expect_ok(http_post(path, specialist, "{\"participant_signed_on\":\"2025-06-01\"}"),
		  "signing a plan");
}

static void side_free(struct side *side)
{
	records_free(&side->records);
	free(side->active_certification);
	free(side->closed_note);
	free(side->closed_group_session);
	free(side->closed_plan);
	free(side->idle_specialist);
	free(side->partner_organization);
	for (size_t i = 0; i < sizeof side->tokens / sizeof side->tokens[0]; i++)
		free(side->tokens[i]);
}

void world_create(struct world *world, bool with_other)
{
	memset(world, 0, sizeof *world);
	unique_name("hostile", world->marker, sizeof world->marker);
	side_create(&world->own);
	if (with_other)
		side_create(&world->other);
	world->db = test_db_connect();
}

void world_free(struct world *world, bool with_other)
{
	side_free(&world->own);
	if (with_other)
		side_free(&world->other);
	PQfinish(world->db);
}

/* The fingerprint of side's organization; the caller frees it. */
char *fingerprint(const struct world *world, const struct side *side)
{
	const char *params[] = {side->records.organization, world->marker};
	PGresult *res = PQexecParams(world->db, FINGERPRINT, 2, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(world->db));
	char *text = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return text;
}

/* Records a failure when side's organization changed since before (which it frees), and
 * returns the fingerprint now. */
char *expect_unchanged(struct sweep *sweep, const struct world *world, const struct side *side,
		       char *before, const char *what)
{
	char *after = fingerprint(world, side);
	if (strcmp(before, after) != 0)
		sweep_fail(sweep, what, "the database changed:\n    before %s\n    after  %s",
			   before, after);
	free(before);
	return after;
}

/* ------------------------------------------------------------------------------------ */
/* The routes as the sweep calls them */

#define SUPERVISOR ROLE_SUPERVISOR
#define SPECIALIST ROLE_SPECIALIST

/* The routes called some other way than OPERATIONS and SUPERVISOR_READS below. */
static const struct route_case CASES[] = {
	{"POST", "/v1/organizations", ROLE_ADMIN,
	 "{\"name\":\"{marker} org\",\"kind\":\"provider\",\"state\":\"OR\","
	 "\"counties\":[\"Lane\"],\"settings\":{\"max_units_per_day\":16}}",
	 RECORD_USUAL},
	{"PATCH", "/v1/organizations/{id}", ROLE_ADMIN, "name state counties settings",
	 RECORD_USUAL},
	{"POST", "/v1/specialists", SUPERVISOR,
	 "{\"organization_id\":\"{organization}\",\"subject\":\"{marker} s\",\"given_name\":"
	 "\"Hostile\",\"family_name\":\"Probe\",\"kind\":\"peer\",\"max_caseload\":5,"
	 "\"active\":true,\"languages\":[\"en\"]}",
	 RECORD_USUAL},
	{"GET", "/v1/specialists/me", SPECIALIST, NULL, RECORD_USUAL},
	{"PATCH", "/v1/specialists/me", SPECIALIST, "languages counties specialties", RECORD_USUAL},
	{"PATCH", "/v1/specialists/{id}", SUPERVISOR,
	 "given_name family_name kind max_caseload active", RECORD_USUAL},
	{"POST", "/v1/specialists/{id}/certifications", SUPERVISOR,
	 "{\"credential\":\"CPS\",\"issuing_authority\":\"OHA\",\"state\":\"OR\",\"number\":"
	 "\"{marker} n\",\"issued_on\":\"2025-01-01\",\"expires_on\":\"2030-01-01\","
	 "\"training_hours\":40.0}",
	 RECORD_USUAL},
	{"PATCH", "/v1/certifications/{id}", SUPERVISOR,
	 "credential issuing_authority state number issued_on expires_on", RECORD_USUAL},
	{"POST", "/v1/certifications/{id}/verify", SUPERVISOR, NULL, RECORD_ACTIVE_CERTIFICATION},
	{"POST", "/v1/certifications/{id}/ceus", SUPERVISOR,
	 "{\"completed_on\":\"2025-06-01\",\"hours\":2.0,\"category\":\"ethics\",\"title\":"
	 "\"Boundaries\"}",
	 RECORD_USUAL},
	{"POST", "/v1/participants", SUPERVISOR,
	 "{\"organization_id\":\"{organization}\",\"given_name\":\"Hostile\",\"family_name\":"
	 "\"Probe\",\"youth\":{\"given_name\":\"Kid\",\"birth_date\":\"2015-01-01\"}}",
	 RECORD_USUAL},
	{"PATCH", "/v1/participants/{id}", SUPERVISOR, "given_name family_name", RECORD_USUAL},
	{"POST", "/v1/referrals", SUPERVISOR,
	 "{\"provider_organization_id\":\"{organization}\",\"service_type\":\"peer\","
	 "\"participant\":{\"given_name\":\"Hostile\",\"family_name\":\"Probe\"},\"reason\":"
	 "\"Probe.\",\"needs\":[\"social\"],\"substance_use\":false,\"consent\":{\"obtained\":"
	 "true}}",
	 RECORD_USUAL},
	/* assigned → accepted is not a move of the graph: even a body that passes is 409. */
	{"POST", "/v1/referrals/{id}/transitions", SUPERVISOR,
	 "{\"to\":\"accepted\",\"reason\":\"Probe.\"}", RECORD_USUAL},
	/* The idle specialist is not certified: even a body that passes is 409. */
	{"POST", "/v1/referrals/{id}/assignment", SUPERVISOR,
	 "{\"specialist_id\":\"{idle_specialist}\"}", RECORD_USUAL},
	{"POST", "/v1/participants/{id}/goals", SUPERVISOR,
	 "{\"domain\":\"social\",\"statement\":\"Probe.\",\"strengths\":[\"Kind\"],\"steps\":"
	 "[{\"text\":\"Call\",\"done\":false}],\"target_date\":\"2027-01-01\"}",
	 RECORD_USUAL},
	{"PATCH", "/v1/goals/{id}", SUPERVISOR, "domain statement status", RECORD_USUAL},
	{"POST", "/v1/goals/{id}/progress", SUPERVISOR,
	 "{\"recorded_on\":\"2025-06-01\",\"rating\":5,\"note\":\"Probe.\"}", RECORD_USUAL},
	{"POST", "/v1/session-notes", SUPERVISOR,
	 "{\"participant_id\":\"{participant}\",\"specialist_id\":\"{specialist}\","
	 "\"occurred_at\":\"2025-06-02T17:00:00Z\",\"duration_minutes\":30,\"modality\":"
	 "\"phone\",\"goal_ids\":[\"{goal}\"],\"summary\":\"Probe.\"}",
	 RECORD_USUAL},
	{"PATCH", "/v1/session-notes/{id}", SUPERVISOR,
	 "occurred_at duration_minutes modality goal_ids", RECORD_USUAL},
	{"POST", "/v1/session-notes/{id}/sign", SPECIALIST, NULL, RECORD_CLOSED_NOTE},
	{"POST", "/v1/session-notes/{id}/addenda", SUPERVISOR, "{\"text\":\"Probe.\"}",
	 RECORD_CLOSED_NOTE},
	{"POST", "/v1/session-notes/{id}/cosign", SUPERVISOR, NULL, RECORD_CLOSED_NOTE},
	{"POST", "/v1/group-sessions", SUPERVISOR,
	 "{\"facilitator_ids\":[\"{specialist}\"],\"occurred_at\":\"2025-06-02T17:00:00Z\","
	 "\"duration_minutes\":60,\"modality\":\"in_person\",\"topic\":\"Probe.\","
	 "\"domain\":\"social\"}",
	 RECORD_USUAL},
	{"PATCH", "/v1/group-sessions/{id}", SUPERVISOR, "topic duration_minutes modality",
	 RECORD_USUAL},
	/* Signed: a roster, a signature or a cancellation of it is 409, whatever the body. */
	{"PUT", "/v1/group-sessions/{id}/attendance", SUPERVISOR, "{\"attendance\":[]}",
	 RECORD_CLOSED_GROUP_SESSION},
	{"POST", "/v1/group-sessions/{id}/sign", SPECIALIST, NULL, RECORD_CLOSED_GROUP_SESSION},
	{"POST", "/v1/group-sessions/{id}/cancel", SUPERVISOR, "{\"reason\":\"Probe.\"}",
	 RECORD_CLOSED_GROUP_SESSION},
	{"POST", "/v1/participants/{id}/consents", SUPERVISOR,
	 "{\"kind\":\"part2\",\"recipients\":[{\"name\":\"Probe\"}],\"purpose\":\"Probe.\","
	 "\"information\":[\"goals\"],"
	 "\"signed_on\":\"2025-06-01\",\"signed_by\":\"guardian\",\"expires_on\":"
	 "\"2026-06-01\",\"expiry_event\":\"Probe.\"}",
	 RECORD_USUAL},
	{"POST", "/v1/consents/{id}/revoke", SUPERVISOR,
	 "{\"reason\":\"Probe.\",\"revoked_on\":\"2025-06-02\"}", RECORD_USUAL},
	{"POST", "/v1/participants/{id}/plans", SUPERVISOR,
	 "{\"kind\":\"recovery\",\"sections\":{\"needs\":\"{marker}\"},\"goal_ids\":"
	 "[\"{goal}\"]}",
	 RECORD_USUAL},
	{"PATCH", "/v1/plans/{id}", SUPERVISOR, "kind sections goal_ids", RECORD_USUAL},
	/* Signed: signing it again is 409, whatever the body. */
	{"POST", "/v1/plans/{id}/sign", SUPERVISOR, "{\"participant_signed_on\":\"2025-06-01\"}",
	 RECORD_CLOSED_PLAN},
	{"POST", "/v1/participants/{id}/episodes", SUPERVISOR,
	 "{\"program\":\"{marker}\",\"started_on\":\"2025-06-01\"}", RECORD_USUAL},
	{"PATCH", "/v1/episodes/{id}", SUPERVISOR, "program started_on ended_on end_reason",
	 RECORD_USUAL},
	/* The baseline slot is filled: even a body that passes is 422. */
	{"POST", "/v1/episodes/{id}/assessments", SUPERVISOR,
	 "{\"timepoint\":\"baseline\",\"administered_on\":\"2025-06-02\",\"answers\":"
	 "[1,2,3,4,5,6,1,2,3,4]}",
	 RECORD_USUAL},
	{"POST", "/v1/assessments/{id}/void", SUPERVISOR, "{\"reason\":\"Probe.\"}", RECORD_USUAL},
	{"POST", "/v1/participants/{id}/coverages", SUPERVISOR,
	 "{\"payer\":\"{marker}\",\"kind\":\"grant\",\"effective_on\":\"2025-06-01\"}",
	 RECORD_USUAL},
	{"PATCH", "/v1/coverages/{id}", SUPERVISOR, "payer member_id ends_on priority",
	 RECORD_USUAL},
	{"POST", "/v1/participants/{id}/authorizations", SUPERVISOR,
	 "{\"coverage_id\":\"{coverage}\",\"number\":\"{marker}\",\"units_authorized\":8,"
	 "\"starts_on\":\"2025-06-01\",\"ends_on\":\"2025-06-30\"}",
	 RECORD_USUAL},
	{"PATCH", "/v1/authorizations/{id}", SUPERVISOR,
	 "number units_authorized starts_on ends_on", RECORD_USUAL},
	{"POST", "/v1/subscriptions", SUPERVISOR,
	 "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"note.signed\"]}", RECORD_USUAL},
	{"PATCH", "/v1/subscriptions/{id}", SUPERVISOR, "url events active", RECORD_USUAL},
	{"DELETE", "/v1/subscriptions/{id}", SUPERVISOR, NULL, RECORD_USUAL},
	{"GET", "/v1/audit-events/verify", ROLE_ADMIN, NULL, RECORD_USUAL},
};

/* GET without a token. */
static const char *const OPERATIONS[] = {
	"/healthz", "/readyz", "/metrics", "/openapi.yaml", "/docs", "/docs/{file}",
};

/* GET as a supervisor, of the usual records. */
static const char *const SUPERVISOR_READS[] = {
	"/v1/organizations",
	"/v1/organizations/{id}",
	"/v1/specialists",
	"/v1/specialists/{id}",
	"/v1/specialists/{id}/certifications",
	"/v1/certifications",
	"/v1/certifications/{id}",
	"/v1/certifications/{id}/ceus",
	"/v1/certifications/{id}/ceus/{ceu_id}",
	"/v1/participants",
	"/v1/participants/{id}",
	"/v1/referrals",
	"/v1/referrals/{id}",
	"/v1/referrals/{id}/matches",
	"/v1/referrals/{id}/history",
	"/v1/participants/{id}/goals",
	"/v1/goals/{id}",
	"/v1/goals/{id}/progress",
	"/v1/goals/{id}/progress/{progress_id}",
	"/v1/session-notes",
	"/v1/session-notes/{id}",
	"/v1/group-sessions",
	"/v1/group-sessions/{id}",
	"/v1/participants/{id}/consents",
	"/v1/consents/{id}",
	"/v1/participants/{id}/plans",
	"/v1/plans",
	"/v1/plans/{id}",
	"/v1/participants/{id}/episodes",
	"/v1/episodes",
	"/v1/episodes/{id}",
	"/v1/episodes/{id}/assessments",
	"/v1/assessments/{id}",
	"/v1/participants/{id}/coverages",
	"/v1/coverages/{id}",
	"/v1/participants/{id}/authorizations",
	"/v1/authorizations/{id}",
	"/v1/subscriptions",
	"/v1/subscriptions/{id}",
	"/v1/subscriptions/{id}/deliveries",
	"/v1/reports/summary",
	"/v1/reports/follow-up",
	"/v1/reports/caseloads",
	"/v1/reports/certifications",
	"/v1/exports/session-notes",
	"/v1/exports/claim-lines",
	"/v1/audit-events",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* CASES, OPERATIONS and SUPERVISOR_READS as one table, made on first use. */
static const struct route_case *all_cases(size_t *count)
{
	static struct route_case all[COUNT(CASES) + COUNT(OPERATIONS) + COUNT(SUPERVISOR_READS)];
	static size_t used;
	if (!used) {
		for (size_t i = 0; i < COUNT(CASES); i++)
			all[used++] = CASES[i];
		for (size_t i = 0; i < COUNT(OPERATIONS); i++)
			all[used++] =
				(struct route_case){"GET", OPERATIONS[i], 0, NULL, RECORD_USUAL};
		for (size_t i = 0; i < COUNT(SUPERVISOR_READS); i++)
			all[used++] = (struct route_case){"GET", SUPERVISOR_READS[i], SUPERVISOR,
							  NULL, RECORD_USUAL};
	}
	*count = used;
	return all;
}

static const struct route_case *case_for(const struct route *route)
{
	size_t count;
	const struct route_case *cases = all_cases(&count);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(cases[i].method, route->method) == 0 &&
		    strcmp(cases[i].path, route->path) == 0)
			return &cases[i];
	}
	cr_assert_fail("%s %s is not in the hostile sweep's CASES: add how to call it",
		       route->method, route->path);
	return NULL;
}

const struct route *route_named(const char *method, const char *path)
{
	for (size_t i = 0; i < api_route_count; i++) {
		if (strcmp(api_routes[i].method, method) == 0 &&
		    strcmp(api_routes[i].path, path) == 0)
			return &api_routes[i];
	}
	cr_assert_fail("%s %s is gone from the route table", method, path);
	return NULL;
}

bool is_patch(const struct route *route)
{
	return route->body == ROUTE_BODY_MERGE_PATCH;
}

/* The routes that honour If-Match: every PATCH, and the POSTs that change the resource
 * their path names (README, API conventions). */
bool honours_if_match(const struct route *route)
{
	static const char *const ACTIONS[] = {
		"/v1/certifications/{id}/verify", "/v1/referrals/{id}/transitions",
		"/v1/referrals/{id}/assignment",  "/v1/session-notes/{id}/sign",
		"/v1/session-notes/{id}/addenda", "/v1/session-notes/{id}/cosign",
		"/v1/group-sessions/{id}/sign",	  "/v1/group-sessions/{id}/cancel",
		"/v1/consents/{id}/revoke",	  "/v1/plans/{id}/sign",
		"/v1/assessments/{id}/void",
	};
	if (is_patch(route))
		return true;
	for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++) {
		if (strcmp(route->method, "POST") == 0 && strcmp(route->path, ACTIONS[i]) == 0)
			return true;
	}
	return false;
}

bool takes_body(const struct route *route)
{
	return route->body != ROUTE_BODY_NONE;
}

const char *media_type_of(const struct route *route)
{
	return is_patch(route) ? "application/merge-patch+json" : "application/json";
}

/* The id a {name} of the case's path stands for, on side. */
const char *id_for(const struct route_case *c, const struct side *side, const char *name)
{
	if (strcmp(name, "id") == 0 && c->record == RECORD_ACTIVE_CERTIFICATION)
		return side->active_certification;
	if (strcmp(name, "id") == 0 && c->record == RECORD_CLOSED_NOTE)
		return side->closed_note;
	if (strcmp(name, "id") == 0 && c->record == RECORD_CLOSED_GROUP_SESSION)
		return side->closed_group_session;
	if (strcmp(name, "id") == 0 && c->record == RECORD_CLOSED_PLAN)
		return side->closed_plan;
	/* A file of the /docs page, which the server may or may not have installed. */
	if (strcmp(name, "file") == 0)
		return "index.html";
	return records_id_for(&side->records, c->path, name);
}

/* The case's path with its ids from side, except that the {only} segment (when not NULL)
 * is written as replacement. */
void path_for(const struct route_case *c, const struct side *side, const char *only,
	      const char *replacement, char *out, size_t size)
{
	FILE *path = fmemopen(out, size, "w");
	cr_assert(path);
	for (const char *p = c->path; *p;) {
		if (*p != '{') {
			fputc(*p++, path);
			continue;
		}
		const char *end = strchr(p, '}');
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
		bool replaced = only && strcmp(name, only) == 0;
		const char *id = replaced ? replacement : id_for(c, side, name);
		cr_assert(id, "no record for {%s} in %s", name, c->path);
		fputs(id, path);
		p = end + 1;
	}
	fclose(path);
}

/* text with every {name} of the case's bodies replaced from side. The caller frees it. */
static char *filled(const char *text, const struct world *world, const struct side *side)
{
	const struct {
		const char *name, *value;
	} FIELDS[] = {
		{"{organization}", side->records.organization},
		{"{specialist}", side->records.specialist},
		{"{participant}", side->records.participant},
		{"{goal}", side->records.goal},
		{"{coverage}", side->records.coverage},
		{"{idle_specialist}", side->idle_specialist},
		{"{marker}", world->marker},
	};
	char *out = NULL;
	size_t size = 0;
	FILE *stream = open_memstream(&out, &size);
	while (*text) {
		size_t i = 0;
		while (i < sizeof FIELDS / sizeof FIELDS[0] &&
		       strncmp(text, FIELDS[i].name, strlen(FIELDS[i].name)) != 0)
			i++;
		if (i < sizeof FIELDS / sizeof FIELDS[0]) {
			fputs(FIELDS[i].value, stream);
			text += strlen(FIELDS[i].name);
		} else {
			fputc(*text++, stream);
		}
	}
	fclose(stream);
	return out;
}

/* A body of the route that passes validation, as a JSON object: the case's body with
 * body_side's ids, or for a PATCH the listed members as the record at path holds them now
 * (a patch that changes nothing). NULL for routes without a body. */
json_t *valid_body(const struct route_case *c, const struct route *route, const struct world *world,
		   const struct side *body_side, const char *path, const char *token)
{
	if (!takes_body(route))
		return NULL;
	if (!is_patch(route)) {
		char *text = filled(c->body, world, body_side);
		json_error_t error;
		json_t *body = json_loads(text, 0, &error);
		cr_assert(body, "%s %s: the sweep's body does not parse: %s", c->method, c->path,
			  error.text);
		free(text);
		return body;
	}
	struct http_response *current = http_get(path, token);
	cr_assert_eq(current->status, 200, "GET %s: %s", path, current->body);
	json_t *body = json_object();
	char members[256];
	snprintf(members, sizeof members, "%s", c->body);
	for (char *save = NULL, *name = strtok_r(members, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		json_t *value = json_object_get(current->json, name);
		if (value && !json_is_null(value))
			json_object_set(body, name, value);
	}
	http_response_free(current);
	return body;
}

char *body_json_text(const json_t *body)
{
	return json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The call as the case says, or as role when it is not 0. */
static void call_init(struct call *call, const struct route *route, const struct world *world,
		      const struct side *side, enum role role)
{
	memset(call, 0, sizeof *call);
	call->route = route;
	call->c = case_for(route);
	call->side = side;
	path_for(call->c, side, NULL, NULL, call->path, sizeof call->path);
	role = role ? role : call->c->role;
	call->token = role ? token_of(side, role) : NULL;
	call->body = valid_body(call->c, route, world, side, call->path, call->token);
	call->body_text = call->body ? body_json_text(call->body) : NULL;
}

static void call_free(struct call *call)
{
	json_decref(call->body);
	free(call->body_text);
}

/* A raw request for the call: its method, path (or target), token and a body that either
 * passes (the valid one) or cannot do anything ("{}"), as the variant allows. */
struct raw call_raw(const struct call *call, const char *target, bool valid)
{
	const char *body = NULL;
	if (takes_body(call->route))
		body = valid || is_patch(call->route) ? call->body_text : "{}";
	return (struct raw){.method = call->route->method,
			    .target = target ? target : call->path,
			    .token = call->token,
			    .content_type = body ? media_type_of(call->route) : NULL,
			    .body = body};
}

void sweep_route(struct sweep *sweep, const struct route *route, struct world *world,
		 variants_fn variants, enum role role)
{
	struct call call;
	call_init(&call, route, world, &world->own, role);
	sweep_begin(sweep, route, role);
	bool writes = strcmp(route->method, "GET") != 0;
	char *before = writes ? fingerprint(world, &world->own) : NULL;
	variants(sweep, &call, true, world);
	if (writes)
		free(expect_unchanged(sweep, world, &world->own, before, "strict variants"));
	variants(sweep, &call, false, world);
	assert_alive(sweep);
	sweep_end(sweep);
	call_free(&call);
}

/* Sweeps every route whose method is (or, with "!" first, is not) method, or every route
 * when method is NULL. */
void sweep_all(struct world *world, variants_fn variants, const char *what, const char *method)
{
	struct sweep sweep = {0};
	bool excluding = method && method[0] == '!';
	size_t routes = 0;
	for (size_t i = 0; i < api_route_count; i++) {
		if (method && (strcmp(api_routes[i].method, method + excluding) == 0) == excluding)
			continue;
		sweep_route(&sweep, &api_routes[i], world, variants, 0);
		routes++;
	}
	cr_log_info("hostile %s: %zu requests over %zu routes", what, sweep.sent, routes);
}

/* Sweeps as sweep_all does, in a world made for it (with another organization when
 * with_other) and freed after. */
void sweep_in_new_world(variants_fn variants, const char *what, const char *method, bool with_other)
{
	struct world world;
	world_create(&world, with_other);
	sweep_all(&world, variants, what, method);
	world_free(&world, with_other);
}

/* ------------------------------------------------------------------------------------ */
/* Values */

/* count copies of c; the caller frees it. */
char *repeated(char c, size_t count)
{
	char *text = malloc(count + 1);
	memset(text, c, count);
	text[count] = '\0';
	return text;
}

void upper(char *text)
{
	for (; *text; text++) {
		if (*text >= 'a' && *text <= 'z')
			*text = (char)(*text - 'a' + 'A');
	}
}
