/* If-Match on the POSTs that change a stored resource (README, "API conventions").
 * Verifying a certification, signing and co-signing a note attest to what the caller read,
 * so they require If-Match: 428 without it. Referral moves, assignment and addenda honour
 * it when it is sent. Each test reads the resource, lets another client change it, and
 * sends the action with the ETag it read: 412 naming the current ETag, and nothing
 * written (the resource, its version, the audit trail). Then the action goes through with
 * the current ETag, and the answer names the new one. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"

/* One organization's records (tests/support/fixtures.c) and its callers. */
struct scene {
	struct records records;
	char *supervisor; /* tokens */
	char *specialist;
	char path[160]; /* the resource the test acts on */
};

static void scene_close(void *scene)
{
	records_free(&((struct scene *)scene)->records);
	free(scene);
}

/* Makes the records and names the one of collection ("/v1/referrals") the test acts on;
 * the test's arena closes it. */
static struct scene *scene_open(const char *collection)
{
	struct scene *scene = calloc(1, sizeof *scene);
	cr_assert(scene);
	records_create(&scene->records);
	arena_keep(scene, scene_close);
	scene->supervisor = arena_text(token_for("supervisor", scene->records.organization));
	scene->specialist = arena_text(token_for_subject("specialist", scene->records.organization,
							 scene->records.specialist_subject));
	char pattern[64];
	snprintf(pattern, sizeof pattern, "%s/{id}", collection);
	fill_with_records(pattern, &scene->records, scene->path, sizeof scene->path);
	return scene;
}

/* The resource's ETag as token reads it now, kept by the arena. */
static char *etag_now(const struct scene *scene, const char *token)
{
	struct http_response *read = http_get(scene->path, token);
	cr_assert_eq(read->status, 200, "GET %s: %s", scene->path, read->body);
	char *etag = http_header(read, "ETag");
	cr_assert(etag, "GET %s sends no ETag", scene->path);
	return arena_text(etag);
}

/* Sends POST path+suffix as token with body (or none), If-Match: if_match (or none) and
 * X-Request-Id: request_id. */
static struct http_response *act(const struct scene *scene, const char *suffix, const char *token,
				 const char *body, const char *if_match, const char *request_id)
{
	char path[192], precondition[64], traced[96];
	snprintf(path, sizeof path, "%s%s", scene->path, suffix);
	snprintf(precondition, sizeof precondition, "If-Match: %s", if_match ? if_match : "");
	snprintf(traced, sizeof traced, "X-Request-Id: %s", request_id);
	return http_send(&(struct http_request){
		.method = "POST",
		.path = path,
		.token = token,
		.content_type = body ? "application/json" : NULL,
		.body = body,
		.headers = {traced, if_match ? precondition : NULL},
	});
}

static long long audit_events_of_request(const char *request_id)
{
	char *count = arena_text(
		test_sql_text("SELECT (SELECT count(*) FROM audit_inbox WHERE request_id = $1)"
			      " + (SELECT count(*) FROM audit_events WHERE request_id = $1)",
			      1, (const char *const[]){request_id}));
	long long events = atoll(count);
	return events;
}

/* Sends the action with if_match (NULL: none) and asserts status (412 or 428), and that
 * nothing changed: the resource reads as before, and the request left no audit event. */
static void expect_refused(const struct scene *scene, const char *suffix, const char *token,
			   const char *body, const char *if_match, long status)
{
	static unsigned sent;
	char request_id[64];
	snprintf(request_id, sizeof request_id, "precondition-%d-%u-%ld", (int)getpid(), ++sent,
		 random());
	struct http_response *before = http_get(scene->path, token);
	struct http_response *refused = act(scene, suffix, token, body, if_match, request_id);
	cr_assert_eq(refused->status, status, "POST %s%s with If-Match %s: %s", scene->path, suffix,
		     if_match ? if_match : "(none)", refused->body);
	char *type = arena_text(http_header(refused, "Content-Type"));
	cr_assert_str_eq(type, "application/problem+json");
	if (status == 412) {
		char *current = arena_text(http_header(refused, "ETag"));
		char expected[32];
		snprintf(expected, sizeof expected, "\"%lld\"",
			 json_integer_value(json_object_get(before->json, "version")));
		cr_assert_str_eq(current ? current : "", expected,
				 "the 412 names the current ETag");
	}
	struct http_response *after = http_get(scene->path, token);
	cr_assert(json_equal(before->json, after->json), "%s%s changed it:\n%s\n%s", scene->path,
		  suffix, before->body, after->body);
	cr_assert_eq(audit_events_of_request(request_id), 0, "a %ld left an audit event", status);
}

/* Sends the action with if_match (NULL: none), asserts status, and that the answer names
 * the new version in its ETag; returns the answer (free it). */
static struct http_response *expect_done(const struct scene *scene, const char *suffix,
					 const char *token, const char *body, const char *if_match,
					 long status)
{
	struct http_response *done = act(scene, suffix, token, body, if_match, "precondition-done");
	cr_assert_eq(done->status, status, "POST %s%s with If-Match %s: %s", scene->path, suffix,
		     if_match ? if_match : "(none)", done->body);
	char *etag = arena_text(http_header(done, "ETag"));
	char expected[32];
	snprintf(expected, sizeof expected, "\"%lld\"",
		 json_integer_value(json_object_get(done->json, "version")));
	cr_assert_str_eq(etag ? etag : "", expected, "the answer names the new version");
	return done;
}

static void expect_ok(struct http_response *response, long status, const char *what)
{
	cr_assert_eq(response->status, status, "%s: %s", what, response->body);
}

/* Another client's change: POST path+suffix as token with body, without If-Match. */
static void changed_by(const struct scene *scene, const char *suffix, const char *token,
		       const char *body, long status, const char *what)
{
	char path[192];
	snprintf(path, sizeof path, "%s%s", scene->path, suffix);
	expect_ok(http_post(path, token, body), status, what);
}

/* The action as a client takes it after another changed the resource it read: with the
 * ETag it read (stale), 412; where If-Match is required, without one, 428; neither changes
 * anything. Read again, it goes through with status; returns that answer (free it). */
static struct http_response *act_after_change(const struct scene *scene, const char *stale,
					      const char *suffix, const char *token,
					      const char *body, bool required, long status)
{
	expect_refused(scene, suffix, token, body, stale, 412);
	if (required)
		expect_refused(scene, suffix, token, body, NULL, 428);
	return expect_done(scene, suffix, token, body, etag_now(scene, token), status);
}

/* Required where the caller attests */

TestSuite(preconditions, .init = arena_open, .fini = arena_close);

Test(preconditions, verify_requires_the_version_read)
{
	struct scene *scene = scene_open("/v1/certifications");
	char *read = etag_now(scene, scene->supervisor);
	expect_ok(
		http_patch(scene->path, scene->specialist, "{\"expires_on\":\"2099-12-31\"}", NULL),
		200, "the holder corrects it");
	struct http_response *verified =
		act_after_change(scene, read, "/verify", scene->supervisor, NULL, true, 200);
	cr_assert_str_eq(http_string(verified, "status"), "active");
	cr_assert_str_eq(http_string(verified, "expires_on"), "2099-12-31");
}

Test(preconditions, sign_requires_the_version_read)
{
	struct scene *scene = scene_open("/v1/session-notes");
	char *read = etag_now(scene, scene->specialist);
	expect_ok(http_patch(scene->path, scene->supervisor, "{\"plan\":\"Supervisor's words.\"}",
			     NULL),
		  200, "the supervisor edits the draft");
	struct http_response *signed_note =
		act_after_change(scene, read, "/sign", scene->specialist, NULL, true, 200);
	cr_assert_str_eq(http_string(signed_note, "status"), "signed");
}

Test(preconditions, cosign_requires_the_version_read)
{
	struct scene *scene = scene_open("/v1/session-notes");
	expect_ok(http_post_as_read(scene->path, "/sign", scene->specialist, NULL), 200, "signing");
	char *read = etag_now(scene, scene->supervisor);
	changed_by(scene, "/addenda", scene->specialist,
		   "{\"text\":\"Said more after we hung up.\"}", 201,
		   "the author adds an addendum");
	struct http_response *cosigned =
		act_after_change(scene, read, "/cosign", scene->supervisor, NULL, true, 200);
	cr_assert(json_is_string(json_object_get(cosigned->json, "cosigned_by")), "%s",
		  cosigned->body);
}

/* Honoured where the state already guards the change: without If-Match it goes through */

Test(preconditions, addenda_honour_the_version_read)
{
	struct scene *scene = scene_open("/v1/session-notes");
	expect_ok(http_post_as_read(scene->path, "/sign", scene->specialist, NULL), 200, "signing");
	char *read = etag_now(scene, scene->specialist);
	changed_by(scene, "/addenda", scene->supervisor, "{\"text\":\"Checked the billing.\"}", 201,
		   "the supervisor adds an addendum");
	const char *body = "{\"text\":\"Called back on Friday.\"}";
	http_response_free(
		act_after_change(scene, read, "/addenda", scene->specialist, body, false, 201));
	http_response_free(expect_done(scene, "/addenda", scene->specialist, body, NULL, 201));
}

Test(preconditions, referral_moves_honour_the_version_read)
{
	struct scene *scene = scene_open("/v1/referrals");
	char subject[96], to_colleague[160];
	char *colleague = arena_text(
		certified_specialist(scene->records.organization, subject, sizeof subject));
	snprintf(to_colleague, sizeof to_colleague, "{\"specialist_id\":\"%s\"}", colleague);
	char *read = etag_now(scene, scene->supervisor);
	changed_by(scene, "/assignment", scene->supervisor, to_colleague, 200,
		   "another supervisor reassigns it");
	struct http_response *closed = act_after_change(
		scene, read, "/transitions", scene->supervisor,
		"{\"to\":\"closed\",\"reason\":\"Moved out of the county.\"}", false, 200);
	cr_assert_str_eq(http_string(closed, "status"), "closed");
	struct http_response *reopened =
		expect_done(scene, "/transitions", scene->supervisor,
			    "{\"to\":\"accepted\",\"reason\":\"Moved back.\"}", NULL, 200);
	cr_assert_str_eq(http_string(reopened, "status"), "accepted");
}

Test(preconditions, assignment_honours_the_version_read)
{
	struct scene *scene = scene_open("/v1/referrals");
	char subject[96], to_colleague[160], to_first[160];
	char *colleague = arena_text(
		certified_specialist(scene->records.organization, subject, sizeof subject));
	snprintf(to_colleague, sizeof to_colleague, "{\"specialist_id\":\"%s\"}", colleague);
	snprintf(to_first, sizeof to_first, "{\"specialist_id\":\"%s\"}",
		 scene->records.specialist);
	char *read = etag_now(scene, scene->supervisor);
	changed_by(scene, "/assignment", scene->supervisor, to_colleague, 200,
		   "another supervisor reassigns it");
	/* Meant for the referral as read; the colleague holds it now. */
	struct http_response *back = act_after_change(scene, read, "/assignment", scene->supervisor,
						      to_first, false, 200);
	cr_assert_str_eq(http_string(back, "assigned_specialist_id"), scene->records.specialist);
	http_response_free(
		expect_done(scene, "/assignment", scene->supervisor, to_colleague, NULL, 200));
}
