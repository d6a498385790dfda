/* What the referral tests (test_referral_*.c) share: referral bodies, the requests they
 * repeat and the specialists they assign. Responses are kept in the test's arena (arena.h). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "world.h"

/* Members a partner never reads in a referral (API.md: status and history only). */
extern const char *const STAFF_ONLY_MEMBERS[];

/* prefix/id followed by suffix ("" for none). */
char *path_of(const char *prefix, const char *id, const char *suffix);

long long sql_count(const char *sql, int count, const char *const *params);

/* The referrals and participants stored for an organization, on either side. */
long long referrals_stored(const char *organization_id);

long long participants_stored(const char *organization_id);

/* A valid referral to provider_id (NULL: none given) of service_type, with a unique
 * external_id; a family one carries a ten-year-old youth. The caller owns it. */
json_t *referral_body(const char *provider_id, const char *service_type);

/* POSTs body as token, with an Idempotency-Key when key is not NULL. */
struct http_response *submit(const char *token, const json_t *body, const char *key);

/* Submits body and returns the new referral's id (the caller frees it). */
char *submit_ok(const char *token, const json_t *body);

struct http_response *get_referral(const char *id, const char *token);

struct http_response *history_of(const char *id, const char *token);

struct http_response *matches_of(const char *id, const char *token);

/* The referral's matches as token reads them, asserted 200. */
struct http_response *matches_ok(const char *id, const char *token);

struct http_response *transition(const char *id, const char *token, const char *to,
				 const char *reason);

void move_expect(const char *id, const char *token, const char *to, const char *reason,
		 long status);

struct http_response *assign(const char *id, const char *token, const char *specialist_id);

void assignment_ok(const char *id, const char *token, const char *specialist_id);

/* Asserts a 409 whose detail says because. */
void assign_refused(const char *id, const char *token, const char *specialist_id,
		    const char *because);

/* Creates a specialist of organization_id as an admin from fields (JSON members, at
 * least kind); writes the subject and returns the id (the caller frees it). */
char *specialist_with(const char *organization_id, const char *fields, char *subject, size_t size);

/* Gives the specialist an active certification valid from a year ago to a year ahead. */
void certify(const char *specialist_id);

/* An active, certified specialist of kind with the default max_caseload (15). */
char *eligible_specialist(const char *organization_id, const char *kind, char *subject,
			  size_t size);

/* The specialist's computed caseload, read by an admin through GET /v1/specialists/{id}. */
long long caseload_of(const char *specialist_id);

/* A referral of service_type submitted by the world's partner to its provider. */
char *submitted_referral(const struct world *world, const char *service_type);

/* A referral of service_type from the world's partner, accepted by its supervisor. */
char *accepted_referral(const struct world *world, const char *service_type);

/* A referral of service_type accepted and then assigned to specialist_id. */
char *referral_assigned_to(const struct world *world, const char *service_type,
			   const char *specialist_id);

/* An active specialist of organization_id made from fields (as specialist_with) and
 * certified by certify(); the caller frees the id. */
char *certified_with(const char *organization_id, const char *fields);

void assert_status(struct http_response *response, long status, const char *what);

/* Asserts that referral (a partner's view) carries none of the staff's members. */
void assert_partner_view(const json_t *referral, const char *text);

/* The status of the referral as its provider's supervisor reads it. */
void assert_referral_status(const char *id, const char *token, const char *status);

json_t *event_at(const struct http_response *history, size_t index);

/* The string member name of the history's event at index. */
const char *event_member(const struct http_response *history, size_t index, const char *name);

/* Reads the referral's history as token, asserts its moves ("->submitted submitted>accepted",
 * as referral_moves writes them) and returns it for the events' details. */
struct http_response *history_moving(const char *id, const char *token, const char *moves);
