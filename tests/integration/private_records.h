/* What the reports and audit tests (test_reports_*.c, test_audit_*.c) share: records that
 * hold private marks, which no report, export or event may reveal, made through the API;
 * and the requests those tests repeat. Responses and people are kept in the test's arena
 * (arena.h). */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "world.h"

/* An id nothing has. */
#define UNKNOWN_ID "5b0c1f0e-3d3a-4f55-9a37-8c7f2d0e9b61"

/* What the test puts into participants' records and notes and looks for in every report
 * and export: none of it may come out. */
#define GIVEN_MARK     "Zyxwv"
#define FAMILY_MARK    "Vwxyz"
#define PHONE	       "+1 (971) 555-8642"
#define PHONE_MARK     "555-8642"
#define EMAIL_DOMAIN   "zyxwv-mail.example"
#define REASON_MARK    "Qreason-mark"
#define STATEMENT_MARK "Qstatement-mark"
#define SUMMARY_MARK   "Qsummary-mark"
#define RESPONSE_MARK  "Qresponse-mark"
#define PLAN_MARK      "Qplan-mark"
#define LOCATION_MARK  "Qlocation-mark"

extern const char *const PRIVATE_MARKS[];

/* printf into a new string; the caller frees it. */
__attribute__((format(printf, 1, 2))) char *text_of(const char *format, ...);

/* GET path (formatted) as token and expect status. */
void expect_get(const char *token, long status, const char *path);

/* The first value of a one-row query, as a number. */
long long sql_number(const char *sql, int count, const char *const *params);

/* The organization's today moved by days, as YYYY-MM-DD. */
void organization_day(const char *organization_id, int days, char *out, size_t size);

/* Seconds since 1970 of an RFC 3339 UTC timestamp to the second. */
long long epoch_of(const char *at);

/* Fails when body holds anything the test put into a participant's record or notes. */
void assert_no_private_text(const char *body, const char *what);

/* A referral to provider_id (NULL: the caller's own organization) for a participant whose
 * record holds the private marks; returns its id and writes the participant's. */
char *refer(const char *token, const char *provider_id, char *participant_id, size_t size);

/* Moves referral_id to status to (with reason, or NULL) as token. */
void transition_ok(const char *token, const char *referral_id, const char *to, const char *reason);

/* Assigns referral_id to specialist_id as token. */
void assign_ok(const char *token, const char *referral_id, const char *specialist_id);

/* A goal of participant_id in domain with status (achieved on achieved_on; a reason to
 * pause or discontinue); returns its id. */
char *goal_ok(const char *token, const char *participant_id, const char *domain, const char *status,
	      const char *achieved_on);

/* A note with every narrative field holding a private mark; specialist_id NULL when token
 * is the specialist's own. Returns its id. */
char *note_ok(const char *token, const char *participant_id, const char *goal_id,
	      const char *occurred_at, int minutes, const char *modality,
	      const char *specialist_id);

/* A goal of world's participant (world built with .referral) set by its supervisor, and a
 * note on it by its specialist that occurred ago ("1 hour") before now: what a report, an
 * export or an event has to show. Both ids are kept in the arena. */
struct noted_session {
	const char *goal, *note;
};
struct noted_session noted_session(const struct world *world, const char *ago);

/* Signs note id as token and asserts the units billed. */
void sign_ok(const char *token, const char *note_id, int units);

/* GET the session-notes export of from..to from the server at base_url (NULL: the shared
 * one) as token, with X-Request-Id: request_id unless it is NULL. */
struct http_response *export_at(const char *base_url, const char *token, const char *from,
				const char *to, const char *request_id);

/* As export_at, from the shared server. */
struct http_response *export_for(const char *token, const char *from, const char *to,
				 const char *request_id);

/* How many audit events carry request_id. */
long long events_with_request_id(const char *request_id);

/* The events about resource_id that token sees with request_id (decref). */
json_t *events_of(const char *token, const char *resource_id, const char *request_id);

/* Runs sql on db and asserts that the database refuses it for want of privilege. */
void refused(PGconn *db, const char *sql);
