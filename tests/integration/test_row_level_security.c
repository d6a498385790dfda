/* Defense in depth (sql/009, sql/010): the role peerd serves as cannot change the schema
 * or the audit trail, and row-level security keeps each organization's rows from a
 * statement scoped to another, whatever its WHERE says. The statements here run on a
 * direct connection that takes on peerd_service, as peerd's own connections do. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

/* One organization's records of every kind (tests/support/fixtures.c), with its note
 * signed and amended so that addenda are among them. */
static void make_records(struct records *r)
{
	records_create(r);
	char *specialist =
		arena_text(token_for_subject("specialist", r->organization, r->specialist_subject));
	char path[128];
	snprintf(path, sizeof path, "/v1/session-notes/%s", r->note);
	struct http_response *signed_note = http_post_as_read(path, "/sign", specialist, NULL);
	cr_assert_eq(signed_note->status, 200, "signing: %s", signed_note->body);
	snprintf(path, sizeof path, "/v1/session-notes/%s/addenda", r->note);
	struct http_response *addendum = http_post(path, specialist, "{\"text\":\"Called back.\"}");
	cr_assert_eq(addendum->status, 201, "amending: %s", addendum->body);
}

/* The number of rows a query finds for one id parameter. */
static long count_rows(PGconn *db, const char *sql, const char *id)
{
	PGresult *res = PQexecParams(db, sql, 1, NULL, (const char *const[]){id}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
	long count = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return count;
}

/* Each query counts the rows of one table that belong to organization $1's records, with
 * no organization condition of its own: only the policies can hide them. */
struct table_probe {
	const char *table;
	const char *sql;
};

static const struct table_probe PROBES[] = {
	{"specialists", "SELECT count(*) FROM specialists WHERE id = $1"},
	{"specialist_profiles", "SELECT count(*) FROM specialist_profiles WHERE id = $1"},
	{"certifications", "SELECT count(*) FROM certifications WHERE specialist_id = $1"},
	{"continuing_education",
	 "SELECT count(*) FROM continuing_education"
	 " WHERE certification_id IN (SELECT id FROM certifications WHERE specialist_id = $1)"},
	{"participants", "SELECT count(*) FROM participants WHERE id = $1"},
	{"referrals", "SELECT count(*) FROM referrals WHERE id = $1"},
	{"referral_events", "SELECT count(*) FROM referral_events WHERE referral_id = $1"},
	{"goals", "SELECT count(*) FROM goals WHERE id = $1"},
	{"goal_progress", "SELECT count(*) FROM goal_progress WHERE goal_id = $1"},
	{"session_notes", "SELECT count(*) FROM session_notes WHERE id = $1"},
	{"session_note_addenda", "SELECT count(*) FROM session_note_addenda WHERE note_id = $1"},
	{"audit_events", "SELECT count(*) FROM audit_events WHERE organization_id = $1"},
};

static const char *probe_argument(const struct records *r, size_t i)
{
	const char *table = PROBES[i].table;
	if (strstr(table, "specialist") || strstr(table, "certification") ||
	    strcmp(table, "continuing_education") == 0)
		return r->specialist;
	if (strcmp(table, "participants") == 0)
		return r->participant;
	if (strncmp(table, "referral", 8) == 0)
		return r->referral;
	if (strncmp(table, "goal", 4) == 0)
		return r->goal;
	if (strncmp(table, "session_note", 12) == 0)
		return r->note;
	return r->organization;
}

TestSuite(row_level_security, .init = arena_open, .fini = arena_close);

Test(row_level_security, another_organizations_rows_are_invisible_whatever_the_where)
{
	struct records mine, theirs;
	make_records(&mine);
	make_records(&theirs);
	/* Their audit events, out of the inbox onto the chain (sql/013). */
	free(test_sql_text("SELECT peerd_audit_chain()::text", 0, NULL));
	const char *const scopes[][2] = {{theirs.organization, "supervisor"},
					 {mine.organization, "supervisor"},
					 {"", "admin"},
					 {"", ""}};
	for (size_t s = 0; s < sizeof scopes / sizeof scopes[0]; s++) {
		PGconn *db = test_service_connection(scopes[s][0], scopes[s][1]);
		bool sees_mine = s == 1 || s == 2;
		for (size_t i = 0; i < sizeof PROBES / sizeof PROBES[0]; i++) {
			long found = count_rows(db, PROBES[i].sql, probe_argument(&mine, i));
			if (sees_mine)
				cr_expect_gt(found, 0, "scope %zu: %s hides my rows", s,
					     PROBES[i].table);
			else
				cr_expect_eq(found, 0, "scope %zu: %s shows %ld of my rows", s,
					     PROBES[i].table, found);
		}
		PQfinish(db);
	}
	records_free(&mine);
	records_free(&theirs);
}

Test(row_level_security, writes_cannot_reach_another_organization)
{
	struct records mine;
	make_records(&mine);
	char *other = arena_text(create_organization("provider"));
	PGconn *db = test_service_connection(other, "supervisor");
	/* An UPDATE without an organization condition finds nothing to change. */
	PGresult *res = PQexecParams(db, "UPDATE participants SET county = 'Lane' WHERE id = $1", 1,
				     NULL, (const char *const[]){mine.participant}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
	cr_expect_str_eq(PQcmdTuples(res), "0");
	PQclear(res);
	res = PQexecParams(db, "UPDATE session_notes SET plan = 'x' WHERE id = $1", 1, NULL,
			   (const char *const[]){mine.note}, NULL, NULL, 0);
	cr_expect_str_eq(PQcmdTuples(res), "0", "%s", PQerrorMessage(db));
	PQclear(res);
	/* Nor can a staff member of one organization add a person to another. */
	res = PQexecParams(db,
			   "INSERT INTO participants (organization_id, given_name, family_name)"
			   " VALUES ($1, 'Ada', 'Lovelace')",
			   1, NULL, (const char *const[]){mine.organization}, NULL, NULL, 0);
	cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	cr_expect_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501",
			 "row-level security refuses it");
	PQclear(res);
	/* A goal takes its organization from the person, whom this scope cannot see. */
	res = PQexecParams(db,
			   "INSERT INTO goals (participant_id, domain, statement, created_by)"
			   " VALUES ($1, 'social', 'x', 'probe')",
			   1, NULL, (const char *const[]){mine.participant}, NULL, NULL, 0);
	cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "a goal for a hidden person");
	PQclear(res);
	PQfinish(db);
	char *goals = arena_text(
		test_sql_text("SELECT count(*)::text FROM goals WHERE created_by = 'probe'"
			      " AND participant_id = $1",
			      1, (const char *const[]){mine.participant}));
	cr_expect_str_eq(goals, "0");
	char *organization =
		arena_text(test_sql_text("SELECT organization_id::text FROM goals WHERE id = $1", 1,
					 (const char *const[]){mine.goal}));
	cr_expect_str_eq(organization, mine.organization,
			 "a goal carries its person's organization");
	char *county = arena_text(
		test_sql_text("SELECT coalesce(county, '') FROM participants WHERE id = $1", 1,
			      (const char *const[]){mine.participant}));
	cr_expect_str_neq(county, "Lane", "the person is unchanged");
	records_free(&mine);
}

/* The service role reads and writes rows; it does not own or alter anything. */
Test(row_level_security, service_role_cannot_change_the_schema_or_the_audit_trail)
{
	const char *const refused[] = {
		"UPDATE audit_events SET status = 200",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
		"SELECT count(*) FROM audit_inbox",
		"DELETE FROM audit_inbox",
		"UPDATE audit_inbox SET status = 200",
		"UPDATE audit_chain_head SET last_id = 0",
		"DELETE FROM session_notes",
		"DELETE FROM participants",
		"CREATE TABLE peerd_probe (id int)",
		"ALTER TABLE participants ADD COLUMN probe int",
		"DROP TABLE goals",
		"ALTER TABLE participants DISABLE ROW LEVEL SECURITY",
		"DROP POLICY participants_in_scope ON participants",
		"CREATE FUNCTION peerd_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
		"UPDATE schema_migrations SET checksum = 'x'",
	};
	PGconn *db = test_service_connection("", "admin");
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		PGresult *res = PQexec(db, refused[i]);
		cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "allowed: %s", refused[i]);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		cr_expect(state && (strcmp(state, "42501") == 0 || strcmp(state, "42P01") == 0),
			  "%s: %s", refused[i], state ? state : "no error");
		PQclear(res);
	}
	PQfinish(db);
}

/* peerd serve really works as PEERD_DATABASE_ROLE: a role it cannot take on leaves it
 * unable to reach the database (503), never working as the login role instead. */
Test(row_level_security, serve_takes_on_the_configured_role)
{
	struct peerd_process server;
	cr_assert(peerd_start(
		&server, (const char *const[]){"PEERD_DATABASE_ROLE=peerd_no_such_role", NULL}));
	char *admin = arena_text(admin_token());
	struct http_response *response = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = admin, .base_url = server.url});
	cr_expect_eq(response->status, 503, "%s", response->body);
	cr_expect_eq(peerd_stop(&server), 0);
}
