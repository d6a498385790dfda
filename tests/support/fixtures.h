/* Tokens and test data for the integration tests. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

/* The HS256 secret every test server is started with. */
#define TEST_JWT_SECRET "integration-test-secret-0123456789abcdef"

/* The export pseudonyms' key every test server is started with (exports need one). */
#define TEST_PSEUDONYM_KEY "integration-test-pseudonyms-0123456789abcdef"
/* PEERD_WEBHOOK_KEY of the tests' peerd, which also runs with PEERD_WEBHOOKS_ALLOW_HTTP
 * so that a test's receiver may listen on loopback. */
#define TEST_WEBHOOK_KEY   "integration-test-webhooks-0123456789abcdef"

/* A token for role (and org, or NULL) signed with TEST_JWT_SECRET, valid for an hour.
 * The caller frees it. */
char *token_for(const char *role, const char *organization_id);

/* An admin token without org. The caller frees it. */
char *admin_token(void);

/* Creates an organization of kind through the API as an admin and returns its id (the
 * caller frees it). The name is unique to this call. */
char *create_organization(const char *kind);

/* A token for role, org (or NULL) and sub. The caller frees it. */
char *token_for_subject(const char *role, const char *organization_id, const char *subject);

/* As token_for, for a caller peerd knows: a specialist's token names a profile made for
 * it in organization_id (a provider), as a specialist's must (sql/019). The caller frees
 * it. */
char *token_for_known(const char *role, const char *organization_id);

/* Creates a specialist of kind ("peer" or "family_peer") in a provider organization as an
 * admin; writes their unique subject into subject and returns the id (the caller frees
 * it). Defaults apply: max_caseload 15, active. */
char *create_specialist(const char *organization_id, const char *kind, char *subject,
			size_t subject_size);

/* Records a certification (credential CPS, state OR, a unique number) for a specialist as
 * an admin, with status "pending" or "active", and returns its id (the caller frees it). */
char *create_certification(const char *specialist_id, const char *status, const char *issued_on,
			   const char *expires_on);

/* The ids of a list's items, in order, joined by spaces, from every page of path (which
 * must already carry a '?'). */
void list_ids(const char *path, const char *token, char *out, size_t size);

/* ids joined by spaces, to compare with list_ids. */
void join_ids(const char *const *ids, size_t count, char *out, size_t size);

struct http_response;

/* A referral history's events as "from>to" joined by spaces ("-" for no from). */
void referral_moves(const struct http_response *history, char *out, size_t size);

/* Asserts response's status (what names the request in the message). */
void expect(const struct http_response *response, long status, const char *what);

/* Asserts a 422 problem (application/problem+json) whose "errors" name field. */
void assert_error_names(const struct http_response *response, const char *field);

/* The string member key of a JSON object (NULL when it has none). Owned by object. */
const char *member_of(const json_t *object, const char *key);

/* The string member key of a response's JSON body, or NULL. Owned by response. */
const char *member(const struct http_response *response, const char *key);

/* The zone create_organization's organizations keep (and so every fixture's). */
#define ORGANIZATION_TIME_ZONE "America/Los_Angeles"

/* Today in ORGANIZATION_TIME_ZONE moved by a PostgreSQL interval ("10 days", "-2 years"),
 * as YYYY-MM-DD. */
void day_from_today(const char *interval, char *out, size_t size);

/* As day_from_today, in organization_id's own zone (peerd_organization_today). */
void organization_day_from_today(const char *organization_id, const char *interval, char *out,
				 size_t size);

/* Sets a goal's created_at to now less interval, as if it had been set then; the API
 * cannot. */
void backdate_goal(const char *goal_id, const char *interval);

/* A certified peer specialist of organization_id (an active certification 2025..2030);
 * writes their subject and returns the id (the caller frees it). */
char *certified_specialist(const char *organization_id, char *subject, size_t size);

/* When the people of the shared fixtures came to the program: before every day the tests
 * date notes on, as a note may not precede its participant's first referral or
 * registration (sql/020). */
#define TEST_PROGRAM_START "2020-01-01T00:00:00Z"

/* Sets referral_id's submitted_at to at (a timestamptz, such as TEST_PROGRAM_START), as
 * if it had been submitted then; the API cannot. */
void referral_submitted_at(const char *referral_id, const char *at);

/* Sets participant_id's created_at to at: a walk-in registered then. */
void participant_registered_at(const char *participant_id, const char *at);

/* Now to the second less a PostgreSQL interval ("2 hours"), as RFC 3339 in UTC. */
void instant_ago(const char *interval, char *out, size_t size);

/* Sets a referral's submission to now, to the second, less interval. */
void backdate_referral(const char *referral_id, const char *interval);

/* A referral recorded by the provider's supervisor, accepted and assigned to
 * specialist_id, submitted at TEST_PROGRAM_START; returns the referral's id and writes its
 * participant's id. */
char *assigned_referral(const char *supervisor, const char *specialist_id, char *participant_id,
			size_t size);

/* One of every kind of record, in one provider organization, made through the API: a
 * certified peer specialist (subject in specialist_subject) with a pending certification
 * and a CEU, a referral assigned to them and its participant, a goal with a progress
 * entry, a draft session note, a group session, a consent, a draft plan, and an open
 * episode with its baseline assessment, a coverage and an authorization under it. Free
 * with records_free. */
struct records {
	char *organization, *specialist, *certification, *ceu, *referral, *goal, *progress, *note;
	char *group_session; /* a draft the specialist leads, the participant on its roster */
	char *consent;	     /* the participant's release of information */
	char *plan;	     /* the participant's draft recovery plan, naming the goal */
	char *episode;	     /* the participant's open episode, started 2025-06-01 */
	char *assessment;    /* its baseline BARC-10 */
	char *coverage;	     /* the participant's Medicaid, from 2025-01-01 */
	char *authorization; /* 40 units under it, 2025-06-01..2025-12-31 */
	char *subscription;  /* the supervisor's, to a loopback receiver */
	char participant[64];
	char specialist_subject[96];
};
void records_create(struct records *out);
/* A draft group session the records' specialist leads at occurred_at, with the records'
 * participant present, written as token; the caller frees its id. */
char *group_session_draft(const struct records *records, const char *token,
			  const char *occurred_at);
void records_free(struct records *records);

/* The record that the {name} segment of route pattern names (by the collection it
 * follows: "/v1/goals/{id}" names the goal), or NULL. Owned by records. */
const char *records_id_for(const struct records *records, const char *pattern, const char *name);

/* pattern with every {name} replaced by the record it names. */
void fill_with_records(const char *pattern, const struct records *records, char *out, size_t size);

/* The first value of a query with count parameters, as a new string (NULL for SQL
 * NULL); the query must give one row. */
char *test_sql_text(const char *sql, int count, const char *const *params);

/* Runs sql with params as the tables' owner; asserts it fails as a check violation of
 * constraint. */
void database_refuses(const char *sql, int count, const char *const *params,
		      const char *constraint);

/* How many audit events actor left about resource_id with action ("read", "create", ...;
 * NULL: any action), whether still in the inbox or already chained (sql/013). */
long long audit_events_by(const char *actor, const char *resource_id, const char *action);

/* A name no other test uses: prefix, the process id and a counter. */
void unique_name(const char *prefix, char *out, size_t size);

/* As unique_name, without spaces: usable in a query string, a request id and a subject. */
void unique_token(const char *prefix, char *out, size_t size);

/* A direct connection to the test database (PEERD_TEST_DATABASE_URL), for checks the API
 * cannot make. PQfinish it. */
PGconn *test_db_connect(void);

/* A part of PEERD_TEST_DATABASE_URL by its libpq keyword ("user", "dbname"), or "". */
void test_database_url_part(const char *keyword, char *out, size_t size);

/* The test database's TCP port, from PEERD_TEST_DATABASE_URL. */
unsigned test_database_port(void);

/* "PEERD_DATABASE_URL=..." for the test database reached through 127.0.0.1:port. */
void test_database_setting_via(unsigned port, char *out, size_t size);

/* A database of the test's own, owned by the test database's user and made through
 * PEERD_TEST_ADMIN_URL (a superuser), for what would disturb the shared one. Writes its
 * "PEERD_DATABASE_URL=..." setting into setting. Drop it with drop_own_database. */
void create_own_database(char *name, size_t name_size, char *setting, size_t setting_size);
void drop_own_database(const char *name);

/* As create_own_database, with every migration applied by peerd migrate. */
void create_migrated_database(char *name, size_t name_size, char *setting, size_t setting_size);

/* Runs make(context) with PEERD_TEST_URL pointing at a peerd of its own started with
 * setting (such as a database of the test's own), then stops that peerd and points
 * PEERD_TEST_URL back: for fixtures made through the API somewhere else. When setting is
 * "PEERD_DATABASE_URL=...", test_db_connect reaches that database meanwhile, so fixtures
 * that set what the API cannot (referral_submitted_at) set it there. */
void through_server_with(const char *setting, void (*make)(void *context), void *context);

/* Runs SQL without results on a connection, asserting success. */
void exec_ok(PGconn *db, const char *sql);

/* A connection to the test database working as peerd_service for a caller of
 * organization (or "") and role (or ""), scoped as peerd scopes its own (service/db.c):
 * what row-level security lets that caller see. PQfinish it. */
PGconn *test_service_connection(const char *organization, const char *role);

/* Opens a transaction on a new connection that holds organization_id's row lock, so a
 * request that writes it waits inside peerd. Release with row_lock_release. */
PGconn *row_lock_organization(const char *organization_id);
/* As row_lock_organization for a participant's row: whatever writes a note of theirs (a
 * foreign key to the row) waits until it is released. */
PGconn *row_lock_participant(const char *participant_id);
/* As row_lock_organization for an episode's row: assessments of it wait. */
PGconn *row_lock_episode(const char *episode_id);
/* Returns once a backend waits on a lock db holds (a request that reached it), or after
 * ten seconds. */
void row_lock_awaited(PGconn *db);
void row_lock_release(PGconn *db);

void sleep_ms(long ms);

/* Calls visit(item, context) for each item of the list path (which must already carry a
 * '?'), following next_cursor for at most max_pages pages; asserts each page is a 200
 * whose next_cursor is a string or null. Returns the number of pages read. */
int each_listed(const char *path, const char *token, int max_pages,
		void (*visit)(json_t *item, void *context), void *context);

/* Asserts that read is a 200 carrying exactly what written returned, with the ETag etag. */
void assert_read_back(const struct http_response *read, const struct http_response *written,
		      const char *etag);
