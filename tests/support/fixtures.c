#include "fixtures.h"

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "peerd_process.h"
#include "token.h"

char *token_for_subject(const char *role, const char *organization_id, const char *subject)
{
	struct token_claims claims = {
		.subject = subject,
		.role = role,
		.organization_id = organization_id,
		.issued_at = time(NULL),
		.ttl_seconds = 3600,
	};
	char *token = token_issue_hs256(&claims, TEST_JWT_SECRET);
	cr_assert(token);
	return token;
}

char *token_for(const char *role, const char *organization_id)
{
	char subject[64];
	unique_name(role, subject, sizeof subject);
	return token_for_subject(role, organization_id, subject);
}

char *token_for_known(const char *role, const char *organization_id)
{
	if (strcmp(role, "specialist") != 0)
		return token_for(role, organization_id);
	char subject[96];
	free(create_specialist(organization_id, "peer", subject, sizeof subject));
	return token_for_subject(role, organization_id, subject);
}

char *admin_token(void)
{
	return token_for("admin", NULL);
}

void unique_name(const char *prefix, char *out, size_t size)
{
	static unsigned counter;
	snprintf(out, size, "%s %d-%u-%ld", prefix, getpid(), ++counter, (long)time(NULL));
}

void unique_token(const char *prefix, char *out, size_t size)
{
	unique_name(prefix, out, size);
	for (char *c = out; *c; c++) {
		if (*c == ' ')
			*c = '-';
	}
}

char *create_organization(const char *kind)
{
	char name[96];
	unique_name("Test organization", name, sizeof name);
	char *token = admin_token();
	json_t *body = json_pack("{s:s, s:s, s:s, s:[s]}", "name", name, "kind", kind, "state",
				 "OR", "counties", "Multnomah");
	struct http_response *response = http_send_json("POST", "/v1/organizations", token, body);
	cr_assert_eq(response->status, 201, "creating an organization: %s", response->body);
	char *id = strdup(json_string_value(json_object_get(response->json, "id")));
	http_response_free(response);
	json_decref(body);
	free(token);
	return id;
}

/* POSTs body as an admin and returns the new resource's id (the caller frees it). */
static char *create_as_admin(const char *path, json_t *body, const char *what)
{
	char *token = admin_token();
	struct http_response *response = http_send_json("POST", path, token, body);
	cr_assert_eq(response->status, 201, "creating %s: %s", what, response->body);
	char *id = strdup(json_string_value(json_object_get(response->json, "id")));
	http_response_free(response);
	json_decref(body);
	free(token);
	return id;
}

char *create_specialist(const char *organization_id, const char *kind, char *subject,
			size_t subject_size)
{
	unique_name("specialist", subject, subject_size);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "organization_id", organization_id,
				 "subject", subject, "given_name", "Test", "family_name", subject,
				 "kind", kind);
	return create_as_admin("/v1/specialists", body, "a specialist");
}

char *create_certification(const char *specialist_id, const char *status, const char *issued_on,
			   const char *expires_on)
{
	char number[96], path[128];
	unique_name("CPS", number, sizeof number);
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", specialist_id);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "credential", "CPS",
				 "issuing_authority", "Oregon Health Authority", "state", "OR",
				 "number", number, "issued_on", issued_on, "expires_on", expires_on,
				 "status", status);
	return create_as_admin(path, body, "a certification");
}

/* What list_ids writes: ids joined by spaces into out. */
struct joined_ids {
	char *out;
	size_t size;
};

static void append_id(json_t *item, void *context)
{
	struct joined_ids *ids = context;
	size_t used = strlen(ids->out);
	snprintf(ids->out + used, ids->size - used, "%s%s", used ? " " : "",
		 json_string_value(json_object_get(item, "id")));
}

/* The ids of a list's items, in order, joined by spaces, from every page of path (which
 * must already carry a '?'). */
void list_ids(const char *path, const char *token, char *out, size_t size)
{
	out[0] = '\0';
	each_listed(path, token, 100, append_id, &(struct joined_ids){out, size});
}

void join_ids(const char *const *ids, size_t count, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s", used ? " " : "", ids[i]);
	}
}

void referral_moves(const struct http_response *history, char *out, size_t size)
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

void expect(const struct http_response *response, long status, const char *what)
{
	cr_assert_eq(response->status, status, "%s: expected %ld: %s", what, status,
		     response->body);
}

void assert_error_names(const struct http_response *response, const char *field)
{
	cr_assert_eq(response->status, 422, "expected a 422 naming %s: %s", field, response->body);
	char *type = http_header(response, "Content-Type");
	cr_assert(type && strcmp(type, "application/problem+json") == 0, "%s",
		  type ? type : "no Content-Type");
	free(type);
	size_t index;
	json_t *error;
	json_array_foreach (json_object_get(response->json, "errors"), index, error) {
		const char *named = member_of(error, "field");
		if (named && strcmp(named, field) == 0)
			return;
	}
	cr_assert_fail("no error names %s: %s", field, response->body);
}

const char *member_of(const json_t *object, const char *key)
{
	return json_string_value(json_object_get(object, key));
}

const char *member(const struct http_response *response, const char *key)
{
	return member_of(response->json, key);
}

void day_from_today(const char *interval, char *out, size_t size)
{
	char *day = test_sql_text("SELECT to_char(((now() AT TIME ZONE '" ORGANIZATION_TIME_ZONE
				  "')::date + $1::interval)::date, 'YYYY-MM-DD')",
				  1, (const char *const[]){interval});
	cr_assert(day);
	snprintf(out, size, "%s", day);
	free(day);
}

void organization_day_from_today(const char *organization_id, const char *interval, char *out,
				 size_t size)
{
	char *day = test_sql_text("SELECT to_char((peerd_organization_today($1::uuid)"
				  " + $2::interval)::date, 'YYYY-MM-DD')",
				  2, (const char *const[]){organization_id, interval});
	cr_assert(day);
	snprintf(out, size, "%s", day);
	free(day);
}

void backdate_goal(const char *goal_id, const char *interval)
{
	PGconn *db = test_db_connect();
	PGresult *res =
		PQexecParams(db,
			     "UPDATE goals SET created_at = now() - $2::interval"
			     " WHERE id = $1",
			     2, NULL, (const char *const[]){goal_id, interval}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
	cr_assert_str_eq(PQcmdTuples(res), "1");
	PQclear(res);
	PQfinish(db);
}

/* A certified peer specialist of organization_id; writes their subject. */
char *certified_specialist(const char *organization_id, char *subject, size_t size)
{
	char *id = create_specialist(organization_id, "peer", subject, size);
	free(create_certification(id, "active", "2025-01-01", "2030-01-01"));
	return id;
}

/* Runs update (one row changed, $1 its id, $2 at) on the test database. */
static void update_one(const char *update, const char *id, const char *at)
{
	PGconn *db = test_db_connect();
	PGresult *res =
		PQexecParams(db, update, 2, NULL, (const char *const[]){id, at}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s: %s", update, PQerrorMessage(db));
	cr_assert_str_eq(PQcmdTuples(res), "1", "%s: %s", update, id);
	PQclear(res);
	PQfinish(db);
}

void referral_submitted_at(const char *referral_id, const char *at)
{
	update_one("UPDATE referrals SET submitted_at = $2::timestamptz WHERE id = $1", referral_id,
		   at);
}

void participant_registered_at(const char *participant_id, const char *at)
{
	update_one("UPDATE participants SET created_at = $2::timestamptz WHERE id = $1",
		   participant_id, at);
}

void instant_ago(const char *interval, char *out, size_t size)
{
	char *at = test_sql_text("SELECT to_char((date_trunc('second', now()) - $1::interval)"
				 " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
				 1, (const char *const[]){interval});
	snprintf(out, size, "%s", at);
	free(at);
}

void backdate_referral(const char *referral_id, const char *interval)
{
	char at[32];
	instant_ago(interval, at, sizeof at);
	referral_submitted_at(referral_id, at);
}

char *assigned_referral(const char *supervisor, const char *specialist_id, char *participant_id,
			size_t size)
{
	struct http_response *created = http_post(
		"/v1/referrals", supervisor,
		"{\"service_type\":\"peer\",\"participant\":{\"given_name\":\"Avery\","
		"\"family_name\":\"Stone\",\"county\":\"Multnomah\"},\"reason\":\"Walked in "
		"asking for a peer.\",\"consent\":{\"obtained\":true}}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	snprintf(participant_id, size, "%s", http_string(created, "participant_id"));
	http_response_free(created);
	char path[160], body[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", id);
	struct http_response *accepted = http_post(path, supervisor, "{\"to\":\"accepted\"}");
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	http_response_free(accepted);
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", id);
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", specialist_id);
	struct http_response *assigned = http_post(path, supervisor, body);
	cr_assert_eq(assigned->status, 200, "%s", assigned->body);
	http_response_free(assigned);
	referral_submitted_at(id, TEST_PROGRAM_START);
	return id;
}

static char *id_from(struct http_response *response, const char *what)
{
	cr_assert_eq(response->status, 201, "creating %s: %s", what, response->body);
	char *id = strdup(http_string(response, "id"));
	http_response_free(response);
	return id;
}

char *group_session_draft(const struct records *records, const char *token, const char *occurred_at)
{
	char body[512];
	snprintf(body, sizeof body,
		 "{\"facilitator_ids\":[\"%s\"],\"occurred_at\":\"%s\",\"duration_minutes\":60,"
		 "\"modality\":\"in_person\",\"topic\":\"WRAP\",\"domain\":\"social\","
		 "\"attendance\":[{\"participant_id\":\"%s\",\"status\":\"present\",\"note\":"
		 "\"Spoke first.\",\"goal_ids\":[\"%s\"]}]}",
		 records->specialist, occurred_at, records->participant, records->goal);
	return id_from(http_post("/v1/group-sessions", token, body), "a group session");
}

void records_create(struct records *out)
{
	out->organization = create_organization("provider");
	char path[192], body[512];
	out->specialist = certified_specialist(out->organization, out->specialist_subject,
					       sizeof out->specialist_subject);
	char *supervisor = token_for("supervisor", out->organization);
	char *specialist =
		token_for_subject("specialist", out->organization, out->specialist_subject);
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", out->specialist);
	char number[96];
	unique_name("N", number, sizeof number);
	snprintf(body, sizeof body,
		 "{\"credential\":\"CPS\",\"issuing_authority\":\"OHA\",\"state\":\"OR\","
		 "\"number\":\"%s\",\"issued_on\":\"2025-01-01\",\"expires_on\":\"2030-01-01\"}",
		 number);
	out->certification = id_from(http_post(path, supervisor, body), "a certification");
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", out->certification);
	out->ceu = id_from(http_post(path, supervisor,
				     "{\"completed_on\":\"2025-06-01\",\"hours\":2,\"category\":"
				     "\"ethics\",\"title\":\"Boundaries\"}"),
			   "a CEU");
	out->referral = assigned_referral(supervisor, out->specialist, out->participant,
					  sizeof out->participant);
	snprintf(path, sizeof path, "/v1/participants/%s/goals", out->participant);
	out->goal = id_from(http_post(path, specialist,
				      "{\"domain\":\"social\",\"statement\":\"Call my sister.\"}"),
			    "a goal");
	snprintf(path, sizeof path, "/v1/goals/%s/progress", out->goal);
	out->progress = id_from(
		http_post(path, specialist, "{\"recorded_on\":\"2025-06-01\",\"rating\":5}"),
		"a progress entry");
	snprintf(body, sizeof body,
		 "{\"participant_id\":\"%s\",\"occurred_at\":\"2025-06-01T17:00:00Z\","
		 "\"duration_minutes\":30,\"modality\":\"phone\",\"goal_ids\":[\"%s\"]}",
		 out->participant, out->goal);
	out->note = id_from(http_post("/v1/session-notes", specialist, body), "a note");
	out->group_session = group_session_draft(out, specialist, "2025-06-01T19:00:00Z");
	snprintf(path, sizeof path, "/v1/participants/%s/consents", out->participant);
	out->consent = id_from(http_post(path, specialist,
					 "{\"kind\":\"release_of_information\",\"recipients\":"
					 "[{\"name\":\"Dr. Lin\"}],\"purpose\":\"Care\","
					 "\"information\":[\"goals\"],\"signed_on\":\"2025-06-01\","
					 "\"signed_by\":\"participant\"}"),
			       "a consent");
	snprintf(path, sizeof path, "/v1/participants/%s/plans", out->participant);
	snprintf(body, sizeof body,
		 "{\"kind\":\"recovery\",\"sections\":{\"needs\":\"A job.\"},\"goal_ids\":"
		 "[\"%s\"]}",
		 out->goal);
	out->plan = id_from(http_post(path, specialist, body), "a plan");
	snprintf(path, sizeof path, "/v1/participants/%s/episodes", out->participant);
	out->episode = id_from(
		http_post(path, specialist, "{\"program\":\"SOR\",\"started_on\":\"2025-06-01\"}"),
		"an episode");
	snprintf(path, sizeof path, "/v1/episodes/%s/assessments", out->episode);
	out->assessment = id_from(http_post(path, specialist,
					    "{\"timepoint\":\"baseline\",\"administered_on\":"
					    "\"2025-06-05\",\"answers\":[4,4,4,4,4,4,4,4,4,4]}"),
				  "an assessment");
	snprintf(path, sizeof path, "/v1/participants/%s/coverages", out->participant);
	out->coverage = id_from(http_post(path, supervisor,
					  "{\"payer\":\"State Medicaid\",\"kind\":\"medicaid\","
					  "\"member_id\":\"M1\",\"effective_on\":\"2025-01-01\"}"),
				"a coverage");
	snprintf(path, sizeof path, "/v1/participants/%s/authorizations", out->participant);
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"number\":\"PA-1\",\"units_authorized\":40,"
		 "\"starts_on\":\"2025-06-01\",\"ends_on\":\"2025-12-31\"}",
		 out->coverage);
	out->authorization = id_from(http_post(path, supervisor, body), "an authorization");
	out->subscription = id_from(http_post("/v1/subscriptions", supervisor,
					      "{\"url\":\"http://127.0.0.1:9/hook\","
					      "\"events\":[\"note.signed\"]}"),
				    "a subscription");
	free(specialist);
	free(supervisor);
}

void records_free(struct records *records)
{
	free(records->organization);
	free(records->specialist);
	free(records->certification);
	free(records->ceu);
	free(records->referral);
	free(records->goal);
	free(records->progress);
	free(records->note);
	free(records->group_session);
	free(records->consent);
	free(records->plan);
	free(records->episode);
	free(records->assessment);
	free(records->coverage);
	free(records->authorization);
	free(records->subscription);
}

const char *records_id_for(const struct records *records, const char *pattern, const char *name)
{
	if (strcmp(name, "ceu_id") == 0)
		return records->ceu;
	if (strcmp(name, "progress_id") == 0)
		return records->progress;
	static const struct {
		const char *prefix;
		size_t offset;
	} BY_PREFIX[] = {
		{"/v1/organizations/", offsetof(struct records, organization)},
		{"/v1/specialists/", offsetof(struct records, specialist)},
		{"/v1/certifications/", offsetof(struct records, certification)},
		{"/v1/referrals/", offsetof(struct records, referral)},
		{"/v1/goals/", offsetof(struct records, goal)},
		{"/v1/session-notes/", offsetof(struct records, note)},
		{"/v1/group-sessions/", offsetof(struct records, group_session)},
		{"/v1/consents/", offsetof(struct records, consent)},
		{"/v1/plans/", offsetof(struct records, plan)},
		{"/v1/episodes/", offsetof(struct records, episode)},
		{"/v1/assessments/", offsetof(struct records, assessment)},
		{"/v1/coverages/", offsetof(struct records, coverage)},
		{"/v1/authorizations/", offsetof(struct records, authorization)},
		{"/v1/subscriptions/", offsetof(struct records, subscription)},
	};
	if (strncmp(pattern, "/v1/participants/", 17) == 0)
		return records->participant;
	for (size_t i = 0; i < sizeof BY_PREFIX / sizeof BY_PREFIX[0]; i++) {
		if (strncmp(pattern, BY_PREFIX[i].prefix, strlen(BY_PREFIX[i].prefix)) == 0)
			return *(char *const *)((const char *)records + BY_PREFIX[i].offset);
	}
	return NULL;
}

void fill_with_records(const char *pattern, const struct records *records, char *out, size_t size)
{
	size_t used = 0;
	for (const char *p = pattern; *p && used + 1 < size;) {
		if (*p != '{') {
			out[used++] = *p++;
			continue;
		}
		const char *end = strchr(p, '}');
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
		const char *id = records_id_for(records, pattern, name);
		cr_assert(id, "no record for {%s} in %s", name, pattern);
		used += (size_t)snprintf(out + used, size - used, "%s", id);
		p = end + 1;
	}
	out[used < size ? used : size - 1] = '\0';
}

char *test_sql_text(const char *sql, int count, const char *const *params)
{
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(db, sql, count, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
	cr_assert_eq(PQntuples(res), 1, "%s", sql);
	char *value = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
	return value;
}

void database_refuses(const char *sql, int count, const char *const *params, const char *constraint)
{
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(db, sql, count, NULL, params, NULL, NULL, 0);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *named = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	cr_assert(state && strcmp(state, "23514") == 0, "%s: %s", sql, PQerrorMessage(db));
	cr_assert(named && strcmp(named, constraint) == 0, "%s: %s", sql, PQerrorMessage(db));
	PQclear(res);
	PQfinish(db);
}

long long audit_events_by(const char *actor, const char *resource_id, const char *action)
{
	/* One statement, so an event the chainer moves meanwhile is counted once. */
	char *count = test_sql_text(
		"SELECT count(*) FROM (SELECT actor, action, resource_id FROM audit_inbox"
		" UNION ALL SELECT actor, action, resource_id FROM audit_events) e"
		" WHERE e.actor = $1 AND e.resource_id = $2::uuid"
		" AND ($3::text IS NULL OR e.action::text = $3::text)",
		3, (const char *const[]){actor, resource_id, action});
	cr_assert(count);
	long long events = atoll(count);
	free(count);
	return events;
}

PGconn *test_db_connect(void)
{
	const char *url = getenv("PEERD_TEST_DATABASE_URL");
	cr_assert(url, "PEERD_TEST_DATABASE_URL is not set");
	PGconn *conn = PQconnectdb(url);
	cr_assert_eq(PQstatus(conn), CONNECTION_OK, "%s", PQerrorMessage(conn));
	return conn;
}

/* Reads one keyword of PEERD_TEST_DATABASE_URL into out. */
void test_database_url_part(const char *keyword, char *out, size_t size)
{
	char *error = NULL;
	PQconninfoOption *options = PQconninfoParse(getenv("PEERD_TEST_DATABASE_URL"), &error);
	cr_assert(options, "PEERD_TEST_DATABASE_URL: %s", error ? error : "not set");
	out[0] = '\0';
	for (PQconninfoOption *option = options; option->keyword; option++) {
		if (strcmp(option->keyword, keyword) == 0 && option->val)
			snprintf(out, size, "%s", option->val);
	}
	PQconninfoFree(options);
}

unsigned test_database_port(void)
{
	char port[16];
	test_database_url_part("port", port, sizeof port);
	return port[0] ? (unsigned)atoi(port) : 5432;
}

void test_database_setting_via(unsigned port, char *out, size_t size)
{
	char user[64], database[64];
	test_database_url_part("user", user, sizeof user);
	test_database_url_part("dbname", database, sizeof database);
	snprintf(out, size, "PEERD_DATABASE_URL=postgresql://%s@127.0.0.1:%u/%s", user, port,
		 database);
}

static PGconn *admin_connect(void)
{
	const char *url = getenv("PEERD_TEST_ADMIN_URL");
	cr_assert(url, "PEERD_TEST_ADMIN_URL is not set; run scripts/test");
	PGconn *admin = PQconnectdb(url);
	cr_assert_eq(PQstatus(admin), CONNECTION_OK, "%s", PQerrorMessage(admin));
	return admin;
}

void exec_ok(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(db));
	PQclear(res);
}

PGconn *test_service_connection(const char *organization, const char *role)
{
	PGconn *db = test_db_connect();
	exec_ok(db, "SET ROLE peerd_service");
	PGresult *res =
		PQexecParams(db,
			     "SELECT set_config('peerd.organization', $1, false),"
			     " set_config('peerd.role', $2, false)",
			     2, NULL, (const char *const[]){organization, role}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	PQclear(res);
	return db;
}

void create_own_database(char *name, size_t name_size, char *setting, size_t setting_size)
{
	static unsigned counter;
	char user[64], sql[256];
	test_database_url_part("user", user, sizeof user);
	snprintf(name, name_size, "peerd_test_%d_%u", getpid(), ++counter);
	PGconn *admin = admin_connect();
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER %s", name, user);
	exec_ok(admin, sql);
	PQfinish(admin);
	snprintf(setting, setting_size, "PEERD_DATABASE_URL=postgresql://%s@127.0.0.1:%u/%s", user,
		 test_database_port(), name);
}

void through_server_with(const char *setting, void (*make)(void *context), void *context)
{
	static const char DATABASE[] = "PEERD_DATABASE_URL=";
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){setting, NULL}));
	char *shared = strdup(http_base_url());
	char *shared_database = strdup(getenv("PEERD_TEST_DATABASE_URL"));
	setenv("PEERD_TEST_URL", server.url, 1);
	if (strncmp(setting, DATABASE, strlen(DATABASE)) == 0)
		setenv("PEERD_TEST_DATABASE_URL", setting + strlen(DATABASE), 1);
	make(context);
	setenv("PEERD_TEST_URL", shared, 1);
	setenv("PEERD_TEST_DATABASE_URL", shared_database, 1);
	free(shared);
	free(shared_database);
	cr_assert_eq(peerd_stop(&server), 0);
}

void create_migrated_database(char *name, size_t name_size, char *setting, size_t setting_size)
{
	create_own_database(name, name_size, setting, setting_size);
	cr_assert_eq(peerd_run((const char *const[]){"migrate", NULL},
			       (const char *const[]){setting, NULL}, "/dev/null"),
		     0);
}

void drop_own_database(const char *name)
{
	char sql[256];
	PGconn *admin = admin_connect();
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	exec_ok(admin, sql);
	PQfinish(admin);
}

/* A new connection in a transaction holding the one row select (... FOR UPDATE) finds
 * for id. */
static PGconn *row_lock(const char *select, const char *id)
{
	PGconn *db = test_db_connect();
	exec_ok(db, "BEGIN");
	const char *params[] = {id};
	PGresult *locked = PQexecParams(db, select, 1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(locked), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	cr_assert_eq(PQntuples(locked), 1);
	PQclear(locked);
	return db;
}

PGconn *row_lock_organization(const char *organization_id)
{
	return row_lock("SELECT id FROM organizations WHERE id = $1 FOR UPDATE", organization_id);
}

PGconn *row_lock_participant(const char *participant_id)
{
	return row_lock("SELECT id FROM participants WHERE id = $1 FOR UPDATE", participant_id);
}

PGconn *row_lock_episode(const char *episode_id)
{
	return row_lock("SELECT id FROM episodes WHERE id = $1 FOR UPDATE", episode_id);
}

void row_lock_awaited(PGconn *db)
{
	/* A fixed sleep was not always long enough on a loaded machine; the request is there
	 * when a backend waits on this connection's lock. Ten seconds at most, then on. */
	char holder[16];
	snprintf(holder, sizeof holder, "%d", PQbackendPID(db));
	for (int tries = 0; tries < 500; tries++) {
		PGconn *watcher = test_db_connect();
		PGresult *res = PQexecParams(watcher,
					     "SELECT count(*) FROM pg_stat_activity"
					     " WHERE $1::int = ANY (pg_blocking_pids(pid))",
					     1, NULL, (const char *const[]){holder}, NULL, NULL, 0);
		bool waiting = PQresultStatus(res) == PGRES_TUPLES_OK &&
			       strcmp(PQgetvalue(res, 0, 0), "0") != 0;
		PQclear(res);
		PQfinish(watcher);
		if (waiting)
			return;
		sleep_ms(20);
	}
}

void row_lock_release(PGconn *db)
{
	exec_ok(db, "COMMIT");
	PQfinish(db);
}

void sleep_ms(long ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}

int each_listed(const char *path, const char *token, int max_pages,
		void (*visit)(json_t *item, void *context), void *context)
{
	char page_path[512];
	char *cursor = NULL;
	int pages = 0;
	do {
		int length = snprintf(page_path, sizeof page_path, "%s%s%s", path,
				      cursor ? "&cursor=" : "", cursor ? cursor : "");
		cr_assert(length > 0 && (size_t)length < sizeof page_path, "%s", path);
		free(cursor);
		struct http_response *page = http_get(page_path, token);
		cr_assert_eq(page->status, 200, "%s: %s", page_path, page->body);
		size_t index;
		json_t *item;
		json_array_foreach (json_object_get(page->json, "items"), index, item)
			visit(item, context);
		const char *next = member_of(page->json, "next_cursor");
		cr_assert(next || json_is_null(json_object_get(page->json, "next_cursor")), "%s",
			  page->body);
		cursor = next ? strdup(next) : NULL;
		http_response_free(page);
		pages++;
	} while (cursor && pages < max_pages);
	free(cursor);
	return pages;
}

/* Asserts that read is a 200 carrying exactly what written returned, with the ETag etag. */
void assert_read_back(const struct http_response *read, const struct http_response *written,
		      const char *etag)
{
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, written->json), "a read of what was written:\n%s\n%s",
		  written->body, read->body);
	char *header = http_header(read, "ETag");
	cr_assert_str_eq(header, etag);
	free(header);
}
