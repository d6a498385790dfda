/* A specialist's standing kept on their row (sql/012): `caseload` (their referrals assigned
 * or engaged) and `certified_days` (the days their active certifications cover), kept by
 * triggers on referrals and certifications and read by GET /v1/specialists/{id} as
 * `caseload`, `certified` and `accepting`. Each step goes through the API and is then
 * checked three ways: the profile shows the expected values, they equal the definitions
 * (peerd_specialist_caseload, peerd_certified_on on the organization's today), and
 * peerd_specialist_standing_drift() lists none of the specialists involved. Every test
 * makes its own organizations and people: the suite runs in parallel against one server
 * and one database. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "world.h"

/* A note's time: past, and the one tests/support/fixtures.c writes. */
#define NOTE_OCCURRED_AT "2025-06-01T17:00:00Z"

/* The first value of a one-row query with one parameter, as a number. */
static long long sql_number(PGconn *db, const char *sql, const char *param)
{
	PGresult *res = PQexecParams(db, sql, 1, NULL, (const char *const[]){param}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
	cr_assert_eq(PQntuples(res), 1, "%s", sql);
	long long value = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

/* Asserts the standing GET /v1/specialists/{id} shows (read as an admin), that it is what
 * the definitions say, and that peerd_specialist_standing_drift() does not list the
 * specialist. when says which step of the test it is. */
static void assert_standing(const char *specialist_id, long long caseload, bool certified,
			    bool accepting, const char *when)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/specialists/%s", specialist_id);
	char *admin = admin_token();
	struct http_response *read = http_get(path, admin);
	cr_assert_eq(read->status, 200, "%s: %s", when, read->body);
	json_t *shown_caseload = json_object_get(read->json, "caseload");
	json_t *shown_certified = json_object_get(read->json, "certified");
	json_t *shown_accepting = json_object_get(read->json, "accepting");
	cr_assert(json_is_integer(shown_caseload) && json_is_boolean(shown_certified) &&
			  json_is_boolean(shown_accepting),
		  "%s: %s", when, read->body);
	cr_assert_eq(json_integer_value(shown_caseload), caseload, "%s: caseload: %s", when,
		     read->body);
	cr_assert_eq(json_is_true(shown_certified), certified, "%s: certified: %s", when,
		     read->body);
	cr_assert_eq(json_is_true(shown_accepting), accepting, "%s: accepting: %s", when,
		     read->body);
	free(admin);

	PGconn *db = test_db_connect();
	cr_assert_eq(sql_number(db, "SELECT peerd_specialist_caseload($1::uuid)", specialist_id),
		     caseload, "%s: the definition counts another caseload", when);
	cr_assert_eq(sql_number(db,
				"SELECT peerd_certified_on(s.id,"
				" peerd_organization_today(s.organization_id))::int"
				" FROM specialists s WHERE s.id = $1::uuid",
				specialist_id),
		     certified ? 1 : 0, "%s: the definition says otherwise about certified", when);
	cr_assert_eq(sql_number(db,
				"SELECT count(*) FROM peerd_specialist_standing_drift()"
				" WHERE specialist_id = $1::uuid",
				specialist_id),
		     0, "%s: the kept standing drifted from the definitions", when);
	PQfinish(db);
}

/* As assert_standing, for a certified specialist who still accepts referrals. */
static void assert_good_standing(const char *specialist_id, long long caseload, const char *when)
{
	assert_standing(specialist_id, caseload, true, true, when);
}

/* Creates a peer specialist of organization_id as an admin, with max_caseload; writes
 * their subject and returns the id (the caller frees it). No certification. */
static char *specialist_with_room(const char *organization_id, int max_caseload, char *subject,
				  size_t size)
{
	unique_name("standing", subject, size);
	json_t *body =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "organization_id", organization_id,
			  "subject", subject, "given_name", "Test", "family_name", "Standing",
			  "kind", "peer", "max_caseload", max_caseload);
	char *admin = admin_token();
	struct http_response *created = http_send_json("POST", "/v1/specialists", admin, body);
	cr_assert_eq(created->status, 201, "creating a specialist: %s", created->body);
	char *id = arena_text(strdup(member(created, "id")));
	free(admin);
	json_decref(body);
	return id;
}

/* An active certification from a year ago to a year ahead, recorded by an admin. */
static void certify(const char *organization_id, const char *specialist_id)
{
	char issued[16], expires[16];
	organization_day_from_today(organization_id, "-1 year", issued, sizeof issued);
	organization_day_from_today(organization_id, "1 year", expires, sizeof expires);
	free(create_certification(specialist_id, "active", issued, expires));
}

/* A certified peer specialist of the team's provider with max_caseload. */
static char *certified_peer(const struct world *team, int max_caseload, char *subject, size_t size)
{
	char *id = specialist_with_room(team->provider, max_caseload, subject, size);
	certify(team->provider, id);
	return id;
}

/* A referral the team's partner submits and its supervisor accepts, submitted at
 * TEST_PROGRAM_START (before NOTE_OCCURRED_AT); writes its participant's id and returns
 * the referral's (the caller frees it). */
static char *accepted_referral(const struct world *team, char *participant_id, size_t size)
{
	json_t *body =
		json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:{s:b}}", "provider_organization_id",
			  team->provider, "service_type", "peer", "participant", "given_name",
			  "Avery", "family_name", "Stone", "county", "Multnomah", "reason",
			  "Asked for a peer who has been there.", "consent", "obtained", 1);
	struct http_response *created =
		http_send_json("POST", "/v1/referrals", team->partner.token, body);
	json_decref(body);
	cr_assert_eq(created->status, 201, "submitting a referral: %s", created->body);
	char *id = arena_text(strdup(member(created, "id")));

	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", id);
	struct http_response *accepted =
		http_post(path, team->supervisor.token, "{\"to\":\"accepted\"}");
	cr_assert_eq(accepted->status, 200, "accepting: %s", accepted->body);
	snprintf(participant_id, size, "%s", member(accepted, "participant_id"));
	referral_submitted_at(id, TEST_PROGRAM_START);
	return id;
}

/* POSTs a move of referral id to status to, with reason (or none), as token. */
static struct http_response *move(const char *id, const char *token, const char *to,
				  const char *reason)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", id);
	json_t *body = reason ? json_pack("{s:s, s:s}", "to", to, "reason", reason)
			      : json_pack("{s:s}", "to", to);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	return response;
}

static void move_ok(const char *id, const char *token, const char *to, const char *reason)
{
	struct http_response *moved = move(id, token, to, reason);
	cr_assert_eq(moved->status, 200, "moving to %s: %s", to, moved->body);
	cr_assert_str_eq(member(moved, "status"), to, "%s", moved->body);
}

static struct http_response *assign(const char *id, const char *token, const char *specialist_id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s/assignment", id);
	json_t *body = json_pack("{s:s}", "specialist_id", specialist_id);
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	return response;
}

/* Assigns (or reassigns) referral id and asserts the referral's status after it. */
static void assign_ok(const char *id, const char *token, const char *specialist_id,
		      const char *status)
{
	struct http_response *assigned = assign(id, token, specialist_id);
	cr_assert_eq(assigned->status, 200, "assigning: %s", assigned->body);
	cr_assert_str_eq(member(assigned, "status"), status, "%s", assigned->body);
	cr_assert_str_eq(member(assigned, "assigned_specialist_id"), specialist_id, "%s",
			 assigned->body);
}

/* Asserts a 409 whose detail says because. */
static void assign_refused(const char *id, const char *token, const char *specialist_id,
			   const char *because)
{
	struct http_response *refused = assign(id, token, specialist_id);
	cr_assert_eq(refused->status, 409, "assigning (expected: %s): %s", because, refused->body);
	const char *detail = member(refused, "detail");
	cr_assert(detail && strstr(detail, because), "the detail should say \"%s\": %s", because,
		  refused->body);
}

/* A team (a provider and a partner that refers to it) and a certified peer of the provider
 * with room for max_caseload, whose subject goes to subject: where most tests start. */
static char *team_with_peer(struct world *team, int max_caseload, char *subject, size_t size)
{
	world_build(team, (struct world_options){.partner = true});
	return certified_peer(team, max_caseload, subject, size);
}

/* A referral accepted_referral makes, assigned to specialist_id by the supervisor. */
static char *assigned_to(const struct world *team, const char *specialist_id, char *participant_id,
			 size_t size)
{
	char *id = accepted_referral(team, participant_id, size);
	assign_ok(id, team->supervisor.token, specialist_id, "assigned");
	return id;
}

static void assert_referral_status(const char *id, const char *token, const char *status)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s", id);
	struct http_response *read = http_get(path, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), status, "%s", read->body);
}

/* The first session note on participant_id by the specialist signed in as subject, with a
 * goal they set first; asserts that it engaged referral_id, the one assigned to them. */
static void first_note(const struct world *team, const char *subject, const char *participant_id,
		       const char *referral_id)
{
	const char *organization_id = team->provider;
	char *specialist = token_for_subject("specialist", organization_id, subject);
	char path[128], body[384];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", participant_id);
	struct http_response *goal = http_post(
		path, specialist, "{\"domain\":\"social\",\"statement\":\"Call my sister.\"}");
	cr_assert_eq(goal->status, 201, "creating a goal: %s", goal->body);
	snprintf(body, sizeof body,
		 "{\"participant_id\":\"%s\",\"occurred_at\":\"" NOTE_OCCURRED_AT "\","
		 "\"duration_minutes\":30,\"modality\":\"phone\",\"goal_ids\":[\"%s\"]}",
		 participant_id, member(goal, "id"));
	struct http_response *note = http_post("/v1/session-notes", specialist, body);
	cr_assert_eq(note->status, 201, "writing a note: %s", note->body);
	free(specialist);
	assert_referral_status(referral_id, team->supervisor.token, "engaged");
}

/* Records a certification for specialist_id as token without a status (so pending) and
 * returns its id (the caller frees it). */
static char *pending_certification(const char *token, const char *specialist_id,
				   const char *issued_on, const char *expires_on)
{
	char path[128], number[96];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", specialist_id);
	unique_name("standing-cps", number, sizeof number);
	json_t *body =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "credential", "CPS",
			  "issuing_authority", "Oregon Health Authority", "state", "OR", "number",
			  number, "issued_on", issued_on, "expires_on", expires_on);
	struct http_response *created = http_send_json("POST", path, token, body);
	json_decref(body);
	cr_assert_eq(created->status, 201, "recording a certification: %s", created->body);
	cr_assert_str_eq(member(created, "status"), "pending", "%s", created->body);
	return arena_text(strdup(member(created, "id")));
}

static void verify_ok(const char *certification_id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", certification_id);
	struct http_response *verified = http_post_as_read(path, "/verify", token, NULL);
	cr_assert_eq(verified->status, 200, "verifying: %s", verified->body);
	cr_assert_str_eq(member(verified, "status"), "active", "%s", verified->body);
}

/* PATCHes certification_id with body (merge patch) as token, with the ETag of a read just
 * before (a move to active is a verification, which requires it), and expects 200. */
static void patch_certification_ok(const char *certification_id, const char *token,
				   const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", certification_id);
	struct http_response *patched = http_patch_as_read(path, token, body);
	cr_assert_eq(patched->status, 200, "PATCH %s: %s", body, patched->body);
}

/* 1. Caseload */

TestSuite(specialist_standing, .init = arena_open, .fini = arena_close);

Test(specialist_standing, caseload_follows_assignment_reassignment_engagement_and_closing)
{
	struct world team;
	world_build(&team, (struct world_options){.partner = true});
	char first_subject[96], second_subject[96];
	char *first = certified_peer(&team, 15, first_subject, sizeof first_subject);
	char *second = certified_peer(&team, 15, second_subject, sizeof second_subject);
	assert_good_standing(first, 0, "a new certified specialist");

	char person[64], other_person[64];
	char *referral = accepted_referral(&team, person, sizeof person);
	char *other = accepted_referral(&team, other_person, sizeof other_person);
	assert_good_standing(first, 0, "two referrals accepted, neither assigned");

	assign_ok(referral, team.supervisor.token, first, "assigned");
	assert_good_standing(first, 1, "assigned one");
	assert_good_standing(second, 0, "the other specialist, after the assignment");
	assign_ok(other, team.supervisor.token, first, "assigned");
	assert_good_standing(first, 2, "assigned a second");

	/* Reassignment moves one from the first to the second. */
	assign_ok(referral, team.supervisor.token, second, "assigned");
	assert_good_standing(first, 1, "the former specialist, after the reassignment");
	assert_good_standing(second, 1, "the new specialist, after the reassignment");

	/* The first note engages the referral; it stays on the second's caseload. */
	first_note(&team, second_subject, person, referral);
	assert_good_standing(second, 1, "after the first note engaged the referral");
	assert_good_standing(first, 1, "the other specialist, after the note");

	/* An engaged referral reassigned keeps counting, for its new specialist. */
	assign_ok(referral, team.supervisor.token, first, "engaged");
	assert_good_standing(first, 2, "the engaged referral reassigned to the first");
	assert_good_standing(second, 0, "the engaged referral reassigned away");

	move_ok(referral, team.supervisor.token, "completed", NULL);
	assert_good_standing(first, 1, "after completing the engaged referral");
	move_ok(other, team.supervisor.token, "closed", "Could not be reached");
	assert_good_standing(first, 0, "after closing the assigned referral");
	assert_good_standing(second, 0, "the other specialist, at the end");
}

Test(specialist_standing, closing_an_engaged_referral_lowers_the_caseload)
{
	struct world team;
	char subject[96], person[64];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	char *referral = assigned_to(&team, specialist, person, sizeof person);
	first_note(&team, subject, person, referral);
	assert_good_standing(specialist, 1, "engaged");
	move_ok(referral, team.supervisor.token, "closed", "Moved away");
	assert_good_standing(specialist, 0, "after closing the engaged referral");
}

Test(specialist_standing, partner_withdrawals_lower_a_caseload_their_scope_cannot_see)
{
	struct world team;
	char subject[96], person[64], engaged_person[64];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	char *referral = assigned_to(&team, specialist, person, sizeof person);
	char *engaged = assigned_to(&team, specialist, engaged_person, sizeof engaged_person);
	first_note(&team, subject, engaged_person, engaged);
	assert_good_standing(specialist, 2, "one assigned and one engaged");

	/* The partner's scope does not reach the specialist's row. */
	PGconn *partner_scope = test_service_connection(team.partner_organization, "partner");
	cr_assert_eq(sql_number(partner_scope,
				"SELECT count(*) FROM specialists WHERE id = $1::uuid", specialist),
		     0, "the partner's scope sees the specialist's row");
	PQfinish(partner_scope);

	move_ok(referral, team.partner.token, "withdrawn", "Found another program");
	assert_referral_status(referral, team.supervisor.token, "withdrawn");
	assert_good_standing(specialist, 1, "after the partner withdrew the assigned one");
	move_ok(engaged, team.partner.token, "withdrawn", "The family moved");
	assert_good_standing(specialist, 0, "after the partner withdrew the engaged one");
}

Test(specialist_standing, a_reopened_referral_counts_only_once_assigned_again)
{
	struct world team;
	char subject[96], person[64];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	char *referral = assigned_to(&team, specialist, person, sizeof person);
	assert_good_standing(specialist, 1, "assigned");
	move_ok(referral, team.supervisor.token, "closed", "Stopped answering");
	assert_good_standing(specialist, 0, "closed");

	struct http_response *reopened =
		move(referral, team.supervisor.token, "accepted", "Called back and wants support");
	cr_assert_eq(reopened->status, 200, "reopening: %s", reopened->body);
	cr_assert_str_eq(member(reopened, "status"), "accepted", "%s", reopened->body);
	cr_assert(json_is_null(json_object_get(reopened->json, "assigned_specialist_id")), "%s",
		  reopened->body);
	assert_good_standing(specialist, 0, "reopened, not yet assigned");

	assign_ok(referral, team.supervisor.token, specialist, "assigned");
	assert_good_standing(specialist, 1, "assigned again after reopening");
}

Test(specialist_standing, accepting_and_assignment_read_the_kept_caseload)
{
	struct world team;
	char subject[96], person[64], next_person[64];
	char *specialist = team_with_peer(&team, 1, subject, sizeof subject);
	char *referral = accepted_referral(&team, person, sizeof person);
	char *next = accepted_referral(&team, next_person, sizeof next_person);
	assert_good_standing(specialist, 0, "room for one");
	assign_ok(referral, team.supervisor.token, specialist, "assigned");
	assert_standing(specialist, 1, true, false, "full");
	assign_refused(next, team.supervisor.token, specialist, "caseload full (1 of 1)");
	assert_standing(specialist, 1, true, false, "after the refused assignment");

	move_ok(referral, team.supervisor.token, "closed", "Declined services");
	assert_good_standing(specialist, 0, "room again after closing");
	assign_ok(next, team.supervisor.token, specialist, "assigned");
	assert_standing(specialist, 1, true, false, "full again");
}

/* 2. Certified */

Test(specialist_standing, certified_follows_verification_suspension_and_revocation)
{
	struct world team;
	world_build(&team, (struct world_options){.partner = true});
	char subject[96], person[64], issued[16], expires[16];
	char *specialist = specialist_with_room(team.provider, 15, subject, sizeof subject);
	assert_standing(specialist, 0, false, false, "no certification");

	organization_day_from_today(team.provider, "-1 year", issued, sizeof issued);
	organization_day_from_today(team.provider, "1 year", expires, sizeof expires);
	char *certification =
		pending_certification(team.supervisor.token, specialist, issued, expires);
	assert_standing(specialist, 0, false, false, "a pending certification");
	char *referral = accepted_referral(&team, person, sizeof person);
	assign_refused(referral, team.supervisor.token, specialist, "not certified today");

	verify_ok(certification, team.supervisor.token);
	assert_good_standing(specialist, 0, "verified");
	assign_ok(referral, team.supervisor.token, specialist, "assigned");
	assert_good_standing(specialist, 1, "verified, with a referral");

	patch_certification_ok(certification, team.supervisor.token, "{\"status\":\"suspended\"}");
	assert_standing(specialist, 1, false, false, "suspended");
	patch_certification_ok(certification, team.supervisor.token, "{\"status\":\"active\"}");
	assert_good_standing(specialist, 1, "active again");
	patch_certification_ok(certification, team.supervisor.token, "{\"status\":\"revoked\"}");
	assert_standing(specialist, 1, false, false, "revoked");

	/* A pending one revoked never certified. */
	char *unverified =
		pending_certification(team.supervisor.token, specialist, issued, expires);
	patch_certification_ok(unverified, team.supervisor.token, "{\"status\":\"revoked\"}");
	assert_standing(specialist, 1, false, false, "a pending one revoked");
}

Test(specialist_standing, certified_only_between_issued_on_and_expires_on)
{
	struct world team;
	world_build(&team, (struct world_options){.partner = true});
	char subject[96], today[16], yesterday[16], tomorrow[16], years_ago[16], year_ahead[16];
	organization_day_from_today(team.provider, "0 days", today, sizeof today);
	organization_day_from_today(team.provider, "-1 day", yesterday, sizeof yesterday);
	organization_day_from_today(team.provider, "1 day", tomorrow, sizeof tomorrow);
	organization_day_from_today(team.provider, "-2 years", years_ago, sizeof years_ago);
	organization_day_from_today(team.provider, "1 year", year_ahead, sizeof year_ahead);

	/* Active, but expired yesterday. */
	char *lapsed = specialist_with_room(team.provider, 15, subject, sizeof subject);
	free(create_certification(lapsed, "active", years_ago, yesterday));
	assert_standing(lapsed, 0, false, false, "an active certification that expired yesterday");

	/* Its expiry day is its last certified day. */
	char *last_day = specialist_with_room(team.provider, 15, subject, sizeof subject);
	char *expiring = arena_text(create_certification(last_day, "active", years_ago, today));
	assert_good_standing(last_day, 0, "a certification expiring today");
	char patch[64];
	snprintf(patch, sizeof patch, "{\"expires_on\":\"%s\"}", yesterday);
	patch_certification_ok(expiring, team.supervisor.token, patch);
	assert_standing(last_day, 0, false, false, "its expiry moved to yesterday");
	snprintf(patch, sizeof patch, "{\"expires_on\":\"%s\"}", year_ahead);
	patch_certification_ok(expiring, team.supervisor.token, patch);
	assert_good_standing(last_day, 0, "its expiry moved a year ahead");

	/* Issued tomorrow: not yet; its issue day is its first certified day. */
	char *starting = specialist_with_room(team.provider, 15, subject, sizeof subject);
	char *future = arena_text(create_certification(starting, "active", tomorrow, year_ahead));
	assert_standing(starting, 0, false, false, "a certification issued tomorrow");
	snprintf(patch, sizeof patch, "{\"issued_on\":\"%s\"}", today);
	patch_certification_ok(future, team.supervisor.token, patch);
	assert_good_standing(starting, 0, "its issue day moved to today");

	/* A current certification beside the lapsed one certifies; suspended, it is the lapsed
	 * one alone again. */
	char *renewed = pending_certification(team.supervisor.token, lapsed, yesterday, year_ahead);
	assert_standing(lapsed, 0, false, false, "the renewal pending");
	verify_ok(renewed, team.supervisor.token);
	assert_good_standing(lapsed, 0, "the renewal verified");
	patch_certification_ok(renewed, team.supervisor.token, "{\"status\":\"suspended\"}");
	assert_standing(lapsed, 0, false, false, "the renewal suspended");
}

/* 3. The checks above can fail: a value written behind the triggers' back shows. */

Test(specialist_standing, a_kept_value_written_behind_the_triggers_back_shows_as_drift)
{
	struct world team;
	char subject[96], person[64];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	assigned_to(&team, specialist, person, sizeof person);
	assert_good_standing(specialist, 1, "assigned");

	/* The profile reads the row, and the drift check compares it with the definitions. */
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(db,
				     "UPDATE specialists SET caseload = 0, certified_days = '{}'"
				     " WHERE id = $1::uuid",
				     1, NULL, (const char *const[]){specialist}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
	cr_assert_str_eq(PQcmdTuples(res), "1");
	PQclear(res);
	char path[96];
	snprintf(path, sizeof path, "/v1/specialists/%s", specialist);
	struct http_response *read = http_get(path, team.admin.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_eq(json_integer_value(json_object_get(read->json, "caseload")), 0, "%s",
		     read->body);
	cr_assert(json_is_false(json_object_get(read->json, "certified")), "%s", read->body);
	cr_assert_eq(sql_number(db,
				"SELECT count(*) FROM peerd_specialist_standing_drift()"
				" WHERE specialist_id = $1::uuid",
				specialist),
		     1, "the drift check missed a wrong caseload and certified_days");

	/* Recounted, it agrees again. */
	res = PQexecParams(db, "SELECT peerd_specialist_standing_refresh($1::uuid)", 1, NULL,
			   (const char *const[]){specialist}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	PQclear(res);
	PQfinish(db);
	assert_good_standing(specialist, 1, "recounted");
}

/* A profile read FOR UPDATE (PATCH does) locks the specialist's row alone: the view finds
 * the organization's time zone in a sub-select, not a join, so the organization stays free
 * for its own writes. NOWAIT fails at once if the row is held. */
Test(specialist_standing, locking_a_profile_leaves_its_organization_free)
{
	struct world team;
	char subject[96];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	PGconn *holder = test_db_connect();
	exec_ok(holder, "BEGIN");
	exec_ok(holder, "SET LOCAL ROLE peerd_service");
	exec_ok(holder, "SET LOCAL peerd.role = 'admin'");
	PGresult *res = PQexecParams(holder,
				     "SELECT accepting FROM specialist_profiles"
				     " WHERE id = $1::uuid FOR UPDATE",
				     1, NULL, (const char *const[]){specialist}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(holder));
	cr_assert_eq(PQntuples(res), 1);
	cr_assert_str_eq(PQgetvalue(res, 0, 0), "t", "a certified peer with room accepts");
	PQclear(res);

	/* And its plan asks the organization's time zone once a row, for "certified" and
	 * "accepting" both (sql/018). */
	res = PQexecParams(
		holder,
		"EXPLAIN (COSTS OFF) SELECT certified, accepting FROM specialist_profiles"
		" WHERE id = $1::uuid",
		1, NULL, (const char *const[]){specialist}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(holder));
	int zone_lookups = 0;
	for (int row = 0; row < PQntuples(res); row++)
		zone_lookups += strstr(PQgetvalue(res, row, 0), " on organizations") != NULL;
	cr_expect_eq(zone_lookups, 1, "the plan reads organizations %d times", zone_lookups);
	PQclear(res);

	PGconn *other = test_db_connect();
	res = PQexecParams(other,
			   "SELECT id FROM organizations WHERE id = $1::uuid FOR UPDATE NOWAIT", 1,
			   NULL, (const char *const[]){team.provider}, NULL, NULL, 0);
	cr_expect_eq(PQresultStatus(res), PGRES_TUPLES_OK, "the organization was locked: %s",
		     PQerrorMessage(other));
	PQclear(res);
	res = PQexecParams(other,
			   "SELECT id FROM specialists WHERE id = $1::uuid FOR UPDATE NOWAIT", 1,
			   NULL, (const char *const[]){specialist}, NULL, NULL, 0);
	cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "the specialist was not locked");
	PQclear(res);
	PQfinish(other);
	exec_ok(holder, "ROLLBACK");
	PQfinish(holder);
}

/* 4. Changes at the same moment. A request's trigger recounts in a statement whose
 * snapshot was taken before it waited for the specialist's row. These tests hold that row
 * (as a slow concurrent write would) until two requests wait on it, so that the two always
 * overlap. The two go to a server of the test's own, one after the other: a request
 * waiting inside peerd occupies its worker thread (and every connection that thread
 * took), which on the shared server would hold up the other suites. */

/* Holds specialist_id's row in an open transaction on a new connection. */
static PGconn *hold_specialist(const char *specialist_id)
{
	PGconn *db = test_db_connect();
	exec_ok(db, "BEGIN");
	PGresult *res =
		PQexecParams(db, "SELECT id FROM specialists WHERE id = $1::uuid FOR UPDATE", 1,
			     NULL, (const char *const[]){specialist_id}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	cr_assert_eq(PQntuples(res), 1);
	PQclear(res);
	return db;
}

/* Waits (ten seconds at most) until count sessions wait on holder's locks, directly or
 * queued behind one that does (the second to want a row waits for the first). Returns
 * false, with what the database's sessions were doing written into why, when they do
 * not. Asserts nothing: the caller has a server to stop first. */
static bool wait_for_waiters(PGconn *holder, int count, char *why, size_t size)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", PQbackendPID(holder));
	const char *const params[] = {pid};
	PGconn *db = PQconnectdb(getenv("PEERD_TEST_DATABASE_URL"));
	long long waiting = -1;
	for (int i = 0; i < 1000 && waiting < count && PQstatus(db) == CONNECTION_OK; i++) {
		PGresult *res =
			PQexecParams(db,
				     "WITH direct AS (SELECT pid FROM pg_stat_activity"
				     " WHERE $1::int = ANY(pg_blocking_pids(pid)))"
				     " SELECT count(*) FROM pg_stat_activity"
				     " WHERE $1::int = ANY(pg_blocking_pids(pid))"
				     " OR pg_blocking_pids(pid) && ARRAY(SELECT pid FROM direct)",
				     1, NULL, params, NULL, NULL, 0);
		waiting =
			PQresultStatus(res) == PGRES_TUPLES_OK ? atoll(PQgetvalue(res, 0, 0)) : -1;
		PQclear(res);
		if (waiting >= 0 && waiting < count)
			sleep_ms(10);
		else
			break;
	}
	if (waiting != count) {
		PGresult *res = PQexec(
			db,
			"SELECT string_agg(format('%s %s %s %s: %s', pid, state, wait_event_type,"
			" wait_event, left(query, 80)), E'\\n') FROM pg_stat_activity"
			" WHERE datname = current_database() AND pid <> pg_backend_pid()");
		snprintf(why, size, "%lld sessions wait on the specialist's row, not %d:\n%s",
			 waiting, count,
			 PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0)
								: PQerrorMessage(db));
		PQclear(res);
	}
	PQfinish(db);
	return waiting == count;
}

/* A POST (body JSON, or NULL for none) that one of the two racing requests makes. */
struct racer {
	const char *path;
	const char *body;
	const char *header; /* one more header line, or NULL */
	struct background_request background;
	struct http_response *response;
};

/* Holds specialist_id's row, sends each racer in turn as token to a server of the test's
 * own once the one before waits on the row, then lets go, waits for both answers and
 * stops the server; asserts afterwards that both waited, both got 200 and the server
 * stopped clean. */
static void race(const char *specialist_id, const char *token, struct racer racers[2])
{
	PGconn *holder = hold_specialist(specialist_id);
	struct peerd_process server;
	cr_assert(
		peerd_start(&server, (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=0", NULL}),
		"starting a server of the test's own");
	char why[4096] = "";
	int sent = 0;
	for (bool waiting = true; sent < 2 && waiting; sent++) {
		racers[sent].background = (struct background_request){
			.request = {.method = "POST",
				    .path = racers[sent].path,
				    .token = token,
				    .content_type = racers[sent].body ? "application/json" : NULL,
				    .body = racers[sent].body,
				    .headers = {racers[sent].header},
				    .base_url = server.url}};
		background_send(&racers[sent].background);
		waiting = wait_for_waiters(holder, sent + 1, why, sizeof why);
	}
	exec_ok(holder, "COMMIT");
	PQfinish(holder);
	for (int i = 0; i < sent; i++)
		racers[i].response = background_wait(&racers[i].background);
	int stopped = peerd_stop(&server);

	cr_assert_str_empty(why, "the requests did not both wait: %s", why);
	cr_assert_eq(stopped, 0, "the test's own server did not stop clean");
	for (int i = 0; i < 2; i++) {
		cr_assert(racers[i].response, "%s: no answer", racers[i].path);
		cr_assert_eq(racers[i].response->status, 200, "%s: %s", racers[i].path,
			     racers[i].response->body);
	}
}

Test(specialist_standing, two_closings_at_once_both_leave_the_caseload)
{
	struct world team;
	char subject[96], person[64], other_person[64];
	char *specialist = team_with_peer(&team, 15, subject, sizeof subject);
	char *referral = assigned_to(&team, specialist, person, sizeof person);
	char *other = assigned_to(&team, specialist, other_person, sizeof other_person);
	assert_good_standing(specialist, 2, "two assigned");

	char first_path[128], second_path[128];
	snprintf(first_path, sizeof first_path, "/v1/referrals/%s/transitions", referral);
	snprintf(second_path, sizeof second_path, "/v1/referrals/%s/transitions", other);
	const char *closing = "{\"to\":\"closed\",\"reason\":\"Program ended\"}";
	struct racer racers[2] = {{.path = first_path, .body = closing},
				  {.path = second_path, .body = closing}};
	race(specialist, team.supervisor.token, racers);
	assert_referral_status(referral, team.supervisor.token, "closed");
	assert_referral_status(other, team.supervisor.token, "closed");
	assert_good_standing(specialist, 0, "both closed at the same moment");
}

Test(specialist_standing, a_closing_and_a_verification_at_once_both_count)
{
	struct world team;
	world_build(&team, (struct world_options){.partner = true});
	char subject[96], person[64], issued[16], expires[16];
	organization_day_from_today(team.provider, "-1 year", issued, sizeof issued);
	organization_day_from_today(team.provider, "1 year", expires, sizeof expires);
	char *specialist = specialist_with_room(team.provider, 15, subject, sizeof subject);
	char *current = arena_text(create_certification(specialist, "active", issued, expires));
	char *referral = accepted_referral(&team, person, sizeof person);
	assign_ok(referral, team.supervisor.token, specialist, "assigned");
	/* The certification that certified them is suspended; a renewal waits for verifying. */
	char *renewal = pending_certification(team.supervisor.token, specialist, issued, expires);
	patch_certification_ok(current, team.supervisor.token, "{\"status\":\"suspended\"}");
	assert_standing(specialist, 1, false, false, "assigned, its certification suspended");

	char closing_path[128], verifying_path[128];
	snprintf(closing_path, sizeof closing_path, "/v1/referrals/%s/transitions", referral);
	snprintf(verifying_path, sizeof verifying_path, "/v1/certifications/%s/verify", renewal);
	struct racer racers[2] = {
		{.path = closing_path, .body = "{\"to\":\"closed\",\"reason\":\"Program ended\"}"},
		/* The renewal as the supervisor read it when it was recorded. */
		{.path = verifying_path, .body = NULL, .header = "If-Match: \"1\""}};
	race(specialist, team.supervisor.token, racers);
	assert_good_standing(specialist, 0, "closed and verified at the same moment");
}
