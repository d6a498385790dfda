#include "private_records.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"

const char *const PRIVATE_MARKS[] = {
	GIVEN_MARK,   FAMILY_MARK,   PHONE_MARK, EMAIL_DOMAIN,	REASON_MARK, STATEMENT_MARK,
	SUMMARY_MARK, RESPONSE_MARK, PLAN_MARK,	 LOCATION_MARK, NULL,
};

__attribute__((format(printf, 1, 2))) char *text_of(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *text = NULL;
	int length = vasprintf(&text, format, args);
	va_end(args);
	cr_assert(length >= 0 && text);
	return text;
}

void expect_get(const char *token, long status, const char *path)
{
	struct http_response *response = http_get(path, token);
	cr_assert_eq(response->status, status, "GET %s: expected %ld: %s", path, status,
		     response->body);
}

long long sql_number(const char *sql, int count, const char *const *params)
{
	char *text = test_sql_text(sql, count, params);
	cr_assert(text, "%s gave NULL", sql);
	long long value = atoll(text);
	free(text);
	return value;
}

void organization_day(const char *organization_id, int days, char *out, size_t size)
{
	char offset[16];
	snprintf(offset, sizeof offset, "%d", days);
	char *day = test_sql_text(
		"SELECT to_char(peerd_organization_today($1::uuid) + $2::int, 'YYYY-MM-DD')", 2,
		(const char *const[]){organization_id, offset});
	snprintf(out, size, "%s", day);
	free(day);
}

long long epoch_of(const char *at)
{
	struct tm fields = {0};
	cr_assert(at, "no timestamp");
	const char *rest = strptime(at, "%Y-%m-%dT%H:%M:%SZ", &fields);
	cr_assert(rest && *rest == '\0', "not a timestamp: %s", at);
	return (long long)timegm(&fields);
}

void assert_no_private_text(const char *body, const char *what)
{
	for (size_t i = 0; PRIVATE_MARKS[i]; i++)
		cr_assert_null(strstr(body, PRIVATE_MARKS[i]), "%s reveals %s: %s", what,
			       PRIVATE_MARKS[i], body);
}

/* POSTs body (which it frees) to path as token, asserts a 201 (what names the request) and
 * returns the new record's id (the caller frees it). */
static char *created_id(const char *path, const char *token, json_t *body, const char *what)
{
	struct http_response *created = http_send_json("POST", path, token, body);
	json_decref(body);
	cr_assert_eq(created->status, 201, "%s: %s", what, created->body);
	return strdup(http_string(created, "id"));
}

/* The people of a provider organization */

char *refer(const char *token, const char *provider_id, char *participant_id, size_t size)
{
	char given[96], family[96], email[160];
	unique_token(GIVEN_MARK, given, sizeof given);
	unique_token(FAMILY_MARK, family, sizeof family);
	snprintf(email, sizeof email, "%s@" EMAIL_DOMAIN, given);
	json_t *body = json_pack(
		"{s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:[s], s:s, s:b, s:{s:b}}", "service_type",
		"peer", "participant", "given_name", given, "family_name", family, "phone", PHONE,
		"email", email, "county", "Multnomah", "reason",
		REASON_MARK " Asked for someone who has been there.", "needs", "emotional",
		"urgency", "routine", "substance_use", 0, "consent", "obtained", 1);
	cr_assert(body);
	if (provider_id)
		json_object_set_new(body, "provider_organization_id", json_string(provider_id));
	char *id = created_id("/v1/referrals", token, body, "submitting a referral");
	/* A partner is never shown the participant's id. */
	char *participant = test_sql_text("SELECT participant_id FROM referrals WHERE id = $1", 1,
					  (const char *const[]){id});
	snprintf(participant_id, size, "%s", participant);
	free(participant);
	return id;
}

void transition_ok(const char *token, const char *referral_id, const char *to, const char *reason)
{
	char *path = text_of("/v1/referrals/%s/transitions", referral_id);
	json_t *body = reason ? json_pack("{s:s, s:s}", "to", to, "reason", reason)
			      : json_pack("{s:s}", "to", to);
	struct http_response *moved = http_send_json("POST", path, token, body);
	cr_assert_eq(moved->status, 200, "moving %s to %s: %s", referral_id, to, moved->body);
	cr_assert_str_eq(http_string(moved, "status"), to);
	json_decref(body);
	free(path);
}

void assign_ok(const char *token, const char *referral_id, const char *specialist_id)
{
	char *path = text_of("/v1/referrals/%s/assignment", referral_id);
	char *body = text_of("{\"specialist_id\":\"%s\"}", specialist_id);
	struct http_response *assigned = http_post(path, token, body);
	cr_assert_eq(assigned->status, 200, "assigning: %s", assigned->body);
	cr_assert_str_eq(http_string(assigned, "status"), "assigned");
	free(body);
	free(path);
}

char *goal_ok(const char *token, const char *participant_id, const char *domain, const char *status,
	      const char *achieved_on)
{
	char *path = text_of("/v1/participants/%s/goals", participant_id);
	json_t *body =
		json_pack("{s:s, s:s, s:s}", "domain", domain, "statement",
			  STATEMENT_MARK " I want to feel like myself again.", "status", status);
	if (strcmp(status, "achieved") == 0)
		json_object_set_new(body, "achieved_on", json_string(achieved_on));
	if (strcmp(status, "paused") == 0 || strcmp(status, "discontinued") == 0)
		json_object_set_new(body, "status_reason", json_string("Chose another path."));
	struct http_response *created = http_send_json("POST", path, token, body);
	cr_assert_eq(created->status, 201, "creating a goal: %s", created->body);
	cr_assert_str_eq(http_string(created, "status"), status);
	char *id = strdup(http_string(created, "id"));
	json_decref(body);
	free(path);
	return id;
}

char *note_ok(const char *token, const char *participant_id, const char *goal_id,
	      const char *occurred_at, int minutes, const char *modality, const char *specialist_id)
{
	json_t *body = json_pack(
		"{s:s, s:s, s:i, s:s, s:s, s:[s], s:s, s:s, s:s}", "participant_id", participant_id,
		"occurred_at", occurred_at, "duration_minutes", minutes, "modality", modality,
		"location", LOCATION_MARK " community room", "goal_ids", goal_id, "summary",
		SUMMARY_MARK " Talked about the week.", "response",
		RESPONSE_MARK " Named two people to call.", "plan", PLAN_MARK " Meet Tuesday.");
	cr_assert(body);
	if (specialist_id)
		json_object_set_new(body, "specialist_id", json_string(specialist_id));
	return created_id("/v1/session-notes", token, body, "writing a note");
}

struct noted_session noted_session(const struct world *world, const char *ago)
{
	char *goal = arena_text(
		goal_ok(world->supervisor.token, world->participant, "emotional", "active", NULL));
	char at[32];
	instant_ago(ago, at, sizeof at);
	char *note = arena_text(
		note_ok(world->specialist.token, world->participant, goal, at, 30, "phone", NULL));
	return (struct noted_session){.goal = goal, .note = note};
}

void sign_ok(const char *token, const char *note_id, int units)
{
	char *path = text_of("/v1/session-notes/%s", note_id);
	struct http_response *signed_note = http_post_as_read(path, "/sign", token, NULL);
	cr_assert_eq(signed_note->status, 200, "signing: %s", signed_note->body);
	json_t *billing = json_object_get(signed_note->json, "billing");
	cr_assert_eq(json_integer_value(json_object_get(billing, "units")), units,
		     "units should be %d: %s", units, signed_note->body);
	free(path);
}

struct http_response *export_at(const char *base_url, const char *token, const char *from,
				const char *to, const char *request_id)
{
	char *path = text_of("/v1/exports/session-notes?from=%s&to=%s", from, to);
	char header[200];
	snprintf(header, sizeof header, "X-Request-Id: %s", request_id ? request_id : "");
	struct http_response *response =
		http_send(&(struct http_request){.path = path,
						 .token = token,
						 .headers = {request_id ? header : NULL},
						 .base_url = base_url});
	free(path);
	return response;
}

struct http_response *export_for(const char *token, const char *from, const char *to,
				 const char *request_id)
{
	return export_at(NULL, token, from, to, request_id);
}

long long events_with_request_id(const char *request_id)
{
	/* Events wait in the inbox until chained (sql/013): chain them first. */
	sql_number("SELECT peerd_audit_chain()", 0, NULL);
	return sql_number("SELECT count(*) FROM audit_events WHERE request_id = $1", 1,
			  (const char *const[]){request_id});
}

json_t *events_of(const char *token, const char *resource_id, const char *request_id)
{
	char *path = text_of("/v1/audit-events?resource_id=%s&limit=200", resource_id);
	struct http_response *listed = http_get(path, token);
	cr_assert_eq(listed->status, 200, "%s", listed->body);
	json_t *found = json_array();
	size_t index;
	json_t *event;
	json_array_foreach (json_object_get(listed->json, "items"), index, event) {
		if (strcmp(member_of(event, "request_id"), request_id) == 0)
			json_array_append(found, event);
	}
	free(path);
	return found;
}

void refused(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "%s was allowed", sql);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	cr_assert_str_eq(state, "42501", "%s: %s", sql, PQerrorMessage(db));
	PQclear(res);
}
