#include "certifications_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

/* Another peer specialist of the team's provider; the caller frees the id. */
char *colleague_of(const struct world *team)
{
	char subject[96];
	return create_specialist(team->provider, "peer", subject, sizeof subject);
}

/* Today in the organizations' zone moved by a PostgreSQL interval ("-1 year", "0 days"),
 * as YYYY-MM-DD kept in the arena. */
const char *day_in(const char *interval)
{
	char day[16];
	day_from_today(interval, day, sizeof day);
	return arena_text(strdup(day));
}

/* An admin's token; writes the admin's subject, as verified_by names it. */
char *admin_named(char *subject, size_t size)
{
	unique_name("admin", subject, size);
	return token_for_subject("admin", NULL, subject);
}

long long version_of(const struct http_response *response)
{
	return json_integer_value(json_object_get(response->json, "version"));
}

/* base (NULL: today in the organizations' zone) moved by a PostgreSQL interval such as
 * "10 days" or "-2 years", as YYYY-MM-DD. */
void day_from(const char *base, const char *interval, char *out, size_t size)
{
	PGconn *db = test_db_connect();
	const char *params[] = {base, interval};
	PGresult *res = PQexecParams(
		db,
		"SELECT to_char((coalesce($1::date, (now() AT TIME ZONE '" ORGANIZATION_TIME_ZONE
		"')::date) + $2::interval)::date, 'YYYY-MM-DD')",
		2, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
}

/* A certification to POST: CPS in OR with a unique number. The caller owns it. */
json_t *certification_body(const char *issued_on, const char *expires_on)
{
	char number[96];
	unique_name("or-cps", number, sizeof number);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "credential", "CPS", "issuing_authority",
			 "Oregon Health Authority", "state", "OR", "number", number, "issued_on",
			 issued_on, "expires_on", expires_on);
}

/* A body valid for the next two years. The caller owns it. */
json_t *current_certification_body(void)
{
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	return certification_body(issued, expires);
}

struct http_response *post_certification(const char *token, const char *specialist_id,
					 const json_t *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", specialist_id);
	return http_send_json("POST", path, token, body);
}

/* POSTs current_certification_body() as token. */
struct http_response *post_current(const char *token, const char *specialist_id)
{
	json_t *body = current_certification_body();
	struct http_response *response = post_certification(token, specialist_id, body);
	json_decref(body);
	return response;
}

/* As post_current, with the member name set to value (stolen). */
struct http_response *post_current_with(const char *token, const char *specialist_id,
					const char *name, json_t *value)
{
	json_t *body = current_certification_body();
	json_object_set_new(body, name, value);
	struct http_response *response = post_certification(token, specialist_id, body);
	json_decref(body);
	return response;
}

/* POSTs body (stolen) and returns the new certification's id; the caller frees it. */
char *create_with(const char *token, const char *specialist_id, json_t *body)
{
	struct http_response *response = post_certification(token, specialist_id, body);
	cr_assert_eq(response->status, 201, "creating a certification: %s", response->body);
	char *id = strdup(member(response, "id"));
	json_decref(body);
	return id;
}

char *current_certification(const char *token, const char *specialist_id)
{
	return create_with(token, specialist_id, current_certification_body());
}

char *certification_from_today(const char *specialist_id, const char *status, const char *issued,
			       const char *expires)
{
	char issued_on[16], expires_on[16];
	day_from_today(issued, issued_on, sizeof issued_on);
	day_from_today(expires, expires_on, sizeof expires_on);
	return arena_text(create_certification(specialist_id, status, issued_on, expires_on));
}

struct http_response *get_certification(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_get(path, token);
}

struct http_response *patch_certification(const char *id, const char *token, const char *body,
					  const char *if_match)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_patch(path, token, body, if_match);
}

/* Verifies certification id as token does: after reading it, with the ETag of that read. */
struct http_response *verify_certification(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_post_as_read(path, "/verify", token, NULL);
}

/* PATCHes and asserts the status; for calls whose answer is not looked at further. */
void patch_expect(const char *id, const char *token, const char *body, long status)
{
	struct http_response *response = patch_certification(id, token, body, NULL);
	cr_assert_eq(response->status, status, "PATCH %s: %s", body, response->body);
}

/* As patch_expect, with the ETag of a read just before: a move to active verifies, and
 * takes If-Match as /verify does. */
void patch_as_read_expect(const char *id, const char *token, const char *body, long status)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	struct http_response *response = http_patch_as_read(path, token, body);
	cr_assert_eq(response->status, status, "PATCH %s: %s", body, response->body);
}

void verify_expect(const char *id, const char *token, long status)
{
	struct http_response *response = verify_certification(id, token);
	cr_assert_eq(response->status, status, "verify: %s", response->body);
}

/* The certification's effective_status as its holder's supervisor sees it. */
void assert_effective_status(const char *id, const char *token, const char *expected)
{
	struct http_response *read = get_certification(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "effective_status"), expected, "%s", read->body);
}

/* The specialist's computed certified, read by an admin. */
bool specialist_certified(const char *specialist_id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s", specialist_id);
	char *admin = admin_token();
	struct http_response *read = http_get(path, admin);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *certified = json_object_get(read->json, "certified");
	cr_assert(json_is_boolean(certified), "%s", read->body);
	bool result = json_is_true(certified);
	free(admin);
	return result;
}

/* certified as the specialist reads it on their own profile. */
bool own_certified(const char *specialist_token)
{
	struct http_response *me = http_get("/v1/specialists/me", specialist_token);
	cr_assert_eq(me->status, 200, "%s", me->body);
	json_t *certified = json_object_get(me->json, "certified");
	cr_assert(json_is_boolean(certified), "%s", me->body);
	bool result = json_is_true(certified);
	return result;
}

/* Asserts a 422 whose errors name exactly fields, each once. */
void assert_fields_named(const struct http_response *response, const char *const *fields,
			 size_t count)
{
	cr_assert_eq(response->status, 422, "%s", response->body);
	char *type = http_header(response, "Content-Type");
	cr_assert_str_eq(type, "application/problem+json");
	free(type);
	json_t *errors = json_object_get(response->json, "errors");
	cr_assert_eq(json_array_size(errors), count, "%s", response->body);
	for (size_t i = 0; i < count; i++) {
		bool named = false;
		size_t index;
		json_t *error;
		json_array_foreach (errors, index, error) {
			named |= strcmp(json_string_value(json_object_get(error, "field")),
					fields[i]) == 0;
		}
		cr_expect(named, "%s is not named in %s", fields[i], response->body);
	}
}

struct http_response *post_ceu(const char *certification_id, const char *token,
			       const char *completed_on, double hours, const char *category)
{
	char path[160];
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", certification_id);
	json_t *body = json_pack("{s:s, s:f, s:s, s:s, s:s}", "completed_on", completed_on, "hours",
				 hours, "category", category, "title", "Trauma-informed care",
				 "provider", "Oregon Peer Network");
	struct http_response *response = http_send_json("POST", path, token, body);
	json_decref(body);
	return response;
}

void add_ceu(const char *certification_id, const char *token, const char *completed_on,
	     double hours, const char *category)
{
	struct http_response *response =
		post_ceu(certification_id, token, completed_on, hours, category);
	cr_assert_eq(response->status, 201, "adding %g %s hours: %s", hours, category,
		     response->body);
}

double number_at(const json_t *object, const char *key)
{
	const json_t *value = json_object_get(object, key);
	cr_assert(json_is_number(value), "%s is not a number", key);
	return json_number_value(value);
}

void assert_renewal(const char *certification_id, const char *token,
		    const struct expected_renewal *expected)
{
	struct http_response *read = get_certification(certification_id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *renewal = json_object_get(read->json, "renewal");
	cr_assert(json_is_object(renewal), "%s", read->body);
	cr_assert_str_eq(json_string_value(json_object_get(renewal, "cycle_start")),
			 expected->cycle_start, "%s", read->body);
	json_t *by_category = json_object_get(renewal, "hours_by_category");
	cr_assert_float_eq(number_at(by_category, "peer_specific"), expected->peer_specific, 1e-9,
			   "%s", read->body);
	cr_assert_float_eq(number_at(by_category, "ethics"), expected->ethics, 1e-9, "%s",
			   read->body);
	cr_assert_float_eq(number_at(by_category, "suicide_prevention"),
			   expected->suicide_prevention, 1e-9, "%s", read->body);
	cr_assert_float_eq(number_at(by_category, "other"), expected->other, 1e-9, "%s",
			   read->body);
	cr_assert_float_eq(number_at(renewal, "hours_total"), expected->total, 1e-9, "%s",
			   read->body);
	cr_assert_float_eq(number_at(renewal, "hours_missing"), expected->missing, 1e-9, "%s",
			   read->body);
	cr_assert_eq(json_is_true(json_object_get(renewal, "ready")), expected->ready, "%s",
		     read->body);
	cr_assert(json_is_boolean(json_object_get(renewal, "ready")), "%s", read->body);
}
