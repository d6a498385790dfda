/* What the certification tests (test_certification_*.c) share: certification bodies and
 * the requests they repeat. Responses are kept in the test's arena (arena.h). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "world.h"

/* Another peer specialist of the team's provider; the caller frees the id. */
char *colleague_of(const struct world *team);

/* Today in the organizations' zone moved by a PostgreSQL interval ("-1 year", "0 days"),
 * as YYYY-MM-DD kept in the arena. */
const char *day_in(const char *interval);

/* An admin's token; writes the admin's subject, as verified_by names it. */
char *admin_named(char *subject, size_t size);

long long version_of(const struct http_response *response);

/* base (NULL: today in the organizations' zone) moved by a PostgreSQL interval such as
 * "10 days" or "-2 years", as YYYY-MM-DD. */
void day_from(const char *base, const char *interval, char *out, size_t size);

/* A certification to POST: CPS in OR with a unique number. The caller owns it. */
json_t *certification_body(const char *issued_on, const char *expires_on);

/* A body valid for the next two years. The caller owns it. */
json_t *current_certification_body(void);

struct http_response *post_certification(const char *token, const char *specialist_id,
					 const json_t *body);

/* POSTs current_certification_body() as token. */
struct http_response *post_current(const char *token, const char *specialist_id);

/* As post_current, with the member name set to value (stolen). */
struct http_response *post_current_with(const char *token, const char *specialist_id,
					const char *name, json_t *value);

/* POSTs body (stolen) and returns the new certification's id; the caller frees it. */
char *create_with(const char *token, const char *specialist_id, json_t *body);

/* As create_with, a certification issued a year ago that expires in a year. */
char *current_certification(const char *token, const char *specialist_id);

/* Records a certification of status for specialist_id as an admin, issued and expiring
 * today moved by the PostgreSQL intervals issued and expires ("-2 years", "1 day"); returns
 * its id, kept in the arena. */
char *certification_from_today(const char *specialist_id, const char *status, const char *issued,
			       const char *expires);

struct http_response *get_certification(const char *id, const char *token);

struct http_response *patch_certification(const char *id, const char *token, const char *body,
					  const char *if_match);

/* Verifies certification id as token does: after reading it, with the ETag of that read. */
struct http_response *verify_certification(const char *id, const char *token);

/* PATCHes and asserts the status; for calls whose answer is not looked at further. */
void patch_expect(const char *id, const char *token, const char *body, long status);

/* As patch_expect, with the ETag of a read just before: a move to active verifies, and
 * takes If-Match as /verify does. */
void patch_as_read_expect(const char *id, const char *token, const char *body, long status);

void verify_expect(const char *id, const char *token, long status);

/* The certification's effective_status as its holder's supervisor sees it. */
void assert_effective_status(const char *id, const char *token, const char *expected);

/* The specialist's computed certified, read by an admin. */
bool specialist_certified(const char *specialist_id);

/* certified as the specialist reads it on their own profile. */
bool own_certified(const char *specialist_token);

/* Asserts a 422 whose errors name exactly fields, each once. */
void assert_fields_named(const struct http_response *response, const char *const *fields,
			 size_t count);

struct http_response *post_ceu(const char *certification_id, const char *token,
			       const char *completed_on, double hours, const char *category);

void add_ceu(const char *certification_id, const char *token, const char *completed_on,
	     double hours, const char *category);

double number_at(const json_t *object, const char *key);

struct expected_renewal {
	const char *cycle_start;
	double peer_specific, ethics, suicide_prevention, other;
	double total, missing;
	bool ready;
};

void assert_renewal(const char *certification_id, const char *token,
		    const struct expected_renewal *expected);
