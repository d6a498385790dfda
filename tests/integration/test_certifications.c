/* Certifications and continuing education (API.md, Certifications): who records and
 * verifies them, what "certified" means on the organization's today, the expiring list,
 * and the renewal readiness computed from continuing education. Every test makes its own
 * organizations and specialists: the suite runs in parallel against one server. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "http.h"

/* The zone of the organizations create_organization makes (state OR). */

/* An organization with one specialist, a supervisor, and tokens for both. */
struct team {
	char *organization_id;
	char *specialist_id;
	char specialist_subject[96];
	char supervisor_subject[96];
	char *supervisor; /* token */
	char *specialist; /* token */
};

static void team_create(struct team *team)
{
	team->organization_id = create_organization("provider");
	team->specialist_id =
		create_specialist(team->organization_id, "peer", team->specialist_subject,
				  sizeof team->specialist_subject);
	unique_name("supervisor", team->supervisor_subject, sizeof team->supervisor_subject);
	team->supervisor =
		token_for_subject("supervisor", team->organization_id, team->supervisor_subject);
	team->specialist =
		token_for_subject("specialist", team->organization_id, team->specialist_subject);
}

static void team_free(struct team *team)
{
	free(team->organization_id);
	free(team->specialist_id);
	free(team->supervisor);
	free(team->specialist);
}

static long long version_of(const struct http_response *response)
{
	return json_integer_value(json_object_get(response->json, "version"));
}

/* base (NULL: today in the organizations' zone) moved by a PostgreSQL interval such as
 * "10 days" or "-2 years", as YYYY-MM-DD. */
static void day_from(const char *base, const char *interval, char *out, size_t size)
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
static json_t *certification_body(const char *issued_on, const char *expires_on)
{
	char number[96];
	unique_name("or-cps", number, sizeof number);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "credential", "CPS", "issuing_authority",
			 "Oregon Health Authority", "state", "OR", "number", number, "issued_on",
			 issued_on, "expires_on", expires_on);
}

/* A body valid for the next two years. The caller owns it. */
static json_t *current_certification_body(void)
{
	char issued[16], expires[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	return certification_body(issued, expires);
}

static struct http_response *post_certification(const char *token, const char *specialist_id,
						const json_t *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", specialist_id);
	return http_send_json("POST", path, token, body);
}

/* POSTs body (stolen) and returns the new certification's id; the caller frees it. */
static char *create_with(const char *token, const char *specialist_id, json_t *body)
{
	struct http_response *response = post_certification(token, specialist_id, body);
	cr_assert_eq(response->status, 201, "creating a certification: %s", response->body);
	char *id = strdup(member(response, "id"));
	http_response_free(response);
	json_decref(body);
	return id;
}

static struct http_response *get_certification(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_get(path, token);
}

static struct http_response *patch_certification(const char *id, const char *token,
						 const char *body, const char *if_match)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_patch(path, token, body, if_match);
}

/* Verifies certification id as token does: after reading it, with the ETag of that read. */
static struct http_response *verify_certification(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	return http_post_as_read(path, "/verify", token, NULL);
}

/* PATCHes and asserts the status; for calls whose answer is not looked at further. */
static void patch_expect(const char *id, const char *token, const char *body, long status)
{
	struct http_response *response = patch_certification(id, token, body, NULL);
	cr_assert_eq(response->status, status, "PATCH %s: %s", body, response->body);
	http_response_free(response);
}

/* As patch_expect, with the ETag of a read just before: a move to active verifies, and
 * takes If-Match as /verify does. */
static void patch_as_read_expect(const char *id, const char *token, const char *body, long status)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s", id);
	struct http_response *response = http_patch_as_read(path, token, body);
	cr_assert_eq(response->status, status, "PATCH %s: %s", body, response->body);
	http_response_free(response);
}

static void verify_expect(const char *id, const char *token, long status)
{
	struct http_response *response = verify_certification(id, token);
	cr_assert_eq(response->status, status, "verify: %s", response->body);
	http_response_free(response);
}

/* The certification's effective_status as its holder's supervisor sees it. */
static void assert_effective_status(const char *id, const char *token, const char *expected)
{
	struct http_response *read = get_certification(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "effective_status"), expected, "%s", read->body);
	http_response_free(read);
}

/* The specialist's computed certified, read by an admin. */
static bool specialist_certified(const char *specialist_id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s", specialist_id);
	char *admin = admin_token();
	struct http_response *read = http_get(path, admin);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *certified = json_object_get(read->json, "certified");
	cr_assert(json_is_boolean(certified), "%s", read->body);
	bool result = json_is_true(certified);
	http_response_free(read);
	free(admin);
	return result;
}

/* certified as the specialist reads it on their own profile. */
static bool own_certified(const char *specialist_token)
{
	struct http_response *me = http_get("/v1/specialists/me", specialist_token);
	cr_assert_eq(me->status, 200, "%s", me->body);
	json_t *certified = json_object_get(me->json, "certified");
	cr_assert(json_is_boolean(certified), "%s", me->body);
	bool result = json_is_true(certified);
	http_response_free(me);
	return result;
}

/* Asserts a 422 whose errors name exactly fields, each once. */
static void assert_fields_named(const struct http_response *response, const char *const *fields,
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

static struct http_response *post_ceu(const char *certification_id, const char *token,
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

static void add_ceu(const char *certification_id, const char *token, const char *completed_on,
		    double hours, const char *category)
{
	struct http_response *response =
		post_ceu(certification_id, token, completed_on, hours, category);
	cr_assert_eq(response->status, 201, "adding %g %s hours: %s", hours, category,
		     response->body);
	http_response_free(response);
}

static double number_at(const json_t *object, const char *key)
{
	const json_t *value = json_object_get(object, key);
	cr_assert(json_is_number(value), "%s is not a number", key);
	return json_number_value(value);
}

struct expected_renewal {
	const char *cycle_start;
	double peer_specific, ethics, suicide_prevention, other;
	double total, missing;
	bool ready;
};

static void assert_renewal(const char *certification_id, const char *token,
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
	http_response_free(read);
}

/* Creating */

Test(certifications, supervisor_creates_pending_by_default)
{
	struct team team;
	team_create(&team);
	json_t *body = current_certification_body();
	json_object_set_new(body, "training_hours", json_real(46.5));
	json_object_set_new(body, "ceu_hours", json_integer(12));
	struct http_response *created =
		post_certification(team.supervisor, team.specialist_id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "pending");
	cr_assert_str_eq(member(created, "effective_status"), "pending");
	cr_assert_str_eq(member(created, "specialist_id"), team.specialist_id);
	cr_assert(json_is_null(json_object_get(created->json, "verified_by")), "%s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "verified_at")), "%s", created->body);
	cr_assert_float_eq(number_at(created->json, "training_hours"), 46.5, 1e-9);
	cr_assert_float_eq(number_at(created->json, "ceu_hours"), 12, 1e-9);
	cr_assert_eq(version_of(created), 1);

	char *location = http_header(created, "Location");
	char expected_location[128];
	snprintf(expected_location, sizeof expected_location, "/v1/certifications/%s",
		 member(created, "id"));
	cr_assert_str_eq(location, expected_location);
	struct http_response *read = http_get(location, team.supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	char *etag = http_header(read, "ETag");
	cr_assert_str_eq(etag, "\"1\"");
	cr_assert(json_equal(read->json, created->json), "GET returns what POST returned:\n%s\n%s",
		  created->body, read->body);
	cr_assert(!specialist_certified(team.specialist_id), "a pending certification certifies");
	free(etag);
	free(location);
	http_response_free(read);
	http_response_free(created);
	json_decref(body);
	team_free(&team);
}

Test(certifications, supervisor_creates_active_and_is_recorded_as_verifier)
{
	struct team team;
	team_create(&team);
	json_t *body = current_certification_body();
	json_object_set_new(body, "status", json_string("active"));
	struct http_response *created =
		post_certification(team.supervisor, team.specialist_id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "active");
	cr_assert_str_eq(member(created, "effective_status"), "active");
	cr_assert_str_eq(member(created, "verified_by"), team.supervisor_subject, "%s",
			 created->body);
	const char *verified_at = member(created, "verified_at");
	cr_assert(verified_at && strlen(verified_at) >= 20 &&
			  verified_at[strlen(verified_at) - 1] == 'Z',
		  "verified_at is an RFC 3339 UTC timestamp: %s", created->body);
	cr_assert(specialist_certified(team.specialist_id));
	cr_assert(own_certified(team.specialist));
	http_response_free(created);
	json_decref(body);
	team_free(&team);
}

Test(certifications, admin_creates_for_any_organization)
{
	struct team team;
	team_create(&team);
	char admin_subject[96];
	unique_name("admin", admin_subject, sizeof admin_subject);
	char *admin = token_for_subject("admin", NULL, admin_subject);
	json_t *body = current_certification_body();
	struct http_response *pending = post_certification(admin, team.specialist_id, body);
	cr_assert_eq(pending->status, 201, "%s", pending->body);
	cr_assert_str_eq(member(pending, "status"), "pending");
	json_decref(body);

	body = current_certification_body();
	json_object_set_new(body, "status", json_string("active"));
	struct http_response *active = post_certification(admin, team.specialist_id, body);
	cr_assert_eq(active->status, 201, "%s", active->body);
	cr_assert_str_eq(member(active, "verified_by"), admin_subject, "%s", active->body);
	cr_assert(member(active, "verified_at"), "%s", active->body);
	cr_assert(specialist_certified(team.specialist_id));
	json_decref(body);

	/* A new certification is pending or active; the other states come later. */
	body = current_certification_body();
	json_object_set_new(body, "status", json_string("revoked"));
	struct http_response *revoked = post_certification(admin, team.specialist_id, body);
	const char *fields[] = {"status"};
	assert_fields_named(revoked, fields, 1);
	json_decref(body);
	http_response_free(revoked);
	http_response_free(active);
	http_response_free(pending);
	free(admin);
	team_free(&team);
}

Test(certifications, specialist_adds_own_certification_which_stays_pending)
{
	struct team team;
	team_create(&team);
	json_t *body = current_certification_body();
	struct http_response *created =
		post_certification(team.specialist, team.specialist_id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "status"), "pending");
	cr_assert(json_is_null(json_object_get(created->json, "verified_by")), "%s", created->body);
	json_decref(body);

	/* Saying pending outright is the same. */
	body = current_certification_body();
	json_object_set_new(body, "status", json_string("pending"));
	struct http_response *explicit =
		post_certification(team.specialist, team.specialist_id, body);
	cr_assert_eq(explicit->status, 201, "%s", explicit->body);
	json_decref(body);

	body = current_certification_body();
	json_object_set_new(body, "status", json_string("active"));
	struct http_response *active =
		post_certification(team.specialist, team.specialist_id, body);
	cr_assert_eq(active->status, 403, "a specialist verifying their own: %s", active->body);
	json_decref(body);

	body = current_certification_body();
	json_object_set_new(body, "ceu_requirement",
			    json_pack("{s:i, s:i, s:i}", "total_hours", 20, "ethics_hours", 6,
				      "peer_specific_hours", 4));
	struct http_response *requirement =
		post_certification(team.specialist, team.specialist_id, body);
	cr_assert_eq(requirement->status, 403, "a specialist setting the state's rule: %s",
		     requirement->body);
	json_decref(body);

	/* Only the two pending ones were recorded. */
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist_id);
	struct http_response *list = http_get(path, team.specialist);
	cr_assert_eq(list->status, 200, "%s", list->body);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 2, "%s", list->body);
	cr_assert(!own_certified(team.specialist));
	http_response_free(list);
	http_response_free(requirement);
	http_response_free(active);
	http_response_free(explicit);
	http_response_free(created);
	team_free(&team);
}

Test(certifications, specialist_cannot_add_for_another_specialist)
{
	struct team team;
	team_create(&team);
	char colleague_subject[96];
	char *colleague = create_specialist(team.organization_id, "peer", colleague_subject,
					    sizeof colleague_subject);
	json_t *body = current_certification_body();
	struct http_response *created = post_certification(team.specialist, colleague, body);
	cr_assert_eq(created->status, 404, "%s", created->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", colleague);
	struct http_response *list = http_get(path, team.specialist);
	cr_assert_eq(list->status, 404, "%s", list->body);
	http_response_free(list);
	http_response_free(created);
	json_decref(body);
	free(colleague);
	team_free(&team);
}

Test(certifications, supervisor_of_another_organization_cannot_add)
{
	struct team team, other;
	team_create(&team);
	team_create(&other);
	json_t *body = current_certification_body();
	struct http_response *created =
		post_certification(other.supervisor, team.specialist_id, body);
	cr_assert_eq(created->status, 404, "%s", created->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist_id);
	struct http_response *list = http_get(path, other.supervisor);
	cr_assert_eq(list->status, 404, "%s", list->body);
	http_response_free(list);
	http_response_free(created);
	json_decref(body);
	team_free(&other);
	team_free(&team);
}

/* Roles */

Test(certifications, partner_and_reporter_are_refused_everywhere)
{
	struct team team;
	team_create(&team);
	char issued[16], expires[16], today[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from_today("0 days", today, sizeof today);
	char *certification = create_certification(team.specialist_id, "pending", issued, expires);
	struct http_response *ceu = post_ceu(certification, team.supervisor, today, 2, "ethics");
	cr_assert_eq(ceu->status, 201, "%s", ceu->body);

	char paths[9][256];
	const char *methods[9] = {"POST", "GET", "GET",	 "GET", "PATCH",
				  "POST", "GET", "POST", "GET"};
	snprintf(paths[0], sizeof paths[0], "/v1/specialists/%s/certifications",
		 team.specialist_id);
	snprintf(paths[1], sizeof paths[1], "/v1/specialists/%s/certifications",
		 team.specialist_id);
	snprintf(paths[2], sizeof paths[2], "/v1/certifications");
	snprintf(paths[3], sizeof paths[3], "/v1/certifications/%s", certification);
	snprintf(paths[4], sizeof paths[4], "/v1/certifications/%s", certification);
	snprintf(paths[5], sizeof paths[5], "/v1/certifications/%s/verify", certification);
	snprintf(paths[6], sizeof paths[6], "/v1/certifications/%s/ceus", certification);
	snprintf(paths[7], sizeof paths[7], "/v1/certifications/%s/ceus", certification);
	snprintf(paths[8], sizeof paths[8], "/v1/certifications/%s/ceus/%s", certification,
		 member(ceu, "id"));

	char *partner_organization = create_organization("partner");
	char *tokens[] = {token_for("partner", partner_organization),
			  token_for("reporter", team.organization_id)};
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < 9; i++) {
			bool with_body = strcmp(methods[i], "GET") != 0;
			struct http_response *response = http_send(&(struct http_request){
				.method = methods[i],
				.path = paths[i],
				.token = tokens[t],
				.content_type = with_body ? "application/json" : NULL,
				.body = with_body ? "{}" : NULL});
			cr_expect_eq(response->status, 403, "%s %s as %s: %s", methods[i], paths[i],
				     t == 0 ? "partner" : "reporter", response->body);
			http_response_free(response);
		}
		free(tokens[t]);
	}
	/* Nothing changed. */
	assert_effective_status(certification, team.supervisor, "pending");
	free(partner_organization);
	http_response_free(ceu);
	free(certification);
	team_free(&team);
}

Test(certifications, specialist_may_not_verify)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	verify_expect(id, team.specialist, 403);
	assert_effective_status(id, team.specialist, "pending");
	cr_assert(!own_certified(team.specialist));
	free(id);
	team_free(&team);
}

/* Verification and what certified means */

Test(certifications, verification_makes_the_specialist_certified)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	assert_effective_status(id, team.specialist, "pending");
	cr_assert(!own_certified(team.specialist), "certified before verification");

	struct http_response *verified = verify_certification(id, team.supervisor);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "status"), "active");
	cr_assert_str_eq(member(verified, "effective_status"), "active");
	cr_assert_str_eq(member(verified, "verified_by"), team.supervisor_subject, "%s",
			 verified->body);
	const char *verified_at = member(verified, "verified_at");
	cr_assert(verified_at && verified_at[strlen(verified_at) - 1] == 'Z', "%s", verified->body);
	cr_assert_eq(version_of(verified), 2, "%s", verified->body);

	struct http_response *read = get_certification(id, team.specialist);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, verified->json), "GET after verify:\n%s\n%s",
		  verified->body, read->body);
	cr_assert(own_certified(team.specialist), "not certified after verification");
	cr_assert(specialist_certified(team.specialist_id));

	/* Verifying again is a state the transition does not allow. */
	verify_expect(id, team.supervisor, 409);
	http_response_free(read);
	http_response_free(verified);
	free(id);
	team_free(&team);
}

/* The attack of issue 20: the holder changes a pending certification after the supervisor
 * read it. Verifying attests to what the supervisor reviewed, so the version read must
 * still be the one stored. */
Test(certifications, verify_binds_to_the_version_the_supervisor_read)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	struct http_response *reviewed = get_certification(id, team.supervisor);
	cr_assert_eq(reviewed->status, 200, "%s", reviewed->body);
	char *etag = http_header(reviewed, "ETag");
	cr_assert_str_eq(etag, "\"1\"");

	struct http_response *changed = patch_certification(
		id, team.specialist,
		"{\"expires_on\":\"2099-12-31\",\"issuing_authority\":\"Anyone At All\"}", NULL);
	cr_assert_eq(changed->status, 200, "the holder corrects it while pending: %s",
		     changed->body);

	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
	struct http_response *stale = http_post_if_match(path, team.supervisor, NULL, etag);
	cr_assert_eq(stale->status, 412, "verified what the supervisor never saw: %s", stale->body);
	char *current = http_header(stale, "ETag");
	cr_assert_str_eq(current, "\"2\"", "the 412 names the current version");
	struct http_response *after = get_certification(id, team.supervisor);
	cr_assert_str_eq(member(after, "status"), "pending", "%s", after->body);
	cr_assert_eq(version_of(after), 2, "%s", after->body);
	cr_assert(json_is_null(json_object_get(after->json, "verified_by")), "%s", after->body);
	cr_assert(!own_certified(team.specialist), "certified by a stale verification");

	/* Reviewed again, it is verified as it now stands. */
	struct http_response *verified = http_post_if_match(path, team.supervisor, NULL, current);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "expires_on"), "2099-12-31");
	char *new_tag = http_header(verified, "ETag");
	cr_assert_str_eq(new_tag, "\"3\"", "the answer names the new version");
	free(new_tag);
	http_response_free(verified);
	http_response_free(after);
	free(current);
	http_response_free(stale);
	http_response_free(changed);
	free(etag);
	http_response_free(reviewed);
	free(id);
	team_free(&team);
}

Test(certifications, verify_without_if_match_is_428)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
	struct http_response *unread = http_post_if_match(path, team.supervisor, NULL, NULL);
	cr_assert_eq(unread->status, 428, "%s", unread->body);
	cr_assert_str_eq(member(unread, "title"), "Precondition Required", "%s", unread->body);
	/* A weak tag never matches If-Match; "*" is the caller's explicit "whatever it holds
	 * now", as for PATCH. */
	struct http_response *weak = http_post_if_match(path, team.supervisor, NULL, "W/\"1\"");
	cr_assert_eq(weak->status, 412, "%s", weak->body);
	struct http_response *after = get_certification(id, team.supervisor);
	cr_assert_str_eq(member(after, "status"), "pending", "%s", after->body);
	cr_assert_eq(version_of(after), 1, "%s", after->body);
	struct http_response *any = http_post_if_match(path, team.supervisor, NULL, "*");
	cr_assert_eq(any->status, 200, "%s", any->body);
	http_response_free(any);
	http_response_free(after);
	http_response_free(weak);
	http_response_free(unread);
	free(id);
	team_free(&team);
}

/* PATCH {"status": "active"} verifies too (or reinstates): it binds to the version read
 * as /verify does, else the attack above goes around /verify. */
Test(certifications, patch_to_active_binds_to_the_version_read)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	struct http_response *read = get_certification(id, team.supervisor);
	char *reviewed = http_header(read, "ETag");
	http_response_free(read);
	patch_expect(id, team.specialist, "{\"expires_on\":\"2099-12-31\"}", 200);
	const char *activate = "{\"status\":\"active\"}";
	struct http_response *unread = patch_certification(id, team.supervisor, activate, NULL);
	cr_assert_eq(unread->status, 428, "verified by PATCH without If-Match: %s", unread->body);
	struct http_response *stale = patch_certification(id, team.supervisor, activate, reviewed);
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	assert_effective_status(id, team.supervisor, "pending");
	cr_assert(!own_certified(team.specialist));
	struct http_response *verified =
		patch_certification(id, team.supervisor, activate, "\"2\"");
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	/* Reinstating a suspended one is a verification as well; suspending is not. */
	patch_expect(id, team.supervisor, "{\"status\":\"suspended\"}", 200);
	patch_expect(id, team.supervisor, activate, 428);
	assert_effective_status(id, team.supervisor, "suspended");
	http_response_free(verified);
	http_response_free(stale);
	http_response_free(unread);
	free(reviewed);
	free(id);
	team_free(&team);
}

Test(certifications, admin_verifies_in_any_organization)
{
	struct team team;
	team_create(&team);
	char admin_subject[96];
	unique_name("admin", admin_subject, sizeof admin_subject);
	char *admin = token_for_subject("admin", NULL, admin_subject);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	struct http_response *verified = verify_certification(id, admin);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "verified_by"), admin_subject, "%s", verified->body);
	cr_assert(own_certified(team.specialist));
	http_response_free(verified);
	free(id);
	free(admin);
	team_free(&team);
}

Test(certifications, verify_refuses_revoked_and_expired)
{
	struct team team;
	team_create(&team);
	char *revoked =
		create_with(team.supervisor, team.specialist_id, current_certification_body());
	patch_expect(revoked, team.supervisor, "{\"status\":\"revoked\"}", 200);
	verify_expect(revoked, team.supervisor, 409);
	assert_effective_status(revoked, team.supervisor, "revoked");

	char issued[16], expired[16];
	day_from_today("-3 years", issued, sizeof issued);
	day_from_today("-1 day", expired, sizeof expired);
	char *lapsed = create_with(team.specialist, team.specialist_id,
				   certification_body(issued, expired));
	verify_expect(lapsed, team.supervisor, 409);
	assert_effective_status(lapsed, team.supervisor, "pending");
	cr_assert(!own_certified(team.specialist));
	free(lapsed);
	free(revoked);
	team_free(&team);
}

Test(certifications, active_but_past_expiry_reads_expired)
{
	struct team team;
	team_create(&team);
	char issued[16], expired[16];
	day_from_today("-2 years", issued, sizeof issued);
	day_from_today("-1 day", expired, sizeof expired);
	char *id = create_certification(team.specialist_id, "active", issued, expired);
	struct http_response *read = get_certification(id, team.supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), "active");
	cr_assert_str_eq(member(read, "effective_status"), "expired", "%s", read->body);
	cr_assert(!specialist_certified(team.specialist_id), "an expired certification certifies");
	cr_assert(!own_certified(team.specialist));

	/* The lists say the same. */
	char path[160];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist_id);
	struct http_response *list = http_get(path, team.supervisor);
	cr_assert_eq(list->status, 200, "%s", list->body);
	json_t *item = json_array_get(json_object_get(list->json, "items"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(item, "effective_status")), "expired",
			 "%s", list->body);
	http_response_free(list);
	http_response_free(read);
	free(id);
	team_free(&team);
}

Test(certifications, expiring_today_is_still_active_and_certified)
{
	struct team team;
	team_create(&team);
	char issued[16], today[16];
	day_from_today("-2 years", issued, sizeof issued);
	day_from_today("0 days", today, sizeof today);
	char *id = create_certification(team.specialist_id, "active", issued, today);
	struct http_response *read = get_certification(id, team.specialist);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(member(read, "expires_on"), today);
	cr_assert_str_eq(member(read, "effective_status"), "active", "%s", read->body);
	cr_assert(own_certified(team.specialist), "not certified on the last day");
	cr_assert(specialist_certified(team.specialist_id));
	http_response_free(read);
	free(id);
	team_free(&team);
}

Test(certifications, issued_in_the_future_does_not_certify)
{
	struct team team;
	team_create(&team);
	char tomorrow[16], expires[16];
	day_from_today("1 day", tomorrow, sizeof tomorrow);
	day_from_today("2 years", expires, sizeof expires);
	char *id = create_certification(team.specialist_id, "active", tomorrow, expires);
	cr_assert(!own_certified(team.specialist), "certified before the issue day");
	cr_assert(!specialist_certified(team.specialist_id));
	free(id);
	team_free(&team);
}

/* Rules of the record */

Test(certifications, duplicate_credential_state_and_number_conflict)
{
	struct team team, other;
	team_create(&team);
	team_create(&other);
	json_t *first = current_certification_body();
	char number[96];
	snprintf(number, sizeof number, "%s", json_string_value(json_object_get(first, "number")));
	struct http_response *created =
		post_certification(team.supervisor, team.specialist_id, first);
	cr_assert_eq(created->status, 201, "%s", created->body);

	struct http_response *again =
		post_certification(team.supervisor, team.specialist_id, first);
	cr_assert_eq(again->status, 409, "%s", again->body);
	char *type = http_header(again, "Content-Type");
	cr_assert_str_eq(type, "application/problem+json");
	free(type);

	/* Credential and number in another case are the same credential. */
	json_t *lower = json_deep_copy(first);
	json_object_set_new(lower, "credential", json_string("cps"));
	struct http_response *lower_credential =
		post_certification(team.supervisor, team.specialist_id, lower);
	cr_assert_eq(lower_credential->status, 409, "cps vs CPS: %s", lower_credential->body);
	char upper_number[96];
	snprintf(upper_number, sizeof upper_number, "%s", number);
	for (char *c = upper_number; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	cr_assert_str_neq(upper_number, number);
	json_t *upper = json_deep_copy(first);
	json_object_set_new(upper, "number", json_string(upper_number));
	struct http_response *upper_case =
		post_certification(team.supervisor, team.specialist_id, upper);
	cr_assert_eq(upper_case->status, 409, "number in upper case: %s", upper_case->body);

	/* Whoever holds it. */
	struct http_response *elsewhere =
		post_certification(other.supervisor, other.specialist_id, first);
	cr_assert_eq(elsewhere->status, 409, "%s", elsewhere->body);

	/* The same number in another state is another credential. */
	json_t *washington = json_deep_copy(first);
	json_object_set_new(washington, "state", json_string("WA"));
	struct http_response *other_state =
		post_certification(team.supervisor, team.specialist_id, washington);
	cr_assert_eq(other_state->status, 201, "%s", other_state->body);

	/* Moving another certification onto it conflicts too. */
	patch_expect(member(other_state, "id"), team.supervisor, "{\"state\":\"OR\"}", 409);
	assert_effective_status(member(other_state, "id"), team.supervisor, "pending");

	http_response_free(other_state);
	json_decref(washington);
	http_response_free(elsewhere);
	http_response_free(upper_case);
	json_decref(upper);
	http_response_free(lower_credential);
	json_decref(lower);
	http_response_free(again);
	http_response_free(created);
	json_decref(first);
	team_free(&other);
	team_free(&team);
}

Test(certifications, expires_on_must_follow_issued_on)
{
	struct team team;
	team_create(&team);
	char today[16], yesterday[16];
	day_from_today("0 days", today, sizeof today);
	day_from_today("-1 day", yesterday, sizeof yesterday);
	const char *fields[] = {"expires_on"};

	json_t *same_day = certification_body(today, today);
	struct http_response *response =
		post_certification(team.supervisor, team.specialist_id, same_day);
	assert_fields_named(response, fields, 1);
	http_response_free(response);
	json_decref(same_day);

	json_t *backwards = certification_body(today, yesterday);
	response = post_certification(team.specialist, team.specialist_id, backwards);
	assert_fields_named(response, fields, 1);
	http_response_free(response);
	json_decref(backwards);

	char *id = create_with(team.supervisor, team.specialist_id, current_certification_body());
	char patch[96];
	snprintf(patch, sizeof patch, "{\"expires_on\":\"%s\",\"issued_on\":\"%s\"}", yesterday,
		 today);
	response = patch_certification(id, team.supervisor, patch, NULL);
	assert_fields_named(response, fields, 1);
	http_response_free(response);

	/* Moving only issued_on past the expiry is caught the same way. */
	snprintf(patch, sizeof patch, "{\"issued_on\":\"2999-01-01\"}");
	response = patch_certification(id, team.supervisor, patch, NULL);
	assert_fields_named(response, fields, 1);
	http_response_free(response);

	struct http_response *read = get_certification(id, team.supervisor);
	cr_assert_eq(version_of(read), 1, "a refused PATCH wrote: %s", read->body);
	http_response_free(read);
	free(id);
	team_free(&team);
}

Test(certifications, invalid_fields_are_all_named)
{
	struct team team;
	team_create(&team);
	char path[128];
	snprintf(path, sizeof path, "/v1/specialists/%s/certifications", team.specialist_id);
	struct http_response *response = http_send(&(struct http_request){
		.method = "POST",
		.path = path,
		.token = team.supervisor,
		.content_type = "application/json",
		.body = "{\"credential\":\"CPS\",\"issuing_authority\":\"Oregon Health Authority\","
			"\"state\":\"XX\",\"number\":\"A-1\",\"issued_on\":\"2025-02-30\","
			"\"expires_on\":\"2027-13-01\",\"training_hours\":-1,\"ceu_hours\":1.234,"
			"\"ceu_requirement\":{\"total_hours\":20.125},"
			"\"status\":\"expired\",\"effective_status\":\"active\",\"color\":"
			"\"blue\"}",
	});
	const char *fields[] = {"state",	  "issued_on",	      "expires_on",
				"training_hours", "ceu_hours",	      "ceu_requirement.total_hours",
				"status",	  "effective_status", "color"};
	assert_fields_named(response, fields, sizeof fields / sizeof fields[0]);
	http_response_free(response);

	response = http_send(&(struct http_request){.method = "POST",
						    .path = path,
						    .token = team.supervisor,
						    .content_type = "application/json",
						    .body = "{}"});
	const char *required[] = {"credential", "issuing_authority", "state",
				  "number",	"issued_on",	     "expires_on"};
	assert_fields_named(response, required, sizeof required / sizeof required[0]);
	http_response_free(response);

	/* Nothing was recorded. */
	struct http_response *list = http_get(path, team.supervisor);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	http_response_free(list);
	team_free(&team);
}

/* Changing */

Test(certifications, supervisor_suspends_and_revokes)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.supervisor, team.specialist_id, current_certification_body());
	verify_expect(id, team.supervisor, 200);
	cr_assert(own_certified(team.specialist));

	struct http_response *suspended =
		patch_certification(id, team.supervisor, "{\"status\":\"suspended\"}", "\"2\"");
	cr_assert_eq(suspended->status, 200, "%s", suspended->body);
	cr_assert_str_eq(member(suspended, "status"), "suspended");
	cr_assert_str_eq(member(suspended, "effective_status"), "suspended");
	cr_assert_eq(version_of(suspended), 3);
	char *etag = http_header(suspended, "ETag");
	cr_assert_str_eq(etag, "\"3\"");
	cr_assert(!own_certified(team.specialist), "certified while suspended");
	cr_assert(!specialist_certified(team.specialist_id));

	struct http_response *revoked =
		patch_certification(id, team.supervisor, "{\"status\":\"revoked\"}", NULL);
	cr_assert_eq(revoked->status, 200, "%s", revoked->body);
	cr_assert_str_eq(member(revoked, "effective_status"), "revoked");
	cr_assert(!own_certified(team.specialist));
	http_response_free(revoked);
	free(etag);
	http_response_free(suspended);
	free(id);
	team_free(&team);
}

Test(certifications, if_match_mismatch_is_412)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.supervisor, team.specialist_id, current_certification_body());
	struct http_response *stale =
		patch_certification(id, team.supervisor, "{\"number\":\"renumbered\"}", "\"7\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	struct http_response *read = get_certification(id, team.supervisor);
	cr_assert_eq(version_of(read), 1);
	cr_assert_str_neq(member(read, "number"), "renumbered");
	struct http_response *current =
		patch_certification(id, team.supervisor, "{\"ceu_hours\":3}", "\"1\"");
	cr_assert_eq(current->status, 200, "%s", current->body);
	cr_assert_eq(version_of(current), 2);
	http_response_free(current);
	http_response_free(read);
	http_response_free(stale);
	free(id);
	team_free(&team);
}

Test(certifications, unchanged_patch_keeps_the_version)
{
	struct team team;
	team_create(&team);
	json_t *body = current_certification_body();
	json_object_set_new(body, "training_hours", json_real(40.5));
	struct http_response *created =
		post_certification(team.supervisor, team.specialist_id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char patch[256];
	snprintf(patch, sizeof patch,
		 "{\"number\":\"%s\",\"status\":\"pending\",\"training_hours\":40.5}",
		 member(created, "number"));
	struct http_response *same =
		patch_certification(member(created, "id"), team.supervisor, patch, NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(version_of(same), 1, "%s", same->body);
	cr_assert_str_eq(member(same, "updated_at"), member(created, "updated_at"));
	http_response_free(same);
	http_response_free(created);
	json_decref(body);
	team_free(&team);
}

Test(certifications, specialist_corrects_only_own_pending_certification)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	char number[96];
	unique_name("corrected", number, sizeof number);
	char patch[160];
	snprintf(patch, sizeof patch, "{\"number\":\"%s\"}", number);
	struct http_response *corrected = patch_certification(id, team.specialist, patch, NULL);
	cr_assert_eq(corrected->status, 200, "%s", corrected->body);
	cr_assert_str_eq(member(corrected, "number"), number);
	cr_assert_str_eq(member(corrected, "status"), "pending");
	http_response_free(corrected);

	patch_expect(id, team.specialist, "{\"status\":\"active\"}", 403);
	patch_expect(id, team.specialist,
		     "{\"ceu_requirement\":{\"total_hours\":20,\"ethics_hours\":6,"
		     "\"peer_specific_hours\":4}}",
		     403);
	assert_effective_status(id, team.specialist, "pending");
	cr_assert(!own_certified(team.specialist));

	/* Once verified, it is the supervisor's to change. */
	verify_expect(id, team.supervisor, 200);
	patch_expect(id, team.specialist, "{\"number\":\"changed-after-verification\"}", 409);
	struct http_response *read = get_certification(id, team.specialist);
	cr_assert_str_eq(member(read, "number"), number);
	http_response_free(read);
	free(id);
	team_free(&team);
}

/* Listing */

Test(certifications, expiring_within_days_lists_the_organization_soonest_first)
{
	struct team team, other;
	team_create(&team);
	team_create(&other);
	char colleague_subject[96];
	char *colleague = create_specialist(team.organization_id, "peer", colleague_subject,
					    sizeof colleague_subject);
	char issued[16], past[16], today[16], in10[16], in100[16], in5[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("-5 days", past, sizeof past);
	day_from_today("0 days", today, sizeof today);
	day_from_today("10 days", in10, sizeof in10);
	day_from_today("100 days", in100, sizeof in100);
	day_from_today("5 days", in5, sizeof in5);
	char *expires_in100 = create_certification(team.specialist_id, "active", issued, in100);
	char *expired = create_certification(team.specialist_id, "active", issued, past);
	char *expires_in10 = create_certification(colleague, "pending", issued, in10);
	char *expires_today = create_certification(team.specialist_id, "active", issued, today);
	char *elsewhere = create_certification(other.specialist_id, "active", issued, in5);

	char ids[1024], expected[1024];
	list_ids("/v1/certifications?expiring_within_days=30", team.supervisor, ids, sizeof ids);
	const char *within30[] = {expires_today, expires_in10};
	join_ids(within30, 2, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "within 30 days");

	list_ids("/v1/certifications?expiring_within_days=100", team.supervisor, ids, sizeof ids);
	const char *within100[] = {expires_today, expires_in10, expires_in100};
	join_ids(within100, 3, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "within 100 days");

	/* One a page, the cursor walks the same order. */
	list_ids("/v1/certifications?expiring_within_days=100&limit=1", team.supervisor, ids,
		 sizeof ids);
	cr_assert_str_eq(ids, expected, "within 100 days, one a page");

	list_ids("/v1/certifications?expiring_within_days=0", team.supervisor, ids, sizeof ids);
	cr_assert_str_eq(ids, expires_today, "within 0 days");

	/* Without the filter: every one of the organization's, soonest first. */
	list_ids("/v1/certifications?limit=200", team.supervisor, ids, sizeof ids);
	const char *all[] = {expired, expires_today, expires_in10, expires_in100};
	join_ids(all, 4, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "the organization's certifications");

	/* The other organization sees only its own. */
	list_ids("/v1/certifications?expiring_within_days=100", other.supervisor, ids, sizeof ids);
	cr_assert_str_eq(ids, elsewhere);

	/* An admin narrows to one organization. */
	char path[256];
	snprintf(path, sizeof path,
		 "/v1/certifications?expiring_within_days=100&organization_id=%s",
		 team.organization_id);
	char *admin = admin_token();
	list_ids(path, admin, ids, sizeof ids);
	join_ids(within100, 3, expected, sizeof expected);
	cr_assert_str_eq(ids, expected, "an admin's view of one organization");
	free(admin);

	free(elsewhere);
	free(expires_today);
	free(expires_in10);
	free(expired);
	free(expires_in100);
	free(colleague);
	team_free(&other);
	team_free(&team);
}

Test(certifications, specialist_lists_only_own_certifications)
{
	struct team team;
	team_create(&team);
	char colleague_subject[96];
	char *colleague = create_specialist(team.organization_id, "peer", colleague_subject,
					    sizeof colleague_subject);
	char issued[16], in20[16], in10[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("20 days", in20, sizeof in20);
	day_from_today("10 days", in10, sizeof in10);
	char *own = create_certification(team.specialist_id, "active", issued, in20);
	char *theirs = create_certification(colleague, "active", issued, in10);
	char ids[512];
	list_ids("/v1/certifications?expiring_within_days=30", team.specialist, ids, sizeof ids);
	cr_assert_str_eq(ids, own);
	list_ids("/v1/certifications?limit=10", team.specialist, ids, sizeof ids);
	cr_assert_str_eq(ids, own);
	char path[160];
	snprintf(path, sizeof path, "/v1/certifications?specialist_id=%s", colleague);
	list_ids(path, team.specialist, ids, sizeof ids);
	cr_assert_str_eq(ids, "", "a colleague's certifications through the filter");
	struct http_response *read = get_certification(theirs, team.specialist);
	cr_assert_eq(read->status, 404, "%s", read->body);
	http_response_free(read);
	free(theirs);
	free(own);
	free(colleague);
	team_free(&team);
}

Test(certifications, bad_list_parameters_are_400)
{
	struct team team;
	team_create(&team);
	const char *paths[] = {
		"/v1/certifications?expiring_within_days=-1",
		"/v1/certifications?expiring_within_days=abc",
		"/v1/certifications?expiring_within_days=3651",
		"/v1/certifications?expiring_within_days=1.5",
		"/v1/certifications?expiring_within_days=",
		"/v1/certifications?expiring_in_days=30",
		"/v1/certifications?status=expired",
		"/v1/certifications?limit=0",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_response *response = http_get(paths[i], team.supervisor);
		cr_expect_eq(response->status, 400, "%s: %s", paths[i], response->body);
		char *type = http_header(response, "Content-Type");
		cr_expect(type && strcmp(type, "application/problem+json") == 0, "%s", paths[i]);
		free(type);
		http_response_free(response);
	}
	struct http_response *widest =
		http_get("/v1/certifications?expiring_within_days=3650", team.supervisor);
	cr_assert_eq(widest->status, 200, "%s", widest->body);
	http_response_free(widest);
	team_free(&team);
}

/* Continuing education */

Test(certifications, specialist_records_continuing_education)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	char today[16], last_month[16];
	day_from_today("0 days", today, sizeof today);
	day_from_today("-1 month", last_month, sizeof last_month);

	struct http_response *created = post_ceu(id, team.specialist, today, 1.5, "ethics");
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_str_eq(member(created, "certification_id"), id);
	cr_assert_str_eq(member(created, "completed_on"), today);
	cr_assert_str_eq(member(created, "category"), "ethics");
	cr_assert_str_eq(member(created, "title"), "Trauma-informed care");
	cr_assert_str_eq(member(created, "provider"), "Oregon Peer Network");
	cr_assert_float_eq(number_at(created->json, "hours"), 1.5, 1e-9);
	char *location = http_header(created, "Location");
	char expected_location[192];
	snprintf(expected_location, sizeof expected_location, "/v1/certifications/%s/ceus/%s", id,
		 member(created, "id"));
	cr_assert_str_eq(location, expected_location);
	struct http_response *read = http_get(location, team.specialist);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, created->json), "GET returns what POST returned:\n%s\n%s",
		  created->body, read->body);
	struct http_response *by_supervisor = http_get(location, team.supervisor);
	cr_assert_eq(by_supervisor->status, 200, "%s", by_supervisor->body);

	struct http_response *second =
		post_ceu(id, team.supervisor, last_month, 3, "peer_specific");
	cr_assert_eq(second->status, 201, "%s", second->body);
	char path[160];
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
	struct http_response *list = http_get(path, team.specialist);
	cr_assert_eq(list->status, 200, "%s", list->body);
	json_t *items = json_object_get(list->json, "items");
	cr_assert_eq(json_array_size(items), 2, "%s", list->body);
	bool found = false;
	size_t index;
	json_t *item;
	json_array_foreach (items, index, item)
		found |= json_equal(item, created->json);
	cr_assert(found, "the list holds the entry as created: %s", list->body);

	/* An entry is found only under its own certification. */
	char *other =
		create_with(team.specialist, team.specialist_id, current_certification_body());
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus/%s", other, member(created, "id"));
	struct http_response *wrong_parent = http_get(path, team.specialist);
	cr_assert_eq(wrong_parent->status, 404, "%s", wrong_parent->body);

	http_response_free(wrong_parent);
	free(other);
	http_response_free(list);
	http_response_free(second);
	http_response_free(by_supervisor);
	http_response_free(read);
	free(location);
	http_response_free(created);
	free(id);
	team_free(&team);
}

Test(certifications, continuing_education_rules)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	char tomorrow[16], today[16];
	day_from_today("1 day", tomorrow, sizeof tomorrow);
	day_from_today("0 days", today, sizeof today);
	const char *completed_on[] = {"completed_on"};
	const char *hours[] = {"hours"};

	struct http_response *response = post_ceu(id, team.specialist, tomorrow, 2, "other");
	assert_fields_named(response, completed_on, 1);
	http_response_free(response);

	response = post_ceu(id, team.specialist, today, 0, "other");
	assert_fields_named(response, hours, 1);
	http_response_free(response);

	response = post_ceu(id, team.specialist, today, 1.125, "other");
	assert_fields_named(response, hours, 1);
	http_response_free(response);

	char path[160];
	snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
	response = http_send(&(struct http_request){
		.method = "POST",
		.path = path,
		.token = team.specialist,
		.content_type = "application/json",
		.body = "{\"completed_on\":\"2025-02-29\",\"hours\":-2,\"category\":\"yoga\","
			"\"title\":\"\",\"id\":\"x\",\"color\":\"blue\"}"});
	const char *all[] = {"completed_on", "hours", "category", "title", "id", "color"};
	assert_fields_named(response, all, sizeof all / sizeof all[0]);
	http_response_free(response);

	struct http_response *list = http_get(path, team.specialist);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	http_response_free(list);
	free(id);
	team_free(&team);
}

Test(certifications, renewal_counts_hours_against_the_requirement)
{
	struct team team;
	team_create(&team);
	/* Issued three years ago, expiring in a year: the cycle began two years before the
	 * expiry, a year ago. */
	char issued[16], expires[16], cycle_start[16];
	day_from_today("-3 years", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from(expires, "-2 years", cycle_start, sizeof cycle_start);
	json_t *body = certification_body(issued, expires);
	json_object_set_new(body, "ceu_requirement",
			    json_pack("{s:i, s:i, s:i}", "total_hours", 20, "ethics_hours", 6,
				      "peer_specific_hours", 4));
	struct http_response *created =
		post_certification(team.supervisor, team.specialist_id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	json_t *requirement = json_object_get(created->json, "ceu_requirement");
	cr_assert_float_eq(number_at(requirement, "total_hours"), 20, 1e-9);
	cr_assert_float_eq(number_at(requirement, "ethics_hours"), 6, 1e-9);
	cr_assert_float_eq(number_at(requirement, "peer_specific_hours"), 4, 1e-9);
	const char *id = member(created, "id");

	struct expected_renewal expected = {.cycle_start = cycle_start, .missing = 20};
	assert_renewal(id, team.specialist, &expected);

	char one_month[16], two_months[16], three_months[16], before_cycle[16], today[16];
	day_from_today("-1 month", one_month, sizeof one_month);
	day_from_today("-2 months", two_months, sizeof two_months);
	day_from_today("-3 months", three_months, sizeof three_months);
	day_from_today("-18 months", before_cycle, sizeof before_cycle);
	day_from_today("0 days", today, sizeof today);
	add_ceu(id, team.specialist, three_months, 8, "other");
	add_ceu(id, team.specialist, two_months, 5, "peer_specific");
	add_ceu(id, team.specialist, one_month, 3, "ethics");
	/* After the issue day but before the cycle: not counted. */
	add_ceu(id, team.specialist, before_cycle, 10, "peer_specific");
	/* 16 of 20 done, 3 ethics hours short: 4 missing. */
	expected = (struct expected_renewal){.cycle_start = cycle_start,
					     .peer_specific = 5,
					     .ethics = 3,
					     .other = 8,
					     .total = 16,
					     .missing = 4};
	assert_renewal(id, team.specialist, &expected);

	/* 26 hours, but still 3 ethics hours short. */
	add_ceu(id, team.specialist, today, 10, "other");
	expected.other = 18;
	expected.total = 26;
	expected.missing = 3;
	assert_renewal(id, team.specialist, &expected);

	/* Exactly the ethics hours required, completed on the cycle's first day. */
	add_ceu(id, team.specialist, cycle_start, 3, "ethics");
	expected.ethics = 6;
	expected.total = 29;
	expected.missing = 0;
	expected.ready = true;
	assert_renewal(id, team.supervisor, &expected);

	http_response_free(created);
	json_decref(body);
	team_free(&team);
}

Test(certifications, renewal_ready_at_exactly_the_total)
{
	struct team team;
	team_create(&team);
	char issued[16], expires[16], today[16];
	day_from_today("-1 year", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from_today("0 days", today, sizeof today);
	char *id = create_with(team.specialist, team.specialist_id,
			       certification_body(issued, expires));
	/* The supervisor sets the state's rule later; the category minimums default to 0. */
	struct http_response *patched = patch_certification(
		id, team.supervisor, "{\"ceu_requirement\":{\"total_hours\":10}}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	json_t *requirement = json_object_get(patched->json, "ceu_requirement");
	cr_assert_float_eq(number_at(requirement, "total_hours"), 10, 1e-9, "%s", patched->body);
	cr_assert_float_eq(number_at(requirement, "ethics_hours"), 0, 1e-9, "%s", patched->body);
	cr_assert_float_eq(number_at(requirement, "peer_specific_hours"), 0, 1e-9, "%s",
			   patched->body);
	http_response_free(patched);

	add_ceu(id, team.specialist, today, 4.5, "suicide_prevention");
	add_ceu(id, team.specialist, today, 5.25, "other");
	struct expected_renewal expected = {.cycle_start = issued,
					    .suicide_prevention = 4.5,
					    .other = 5.25,
					    .total = 9.75,
					    .missing = 0.25};
	assert_renewal(id, team.specialist, &expected);
	add_ceu(id, team.specialist, today, 0.25, "other");
	expected.other = 5.5;
	expected.total = 10;
	expected.missing = 0;
	expected.ready = true;
	assert_renewal(id, team.specialist, &expected);
	free(id);
	team_free(&team);
}

Test(certifications, renewal_cycle_starts_on_a_later_issue_day)
{
	struct team team;
	team_create(&team);
	char issued[16], expires[16], before_issue[16];
	day_from_today("-6 months", issued, sizeof issued);
	day_from_today("1 year", expires, sizeof expires);
	day_from_today("-9 months", before_issue, sizeof before_issue);
	json_t *body = certification_body(issued, expires);
	json_object_set_new(body, "ceu_requirement",
			    json_pack("{s:i, s:i, s:i}", "total_hours", 20, "ethics_hours", 6,
				      "peer_specific_hours", 4));
	char *id = create_with(team.supervisor, team.specialist_id, body);
	add_ceu(id, team.specialist, before_issue, 12, "ethics");
	add_ceu(id, team.specialist, issued, 2, "peer_specific");
	/* 2 of 20: total short by 18; categories by 6 + 2. */
	struct expected_renewal expected = {
		.cycle_start = issued, .peer_specific = 2, .total = 2, .missing = 18};
	assert_renewal(id, team.specialist, &expected);
	free(id);
	team_free(&team);
}

Test(certifications, renewal_without_requirement_is_ready)
{
	struct team team;
	team_create(&team);
	char issued[16], expires[16], today[16], cycle_start[16];
	day_from_today("-3 years", issued, sizeof issued);
	day_from_today("6 months", expires, sizeof expires);
	day_from_today("0 days", today, sizeof today);
	day_from(expires, "-2 years", cycle_start, sizeof cycle_start);
	char *id = create_with(team.supervisor, team.specialist_id,
			       certification_body(issued, expires));
	struct http_response *read = get_certification(id, team.specialist);
	cr_assert(json_is_null(json_object_get(read->json, "ceu_requirement")), "%s", read->body);
	http_response_free(read);
	struct expected_renewal expected = {.cycle_start = cycle_start, .ready = true};
	assert_renewal(id, team.specialist, &expected);
	add_ceu(id, team.specialist, today, 2, "ethics");
	expected.ethics = 2;
	expected.total = 2;
	assert_renewal(id, team.specialist, &expected);
	free(id);
	team_free(&team);
}

/* Another organization's certification is never revealed */

Test(certifications, another_organizations_certification_is_not_found)
{
	struct team team, other;
	team_create(&team);
	team_create(&other);
	char today[16];
	day_from_today("0 days", today, sizeof today);
	char *id = create_with(team.specialist, team.specialist_id, current_certification_body());
	struct http_response *ceu = post_ceu(id, team.specialist, today, 2, "ethics");
	cr_assert_eq(ceu->status, 201, "%s", ceu->body);

	char *tokens[] = {other.supervisor, other.specialist};
	for (size_t t = 0; t < 2; t++) {
		const char *token = tokens[t];
		char path[192];
		struct http_response *read = get_certification(id, token);
		cr_expect_eq(read->status, 404, "GET: %s", read->body);
		http_response_free(read);

		struct http_response *patched =
			patch_certification(id, token, "{\"number\":\"taken-over\"}", NULL);
		cr_expect_eq(patched->status, 404, "PATCH: %s", patched->body);
		http_response_free(patched);

		/* It cannot read the certification: it guesses the first version. */
		snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
		struct http_response *verified = http_post_if_match(path, token, NULL, "\"1\"");
		cr_expect_eq(verified->status, t == 0 ? 404 : 403, "verify: %s", verified->body);
		http_response_free(verified);

		snprintf(path, sizeof path, "/v1/certifications/%s/ceus", id);
		struct http_response *list = http_get(path, token);
		cr_expect_eq(list->status, 404, "GET ceus: %s", list->body);
		http_response_free(list);

		struct http_response *added = post_ceu(id, token, today, 1, "other");
		cr_expect_eq(added->status, 404, "POST ceus: %s", added->body);
		http_response_free(added);

		snprintf(path, sizeof path, "/v1/certifications/%s/ceus/%s", id, member(ceu, "id"));
		struct http_response *entry = http_get(path, token);
		cr_expect_eq(entry->status, 404, "GET a ceu: %s", entry->body);
		http_response_free(entry);
	}

	/* None of it took effect. */
	struct http_response *read = get_certification(id, team.supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_eq(version_of(read), 1, "%s", read->body);
	cr_assert_str_eq(member(read, "status"), "pending");
	cr_assert_float_eq(number_at(json_object_get(read->json, "renewal"), "hours_total"), 2,
			   1e-9, "%s", read->body);
	http_response_free(read);
	http_response_free(ceu);
	free(id);
	team_free(&other);
	team_free(&team);
}

Test(certifications, unknown_and_malformed_ids_are_404)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.supervisor, team.specialist_id, current_certification_body());
	const char *unknown = "00000000-0000-4000-8000-000000000000";
	json_t *certification = current_certification_body();
	char *valid = json_dumps(certification, JSON_COMPACT);
	json_decref(certification);
	struct {
		const char *method;
		char path[192];
		const char *body;
	} requests[] = {
		{"GET", "", NULL},  {"PATCH", "", "{\"number\":\"x\"}"},
		{"POST", "", NULL}, {"GET", "", NULL},
		{"GET", "", NULL},  {"GET", "", NULL},
		{"GET", "", NULL},  {"POST", "", valid},
	};
	snprintf(requests[0].path, sizeof requests[0].path, "/v1/certifications/%s", unknown);
	snprintf(requests[1].path, sizeof requests[1].path, "/v1/certifications/%s", unknown);
	snprintf(requests[2].path, sizeof requests[2].path, "/v1/certifications/%s/verify",
		 unknown);
	snprintf(requests[3].path, sizeof requests[3].path, "/v1/certifications/%s/ceus", unknown);
	snprintf(requests[4].path, sizeof requests[4].path, "/v1/certifications/%s/ceus/%s", id,
		 unknown);
	snprintf(requests[5].path, sizeof requests[5].path, "/v1/certifications/not-a-uuid");
	snprintf(requests[6].path, sizeof requests[6].path, "/v1/certifications/%s/ceus/not-a-uuid",
		 id);
	snprintf(requests[7].path, sizeof requests[7].path, "/v1/specialists/%s/certifications",
		 unknown);
	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
		struct http_response *response = http_send(&(struct http_request){
			.method = requests[i].method,
			.path = requests[i].path,
			.token = team.supervisor,
			.content_type = requests[i].body ? "application/json" : NULL,
			.body = requests[i].body});
		cr_expect_eq(response->status, 404, "%s %s: %s", requests[i].method,
			     requests[i].path, response->body);
		http_response_free(response);
	}
	free(valid);
	free(id);
	team_free(&team);
}

Test(certifications, patch_follows_the_status_graph)
{
	struct team team;
	team_create(&team);
	char *id = create_with(team.supervisor, team.specialist_id, current_certification_body());
	/* pending → suspended is no move of the graph; pending → active by PATCH is a verification.
	 */
	patch_expect(id, team.supervisor, "{\"status\":\"suspended\"}", 409);
	struct http_response *activated =
		patch_certification(id, team.supervisor, "{\"status\":\"active\"}", "\"1\"");
	cr_assert_eq(activated->status, 200, "%s", activated->body);
	cr_assert_str_eq(member(activated, "verified_by"), team.supervisor_subject);
	cr_assert(own_certified(team.specialist));
	/* active → pending would leave a verifier on an unverified certification. */
	patch_expect(id, team.supervisor, "{\"status\":\"pending\"}", 409);
	patch_expect(id, team.supervisor, "{\"status\":\"suspended\"}", 200);
	patch_as_read_expect(id, team.supervisor, "{\"status\":\"active\"}", 200);
	patch_expect(id, team.supervisor, "{\"status\":\"revoked\"}", 200);
	/* Revoked is final, by PATCH as by /verify. */
	patch_as_read_expect(id, team.supervisor, "{\"status\":\"active\"}", 409);
	patch_expect(id, team.supervisor, "{\"status\":\"suspended\"}", 409);
	assert_effective_status(id, team.supervisor, "revoked");
	cr_assert(!own_certified(team.specialist));

	/* A lapsed certification cannot be made active by PATCH either. */
	char issued[16], expired[16];
	day_from_today("-3 years", issued, sizeof issued);
	day_from_today("-1 day", expired, sizeof expired);
	char *lapsed = create_with(team.supervisor, team.specialist_id,
				   certification_body(issued, expired));
	patch_as_read_expect(lapsed, team.supervisor, "{\"status\":\"active\"}", 409);
	assert_effective_status(lapsed, team.supervisor, "pending");
	free(lapsed);
	http_response_free(activated);
	free(id);
	team_free(&team);
}
