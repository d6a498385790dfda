/* What the session-note tests (test_session_note_*.c) share: the people and notes they
 * write through the API and the requests they repeat. Responses are kept in the test's
 * arena (arena.h). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "world.h"

/* An id no goal, participant or specialist has. */
#define UNKNOWN_ID "7d444840-9dc0-41d1-b245-5ffdce74fad2"

/* day_from_today by a number of days. */
void days_from_today(int days, char *out, size_t size);

/* The instant of time_of_day (HH:MM) in the organizations' zone, days_ago days before
 * today there, as RFC 3339 in UTC. */
void local_instant(int days_ago, const char *time_of_day, char *out, size_t size);

/* Now (to the second), as RFC 3339 in UTC. */
void now_instant(char *out, size_t size);

/* Asserts a 422 whose errors name field, and frees it. */
void expect_invalid(struct http_response *response, const char *field, const char *what);

/* Whether a 422's errors name field. */
bool names_field(const struct http_response *response, const char *field);

/* An active certification from today + from_days to today + to_days. */
void certify_between(const char *specialist_id, const char *status, int from_days, int to_days);

/* A peer specialist of organization_id, certified from a year ago to a year ahead when
 * certified is true, without any certification otherwise. */
void specialist_open(struct actor *specialist, const char *organization_id, bool certified);

/* Creates a goal of participant_id as token and returns its id (the caller frees it). */
char *goal_set_ok(const char *participant_id, const char *token, const char *domain);

void goal_discontinue(const char *goal_id, const char *token);

/* A participant, the referral that brought them (NULL for a walk-in) and a goal. */
struct person {
	char *referral_id;
	char id[64];
	char *goal_id;
};

/* A referral the provider's supervisor records, accepts and assigns to specialist, and a
 * goal the specialist sets with the participant. Submitted at TEST_PROGRAM_START, so the
 * tests may date notes back. */
void person_assigned(struct person *person, const struct world *provider,
		     const struct actor *specialist);

/* Where most note tests start: a provider built with options, its specialist certified
 * around today, and person, assigned to that specialist. */
void person_world_build(struct world *provider, struct world_options options,
			struct person *person);

/* A walk-in the supervisor records, with a goal: for notes a supervisor writes for a
 * specialist who could not be assigned. Registered at TEST_PROGRAM_START, so the tests may
 * date notes back. */
void person_walk_in(struct person *person, const struct world *provider);

/* A complete note for participant_id tied to goal_id. The caller owns it. */
json_t *note_doc(const char *participant_id, const char *goal_id, const char *occurred_at,
		 int minutes, const char *modality);

/* POSTs doc (which it frees) as token. */
struct http_response *note_post(const char *token, json_t *doc);

/* POSTs doc (which it frees) as token, asserts a draft, and returns its id. */
char *note_draft_ok(const char *token, json_t *doc);

/* As note_draft_ok, for a supervisor or admin writing for specialist_id. */
char *note_draft_for_ok(const char *token, json_t *doc, const char *specialist_id);

void note_path(char *out, size_t size, const char *id, const char *suffix);

struct http_response *note_get(const char *id, const char *token);

/* The ETag of note id as token reads it now, into out ("" when token may not read it). */
void note_etag(const char *id, const char *token, char *out, size_t size);

/* POST /v1/session-notes/{id}/action ("sign", "cosign") without a body, as a client does:
 * after reading the note, with the ETag of that read (none when token may not read it). */
struct http_response *note_act(const char *id, const char *action, const char *token);

struct http_response *note_addendum(const char *id, const char *token, const char *text);

struct http_response *note_patch(const char *id, const char *token, const char *body,
				 const char *if_match);

/* Signs note id as token, asserts it is signed, and returns its billing (decref it). */
json_t *note_sign_ok(const char *id, const char *token);

/* Asserts billing: code H0038, HQ only for group, units, and exactly the reasons listed
 * (space-separated, in any order; "" for none). */
void assert_billing(const json_t *billing, bool billable, int units, bool group,
		    const char *reasons, const char *what);

/* A history's events as "from>to" joined by spaces ("-" for no from). */
void history_moves(const char *referral_id, const char *token, char *out, size_t size);

struct http_response *referral_get(const char *id, const char *token);

/* Whether s is RFC 3339 in UTC to the second. */
bool is_utc_timestamp(const char *s);
