/* Goals (API.md, Goals): goals in the participant's own words across the eight wellness
 * domains, the status rules between achieved_on, status_reason and the status graph,
 * progress ratings, and who may see them (the organization's supervisors and the
 * specialist the participant's referral is assigned to). Every test makes its own
 * organizations, specialists and participants: the suite runs in parallel against one
 * server and one database. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "world.h"

/* A goal body every route that writes one accepts. */
#define SOME_GOAL     "{\"domain\":\"social\",\"statement\":\"See my friends once a week.\"}"
#define SOME_PROGRESS "{\"recorded_on\":\"2026-02-02\",\"rating\":5}"

/* prefix/id followed by suffix ("" for none). */
static char *path_of(const char *prefix, const char *id, const char *suffix)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/%s%s", prefix, id, suffix) > 0);
	return path;
}

static long long version_of(const struct http_response *response)
{
	return json_integer_value(json_object_get(response->json, "version"));
}

/* The UTC day days from now, as YYYY-MM-DD. */
static void utc_day(int days, char out[11])
{
	time_t at = time(NULL) + (time_t)days * 86400;
	struct tm utc;
	cr_assert(gmtime_r(&at, &utc));
	cr_assert_eq(strftime(out, 11, "%Y-%m-%d", &utc), 10);
}

/* The organization's own day (sql/002: peerd_organization_today) moved by days. */
static void organization_day(const char *organization_id, int days, char out[11])
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT to_char(peerd_organization_today($1) + %d, 'YYYY-MM-DD')",
		 days);
	char *day = test_sql_text(sql, 1, (const char *const[]){organization_id});
	snprintf(out, 11, "%s", day);
	free(day);
}

/* A provider organization with a supervisor, and a participant whose referral is
 * assigned to a certified specialist of it. */
struct caseload {
	char *organization_id;
	char supervisor_subject[96];
	char *supervisor; /* token */
	char subject[96]; /* the specialist's */
	char *specialist_id;
	char *specialist; /* token */
	char *referral_id;
	char participant_id[64];
	char *goals; /* /v1/participants/{id}/goals */
};

static void caseload_open(struct caseload *c)
{
	c->organization_id = create_organization("provider");
	unique_name("supervisor", c->supervisor_subject, sizeof c->supervisor_subject);
	c->supervisor = token_for_subject("supervisor", c->organization_id, c->supervisor_subject);
	c->specialist_id = certified_specialist(c->organization_id, c->subject, sizeof c->subject);
	c->specialist = token_for_subject("specialist", c->organization_id, c->subject);
	c->referral_id = assigned_referral(c->supervisor, c->specialist_id, c->participant_id,
					   sizeof c->participant_id);
	c->goals = path_of("/v1/participants", c->participant_id, "/goals");
}

static void caseload_close(struct caseload *c)
{
	free(c->goals);
	free(c->referral_id);
	free(c->specialist);
	free(c->specialist_id);
	free(c->supervisor);
	free(c->organization_id);
}

/* Creates a goal on goals_path as token and returns its id (the caller frees it). */
static char *create_goal(const char *goals_path, const char *token, const char *body)
{
	struct http_response *created = http_post(goals_path, token, body);
	cr_assert_eq(created->status, 201, "%s: %s", body, created->body);
	char *id = strdup(http_string(created, "id"));
	return id;
}

static struct http_response *patch_goal(const char *goal_id, const char *token, const char *body,
					const char *if_match)
{
	char *path = path_of("/v1/goals", goal_id, "");
	struct http_response *response = http_patch(path, token, body, if_match);
	free(path);
	return response;
}

static struct http_response *get_goal(const char *goal_id, const char *token)
{
	char *path = path_of("/v1/goals", goal_id, "");
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

/* PATCHes the goal and asserts the status, and (for a 422) that field is named. */
static void assert_patch(const char *goal_id, const char *token, const char *body, long status,
			 const char *field)
{
	struct http_response *response = patch_goal(goal_id, token, body, NULL);
	cr_assert_eq(response->status, status, "%s: %s", body, response->body);
	if (field)
		assert_error_names(response, field);
}

/* POSTs a goal and asserts a 422 naming field. */
static void assert_goal_refused(const char *goals_path, const char *token, const char *body,
				const char *field)
{
	struct http_response *response = http_post(goals_path, token, body);
	cr_assert_eq(response->status, 422, "%s: %s", body, response->body);
	assert_error_names(response, field);
}

/* Asserts that listing path gives exactly the ids, in order. */
static void assert_listed(const char *path, const char *token, const char *const *ids, size_t count)
{
	char listed[2048], expected[2048];
	list_ids(path, token, listed, sizeof listed);
	join_ids(ids, count, expected, sizeof expected);
	cr_assert_str_eq(listed, expected, "%s", path);
}

TestSuite(goals, .init = arena_open, .fini = arena_close);

Test(goals, specialist_and_supervisor_write_goals_and_list_them)
{
	struct caseload c;
	caseload_open(&c);

	struct http_response *created = http_post(
		c.goals, c.specialist,
		"{\"domain\":\"emotional\",\"statement\":\"Get through a bad night without the "
		"ER.\",\"strengths\":[\"My sister\",\"Journaling\"],\"steps\":[{\"text\":\"Call "
		"the warmline early\",\"done\":true},{\"text\":\"Write three lines each "
		"night\"}],\"target_date\":\"2027-03-01\"}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *emotional = strdup(http_string(created, "id"));
	char *location = http_header(created, "Location");
	char *expected_location = path_of("/v1/goals", emotional, "");
	cr_assert_str_eq(location, expected_location);
	cr_assert_str_eq(http_string(created, "participant_id"), c.participant_id);
	cr_assert_str_eq(http_string(created, "domain"), "emotional");
	cr_assert_str_eq(http_string(created, "statement"),
			 "Get through a bad night without the ER.");
	json_t *strengths = json_pack("[s, s]", "My sister", "Journaling");
	cr_assert(json_equal(json_object_get(created->json, "strengths"), strengths), "%s",
		  created->body);
	json_t *steps = json_pack("[{s:s, s:b}, {s:s, s:b}]", "text", "Call the warmline early",
				  "done", 1, "text", "Write three lines each night", "done", 0);
	cr_assert(json_equal(json_object_get(created->json, "steps"), steps),
		  "done defaults to false: %s", created->body);
	cr_assert_str_eq(http_string(created, "target_date"), "2027-03-01");
	cr_assert_str_eq(http_string(created, "status"), "active");
	cr_assert(json_is_null(json_object_get(created->json, "achieved_on")), "%s", created->body);
	cr_assert(json_is_null(json_object_get(created->json, "status_reason")), "%s",
		  created->body);
	cr_assert_str_eq(http_string(created, "created_by"), c.subject);
	cr_assert_eq(version_of(created), 1);
	cr_assert(http_string(created, "created_at") && http_string(created, "updated_at"));

	assert_read_back(http_get(location, c.specialist), created, "\"1\"");

	/* The least a goal needs. */
	struct http_response *minimal =
		http_post(c.goals, c.specialist,
			  "{\"domain\":\"social\",\"statement\":\"Join the Tuesday group.\"}");
	cr_assert_eq(minimal->status, 201, "%s", minimal->body);
	char *social = strdup(http_string(minimal, "id"));
	cr_assert_eq(json_array_size(json_object_get(minimal->json, "strengths")), 0);
	cr_assert(json_is_array(json_object_get(minimal->json, "strengths")));
	cr_assert_eq(json_array_size(json_object_get(minimal->json, "steps")), 0);
	cr_assert(json_is_array(json_object_get(minimal->json, "steps")));
	cr_assert(json_is_null(json_object_get(minimal->json, "target_date")), "%s", minimal->body);

	/* A supervisor of the organization writes one too, under their own name. */
	struct http_response *by_supervisor =
		http_post(c.goals, c.supervisor,
			  "{\"domain\":\"emotional\",\"statement\":\"Sleep through the night.\"}");
	cr_assert_eq(by_supervisor->status, 201, "%s", by_supervisor->body);
	char *supervised = strdup(http_string(by_supervisor, "id"));
	cr_assert_str_eq(http_string(by_supervisor, "created_by"), c.supervisor_subject);
	struct http_response *supervisor_reads = get_goal(emotional, c.supervisor);
	cr_assert_eq(supervisor_reads->status, 200, "%s", supervisor_reads->body);

	assert_patch(social, c.specialist,
		     "{\"status\":\"paused\",\"status_reason\":\"Group is on break.\"}", 200, NULL);

	char path[256];
	const char *all[] = {supervised, social, emotional};
	snprintf(path, sizeof path, "%s?limit=50", c.goals);
	assert_listed(path, c.specialist, all, 3);
	assert_listed(path, c.supervisor, all, 3);
	snprintf(path, sizeof path, "%s?limit=1", c.goals);
	assert_listed(path, c.specialist, all, 3);
	const char *emotional_ones[] = {supervised, emotional};
	snprintf(path, sizeof path, "%s?domain=emotional", c.goals);
	assert_listed(path, c.specialist, emotional_ones, 2);
	const char *social_ones[] = {social};
	snprintf(path, sizeof path, "%s?domain=social", c.goals);
	assert_listed(path, c.specialist, social_ones, 1);
	snprintf(path, sizeof path, "%s?status=active", c.goals);
	assert_listed(path, c.specialist, emotional_ones, 2);
	snprintf(path, sizeof path, "%s?status=paused", c.goals);
	assert_listed(path, c.specialist, social_ones, 1);
	snprintf(path, sizeof path, "%s?status=achieved", c.goals);
	assert_listed(path, c.specialist, NULL, 0);
	snprintf(path, sizeof path, "%s?domain=social&status=active", c.goals);
	assert_listed(path, c.specialist, NULL, 0);
	snprintf(path, sizeof path, "%s?domain=emotional&status=active&limit=1", c.goals);
	assert_listed(path, c.specialist, emotional_ones, 2);

	/* One page of one: a cursor to the next. */
	snprintf(path, sizeof path, "%s?limit=1", c.goals);
	struct http_response *first = http_get(path, c.specialist);
	cr_assert_eq(first->status, 200, "%s", first->body);
	cr_assert_eq(json_array_size(json_object_get(first->json, "items")), 1);
	cr_assert(http_string(first, "next_cursor"), "%s", first->body);

	const char *malformed[] = {"?domain=happiness", "?status=done", "?limit=0",
				   "?limit=201",	"?sort=newest", "?cursor=%%%"};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		snprintf(path, sizeof path, "%s%s", c.goals, malformed[i]);
		struct http_response *response = http_get(path, c.specialist);
		cr_assert_eq(response->status, 400, "%s: %s", path, response->body);
	}

	free(supervised);
	free(social);
	json_decref(steps);
	json_decref(strengths);
	free(expected_location);
	free(location);
	free(emotional);
	caseload_close(&c);
}

Test(goals, the_eight_domains_and_every_broken_field)
{
	struct caseload c;
	caseload_open(&c);
	static const char *const DOMAINS[] = {"emotional",    "financial",    "social",
					      "spiritual",    "occupational", "physical",
					      "intellectual", "environmental"};
	char *ids[8];
	char body[256], path[256];
	for (size_t i = 0; i < 8; i++) {
		snprintf(body, sizeof body, "{\"domain\":\"%s\",\"statement\":\"A %s goal.\"}",
			 DOMAINS[i], DOMAINS[i]);
		struct http_response *created = http_post(c.goals, c.specialist, body);
		cr_assert_eq(created->status, 201, "%s: %s", DOMAINS[i], created->body);
		cr_assert_str_eq(http_string(created, "domain"), DOMAINS[i]);
		ids[i] = strdup(http_string(created, "id"));
	}
	for (size_t i = 0; i < 8; i++) {
		snprintf(path, sizeof path, "%s?domain=%s", c.goals, DOMAINS[i]);
		assert_listed(path, c.specialist, (const char *const *)&ids[i], 1);
	}

	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"happiness\",\"statement\":\"Be happy.\"}", "domain");
	assert_goal_refused(c.goals, c.specialist, "{\"domain\":\"Social\",\"statement\":\"x\"}",
			    "domain");
	assert_goal_refused(c.goals, c.specialist, "{\"domain\":\"social\",\"statement\":\"\"}",
			    "statement");

	/* 1..2000 characters, not bytes: 2000 two-byte characters are fine, 2001 are not. */
	size_t size = 2001 * 2 + 128;
	char *long_body = malloc(size);
	cr_assert(long_body);
	int used = snprintf(long_body, size, "{\"domain\":\"social\",\"statement\":\"");
	for (int i = 0; i < 2000; i++)
		used += snprintf(long_body + used, size - (size_t)used, "\xc3\xa9");
	snprintf(long_body + used, size - (size_t)used, "\"}");
	struct http_response *longest = http_post(c.goals, c.specialist, long_body);
	cr_assert_eq(longest->status, 201, "%.200s", longest->body);
	char *longest_id = strdup(http_string(longest, "id"));
	used = snprintf(long_body, size, "{\"domain\":\"social\",\"statement\":\"");
	for (int i = 0; i < 2001; i++)
		used += snprintf(long_body + used, size - (size_t)used, "a");
	snprintf(long_body + used, size - (size_t)used, "\"}");
	assert_goal_refused(c.goals, c.specialist, long_body, "statement");
	free(long_body);

	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"steps\":[{\"done\":"
			    "true}]}",
			    "steps[0].text");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"steps\":[{\"text\":"
			    "\"Shoes\"},{\"text\":\"Park\",\"due\":\"2027-01-01\"}]}",
			    "steps[1].due");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"steps\":[{\"text\":"
			    "\"Shoes\",\"done\":\"yes\"}]}",
			    "steps[0].done");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"strengths\":"
			    "[\"Music\",\"Music\"]}",
			    "strengths[1]");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"priority\":\"high\"}",
			    "priority");
	snprintf(body, sizeof body,
		 "{\"domain\":\"social\",\"statement\":\"Walk.\",\"participant_id\":\"%s\"}",
		 c.participant_id);
	assert_goal_refused(c.goals, c.specialist, body, "participant_id");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"target_date\":"
			    "\"2027-02-30\"}",
			    "target_date");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"status\":"
			    "\"achieved\"}",
			    "achieved_on");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"status\":\"paused\"}",
			    "status_reason");
	assert_goal_refused(c.goals, c.specialist,
			    "{\"domain\":\"social\",\"statement\":\"Walk.\",\"achieved_on\":"
			    "\"2026-01-01\"}",
			    "achieved_on");

	/* Every broken field at once. */
	struct http_response *empty = http_post(c.goals, c.specialist, "{\"status\":\"done\"}");
	cr_assert_eq(empty->status, 422, "%s", empty->body);
	assert_error_names(empty, "domain");
	assert_error_names(empty, "statement");
	assert_error_names(empty, "status");
	char *content_type = http_header(empty, "Content-Type");
	cr_assert(content_type && strstr(content_type, "application/problem+json"), "%s",
		  content_type);
	free(content_type);

	/* Nothing refused was stored. */
	const char *stored[] = {longest_id, ids[7], ids[6], ids[5], ids[4],
				ids[3],	    ids[2], ids[1], ids[0]};
	snprintf(path, sizeof path, "%s?limit=200", c.goals);
	assert_listed(path, c.specialist, stored, 9);

	/* The server's fields cannot be written by a PATCH either. */
	snprintf(body, sizeof body, "{\"participant_id\":\"%s\"}", c.participant_id);
	assert_patch(ids[0], c.specialist, body, 422, "participant_id");
	assert_patch(ids[0], c.specialist, "{\"created_by\":\"someone\"}", 422, "created_by");
	assert_patch(ids[0], c.specialist, "{\"domain\":\"happiness\"}", 422, "domain");
	assert_patch(ids[0], c.specialist, "{\"domain\":null}", 422, "domain");
	assert_patch(ids[0], c.specialist, "{\"status\":null}", 422, "status");
	assert_patch(ids[0], c.specialist, "{\"steps\":[{\"done\":false}]}", 422, "steps[0].text");

	free(longest_id);
	for (size_t i = 0; i < 8; i++)
		free(ids[i]);
	caseload_close(&c);
}

Test(goals, status_rules)
{
	struct caseload c;
	caseload_open(&c);
	char future[11], body[256];
	utc_day(2, future);
	char *goal = create_goal(c.goals, c.specialist,
				 "{\"domain\":\"occupational\",\"statement\":\"Get a part-time "
				 "job.\",\"target_date\":\"2027-06-01\"}");

	/* achieved needs achieved_on, on a day already come. */
	assert_patch(goal, c.specialist, "{\"status\":\"achieved\"}", 422, "achieved_on");
	snprintf(body, sizeof body, "{\"status\":\"achieved\",\"achieved_on\":\"%s\"}", future);
	assert_patch(goal, c.specialist, body, 422, "achieved_on");
	/* achieved_on belongs only to an achieved goal. */
	assert_patch(goal, c.specialist, "{\"achieved_on\":\"2026-03-01\"}", 422, "achieved_on");

	struct http_response *achieved =
		patch_goal(goal, c.specialist,
			   "{\"status\":\"achieved\",\"achieved_on\":\"2026-03-01\"}", "\"1\"");
	cr_assert_eq(achieved->status, 200, "%s", achieved->body);
	cr_assert_str_eq(http_string(achieved, "status"), "achieved");
	cr_assert_str_eq(http_string(achieved, "achieved_on"), "2026-03-01");
	cr_assert_eq(version_of(achieved), 2);

	/* Off the graph: achieved → paused. */
	assert_patch(goal, c.specialist,
		     "{\"status\":\"paused\",\"status_reason\":\"Hours were cut.\"}", 409, NULL);
	assert_patch(goal, c.specialist, "{\"status\":\"discontinued\",\"status_reason\":\"x\"}",
		     409, NULL);

	/* Back to active: achieved_on goes without the client sending it. */
	struct http_response *reopened =
		patch_goal(goal, c.specialist, "{\"status\":\"active\"}", "\"2\"");
	cr_assert_eq(reopened->status, 200, "%s", reopened->body);
	cr_assert_str_eq(http_string(reopened, "status"), "active");
	cr_assert(json_is_null(json_object_get(reopened->json, "achieved_on")), "%s",
		  reopened->body);
	cr_assert_eq(version_of(reopened), 3);
	struct http_response *reread = get_goal(goal, c.specialist);
	cr_assert(json_equal(reread->json, reopened->json), "%s", reread->body);

	/* paused and discontinued need a reason. */
	assert_patch(goal, c.specialist, "{\"status\":\"paused\"}", 422, "status_reason");
	assert_patch(goal, c.specialist, "{\"status\":\"paused\",\"status_reason\":\"\"}", 422,
		     "status_reason");
	assert_patch(goal, c.specialist, "{\"status\":\"discontinued\"}", 422, "status_reason");
	struct http_response *paused =
		patch_goal(goal, c.specialist,
			   "{\"status\":\"paused\",\"status_reason\":\"Hours were cut.\"}", NULL);
	cr_assert_eq(paused->status, 200, "%s", paused->body);
	cr_assert_str_eq(http_string(paused, "status_reason"), "Hours were cut.");
	/* The reason may not be dropped while paused. */
	assert_patch(goal, c.specialist, "{\"status_reason\":null}", 422, "status_reason");
	/* paused → achieved is on the graph. */
	snprintf(body, sizeof body, "{\"status\":\"achieved\",\"achieved_on\":\"2026-04-01\"}");
	assert_patch(goal, c.supervisor, body, 200, NULL);
	assert_patch(goal, c.supervisor, "{\"status\":\"active\"}", 200, NULL);

	/* active → discontinued, then off the graph to paused and achieved. */
	char *other = create_goal(c.goals, c.specialist,
				  "{\"domain\":\"financial\",\"statement\":\"Open a bank "
				  "account.\"}");
	assert_patch(other, c.specialist, "{\"status\":\"discontinued\"}", 422, "status_reason");
	struct http_response *discontinued =
		patch_goal(other, c.specialist,
			   "{\"status\":\"discontinued\",\"status_reason\":\"Chose a credit union "
			   "instead.\"}",
			   NULL);
	cr_assert_eq(discontinued->status, 200, "%s", discontinued->body);
	cr_assert_str_eq(http_string(discontinued, "status"), "discontinued");
	assert_patch(other, c.specialist, "{\"status\":\"paused\",\"status_reason\":\"Later.\"}",
		     409, NULL);
	assert_patch(other, c.specialist,
		     "{\"status\":\"achieved\",\"achieved_on\":\"2026-05-01\"}", 409, NULL);
	assert_patch(other, c.specialist, "{\"status\":\"active\"}", 200, NULL);

	/* If-Match that does not hold → 412, nothing written. */
	struct http_response *before = get_goal(goal, c.specialist);
	long long version = version_of(before);
	cr_assert_gt(version, 3);
	struct http_response *stale =
		patch_goal(goal, c.specialist, "{\"statement\":\"Get a full-time job.\"}", "\"1\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	/* A PATCH that changes nothing keeps the version. */
	struct http_response *same =
		patch_goal(goal, c.specialist, "{\"statement\":\"Get a part-time job.\"}", NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(version_of(same), version, "%s", same->body);
	struct http_response *after = get_goal(goal, c.specialist);
	cr_assert(json_equal(after->json, before->json), "%s\n%s", after->body, before->body);
	char *etag = http_header(after, "ETag");
	char expected_etag[32];
	snprintf(expected_etag, sizeof expected_etag, "\"%lld\"", version);
	cr_assert_str_eq(etag, expected_etag);
	/* A matching If-Match lets a change through. */
	struct http_response *changed = patch_goal(
		goal, c.specialist,
		"{\"statement\":\"Get a full-time job.\",\"steps\":[{\"text\":\"Update the "
		"resume\"}],\"target_date\":null}",
		expected_etag);
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(version_of(changed), version + 1);
	cr_assert(json_is_null(json_object_get(changed->json, "target_date")), "%s", changed->body);
	cr_assert(json_is_false(json_object_get(
			  json_array_get(json_object_get(changed->json, "steps"), 0), "done")),
		  "%s", changed->body);

	free(etag);
	free(other);
	free(goal);
	caseload_close(&c);
}

/* API.md: "A PATCH that changes nothing does not bump version" — also when it sets to
 * null a member that is already null (or, for strengths, already empty), or sends back
 * the steps as they were created, with done left to its default. */
Test(goals, a_patch_that_changes_nothing_keeps_the_version)
{
	struct caseload c;
	caseload_open(&c);
	char *goal = create_goal(c.goals, c.specialist,
				 "{\"domain\":\"physical\",\"statement\":\"Walk to the park.\","
				 "\"steps\":[{\"text\":\"Find my shoes\"}]}");
	const char *patches[] = {
		"{\"statement\":\"Walk to the park.\"}",
		"{\"steps\":[{\"text\":\"Find my shoes\",\"done\":false}]}",
		"{\"target_date\":null}",
		"{\"status_reason\":null}",
		"{\"achieved_on\":null}",
		"{\"strengths\":null}",
		"{\"steps\":[{\"text\":\"Find my shoes\"}]}",
	};
	for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
		struct http_response *response = patch_goal(goal, c.specialist, patches[i], NULL);
		cr_expect_eq(response->status, 200, "%s: %s", patches[i], response->body);
		cr_expect_eq(version_of(response), 1, "%s bumped the version: %s", patches[i],
			     response->body);
	}
	struct http_response *after = get_goal(goal, c.specialist);
	cr_expect_eq(version_of(after), 1, "%s", after->body);
	free(goal);
	caseload_close(&c);
}

Test(goals, progress)
{
	struct caseload c;
	caseload_open(&c);
	char *goal = create_goal(c.goals, c.specialist,
				 "{\"domain\":\"spiritual\",\"statement\":\"Get back to the "
				 "choir.\"}");
	char *progress = path_of("/v1/goals", goal, "/progress");

	struct http_response *first =
		http_post(progress, c.specialist,
			  "{\"recorded_on\":\"2026-09-01\",\"rating\":3,\"note\":\"Went once, "
			  "left early.\"}");
	cr_assert_eq(first->status, 201, "%s", first->body);
	char *first_id = strdup(http_string(first, "id"));
	char *location = http_header(first, "Location");
	char suffix[128];
	snprintf(suffix, sizeof suffix, "/progress/%s", first_id);
	char *expected_location = path_of("/v1/goals", goal, suffix);
	cr_assert_str_eq(location, expected_location);
	cr_assert_str_eq(http_string(first, "goal_id"), goal);
	cr_assert_str_eq(http_string(first, "recorded_on"), "2026-09-01");
	cr_assert_eq(json_integer_value(json_object_get(first->json, "rating")), 3);
	cr_assert_str_eq(http_string(first, "note"), "Went once, left early.");
	cr_assert_str_eq(http_string(first, "recorded_by"), c.subject);
	cr_assert_eq(version_of(first), 1);
	assert_read_back(http_get(location, c.specialist), first, "\"1\"");

	/* The ends of the scale, no note, the organization's today, and the supervisor's
	 * hand. */
	char today[11], yesterday[11], future[11], body[256];
	organization_day(c.organization_id, 0, today);
	organization_day(c.organization_id, -1, yesterday);
	organization_day(c.organization_id, 2, future);
	snprintf(body, sizeof body, "{\"recorded_on\":\"%s\",\"rating\":0}", yesterday);
	struct http_response *second = http_post(progress, c.specialist, body);
	cr_assert_eq(second->status, 201, "%s", second->body);
	cr_assert(json_is_null(json_object_get(second->json, "note")), "%s", second->body);
	snprintf(body, sizeof body,
		 "{\"recorded_on\":\"%s\",\"rating\":10,\"note\":\"Sang a solo.\"}", today);
	struct http_response *third = http_post(progress, c.supervisor, body);
	cr_assert_eq(third->status, 201, "%s", third->body);
	cr_assert_str_eq(http_string(third, "recorded_by"), c.supervisor_subject);

	/* Newest first, whatever the days recorded. */
	const char *newest_first[] = {http_string(third, "id"), http_string(second, "id"),
				      first_id};
	char path[256];
	snprintf(path, sizeof path, "%s?limit=50", progress);
	assert_listed(path, c.specialist, newest_first, 3);
	snprintf(path, sizeof path, "%s?limit=1", progress);
	assert_listed(path, c.supervisor, newest_first, 3);
	snprintf(path, sizeof path, "%s?rating=3", progress);
	struct http_response *unknown_filter = http_get(path, c.specialist);
	cr_assert_eq(unknown_filter->status, 400, "%s", unknown_filter->body);

	struct {
		const char *body, *field;
	} refused[] = {
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":11}", "rating"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":-1}", "rating"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":7.5}", "rating"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":\"7\"}", "rating"},
		{"{\"recorded_on\":\"2026-09-02\"}", "rating"},
		{"{\"rating\":4}", "recorded_on"},
		{"{\"recorded_on\":\"09/02/2026\",\"rating\":4}", "recorded_on"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":4,\"note\":\"\"}", "note"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":4,\"mood\":\"ok\"}", "mood"},
		{"{\"recorded_on\":\"2026-09-02\",\"rating\":4,\"goal_id\":\"x\"}", "goal_id"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct http_response *response = http_post(progress, c.specialist, refused[i].body);
		cr_assert_eq(response->status, 422, "%s: %s", refused[i].body, response->body);
		assert_error_names(response, refused[i].field);
	}
	snprintf(body, sizeof body, "{\"recorded_on\":\"%s\",\"rating\":4}", future);
	struct http_response *ahead = http_post(progress, c.specialist, body);
	cr_assert_eq(ahead->status, 422, "%s: %s", body, ahead->body);
	assert_error_names(ahead, "recorded_on");
	snprintf(path, sizeof path, "%s?limit=50", progress);
	assert_listed(path, c.specialist, newest_first, 3);

	/* Another goal's entry is not this goal's. */
	char *other = create_goal(c.goals, c.specialist,
				  "{\"domain\":\"social\",\"statement\":\"Call my brother.\"}");
	char *other_progress = path_of("/v1/goals", other, "/progress");
	struct http_response *elsewhere = http_post(other_progress, c.specialist, SOME_PROGRESS);
	cr_assert_eq(elsewhere->status, 201, "%s", elsewhere->body);
	char *crossed = path_of(progress, http_string(elsewhere, "id"), "");
	struct http_response *not_here = http_get(crossed, c.specialist);
	cr_assert_eq(not_here->status, 404, "%s", not_here->body);
	char *own = path_of(other_progress, http_string(elsewhere, "id"), "");
	struct http_response *there = http_get(own, c.specialist);
	cr_assert_eq(there->status, 200, "%s", there->body);
	const char *others[] = {http_string(elsewhere, "id")};
	snprintf(path, sizeof path, "%s?limit=50", other_progress);
	assert_listed(path, c.specialist, others, 1);
	/* No such goal, no such entry. */
	char *nowhere = path_of("/v1/goals", "00000000-0000-4000-8000-000000000000", "/progress");
	struct http_response *no_goal = http_post(nowhere, c.specialist, SOME_PROGRESS);
	cr_assert_eq(no_goal->status, 404, "%s", no_goal->body);
	struct http_response *no_goal_list = http_get(nowhere, c.specialist);
	cr_assert_eq(no_goal_list->status, 404, "%s", no_goal_list->body);
	char *no_entry = path_of(progress, "00000000-0000-4000-8000-000000000000", "");
	struct http_response *missing = http_get(no_entry, c.specialist);
	cr_assert_eq(missing->status, 404, "%s", missing->body);

	free(no_entry);
	free(nowhere);
	free(own);
	free(crossed);
	free(other_progress);
	free(other);
	free(expected_location);
	free(location);
	free(first_id);
	free(progress);
	free(goal);
	caseload_close(&c);
}

/* Asserts that every goal route answers status to token: list, create, read and change a
 * goal, list, add and read its progress. */
static void assert_every_route(const char *who, const char *token, const char *goals_path,
			       const char *goal_id, const char *progress_id, long status)
{
	char *goal = path_of("/v1/goals", goal_id, "");
	char *progress = path_of(goal, "progress", "");
	char *entry = path_of(progress, progress_id, "");
	struct {
		const char *what;
		struct http_response *response;
	} calls[] = {
		{"list goals", http_get(goals_path, token)},
		{"create a goal", http_post(goals_path, token, SOME_GOAL)},
		{"read the goal", http_get(goal, token)},
		{"change the goal", http_patch(goal, token, "{\"statement\":\"Not mine.\"}", NULL)},
		{"list progress", http_get(progress, token)},
		{"add progress", http_post(progress, token, SOME_PROGRESS)},
		{"read progress", http_get(entry, token)},
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		cr_assert_eq(calls[i].response->status, status, "%s: %s: %s", who, calls[i].what,
			     calls[i].response->body);
		if (status >= 400) {
			char *type = http_header(calls[i].response, "Content-Type");
			cr_assert(type && strstr(type, "application/problem+json"), "%s: %s: %s",
				  who, calls[i].what, type);
			free(type);
		}
	}
	free(entry);
	free(progress);
	free(goal);
}

/* Asserts that the goal, its progress and the participant's goal list are as they were
 * (one goal, one entry, version 1). */
static void assert_untouched(const struct caseload *c, const char *goal_id, const char *progress_id)
{
	const char *goals[] = {goal_id};
	char path[256];
	snprintf(path, sizeof path, "%s?limit=50", c->goals);
	assert_listed(path, c->supervisor, goals, 1);
	struct http_response *goal = get_goal(goal_id, c->supervisor);
	cr_assert_eq(version_of(goal), 1, "%s", goal->body);
	const char *entries[] = {progress_id};
	snprintf(path, sizeof path, "/v1/goals/%s/progress?limit=50", goal_id);
	assert_listed(path, c->supervisor, entries, 1);
}

/* Records SOME_PROGRESS on goal_id as token; returns the answer, asserted 201. */
static struct http_response *progress_added(const char *goal_id, const char *token)
{
	char *progress = path_of("/v1/goals", goal_id, "/progress");
	struct http_response *entry = http_post(progress, token, SOME_PROGRESS);
	cr_assert_eq(entry->status, 201, "%s", entry->body);
	free(progress);
	return entry;
}

/* A caseload whose specialist has written a goal and one progress entry; writes the ids. */
static void caseload_with_progress(struct caseload *c, char goal_id[64], char progress_id[64])
{
	caseload_open(c);
	char *goal = create_goal(c->goals, c->specialist, SOME_GOAL);
	snprintf(goal_id, 64, "%s", goal);
	struct http_response *entry = progress_added(goal, c->specialist);
	snprintf(progress_id, 64, "%s", http_string(entry, "id"));
	free(goal);
}

Test(goals, only_the_assigned_specialist_and_the_organization_see_goals)
{
	struct caseload c;
	char goal[64], entry[64];
	caseload_with_progress(&c, goal, entry);

	struct actor colleague;
	specialist_actor_open(&colleague, c.organization_id, true);
	char *elsewhere = create_organization("provider");
	char *wrong_org = token_for_subject("specialist", elsewhere, c.subject);
	char *outsider = token_for("supervisor", elsewhere);
	char *partner_here = token_for("partner", c.organization_id);
	char *reporter_here = token_for("reporter", c.organization_id);
	char *partner_org = create_organization("partner");
	char *partner = token_for("partner", partner_org);
	const struct {
		const char *who, *token;
		long status;
	} refused[] = {
		/* A specialist of the same organization, not assigned to this person. */
		{"unassigned specialist", colleague.token, 404},
		/* A specialist token with the right subject but another organization's claim
		 * names no profile there: refused before anything is read (sql/019). */
		{"specialist claiming another org", wrong_org, 403},
		{"supervisor of another organization", outsider, 404},
		/* Partners and reporters never reach goals, not even in the participant's own
		 * organization. */
		{"partner", partner_here, 403},
		{"reporter", reporter_here, 403},
		{"a partner organization's partner", partner, 403},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_every_route(refused[i].who, refused[i].token, c.goals, goal, entry,
				   refused[i].status);
	/* Nor does the unassigned colleague see the person. */
	char listed[256];
	list_ids("/v1/participants?limit=200", colleague.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "");

	assert_untouched(&c, goal, entry);

	/* No such participant, no such goal. */
	const char *nobody = "00000000-0000-4000-8000-000000000000";
	char *nobodys = path_of("/v1/participants", nobody, "/goals");
	assert_every_route("supervisor, nobody's goals", c.supervisor, nobodys, nobody, nobody,
			   404);
	free(nobodys);
	char *not_a_uuid = path_of("/v1/goals", "not-a-uuid", "");
	struct http_response *malformed = http_get(not_a_uuid, c.supervisor);
	cr_assert_eq(malformed->status, 404, "%s", malformed->body);
	free(not_a_uuid);

	/* An admin reaches everything. */
	char *admin = admin_token();
	struct http_response *by_admin = get_goal(goal, admin);
	cr_assert_eq(by_admin->status, 200, "%s", by_admin->body);
	struct http_response *admin_creates = http_post(c.goals, admin, SOME_GOAL);
	cr_assert_eq(admin_creates->status, 201, "%s", admin_creates->body);

	free(admin);
	free(partner);
	free(partner_org);
	free(reporter_here);
	free(partner_here);
	free(outsider);
	free(wrong_org);
	free(elsewhere);
	caseload_close(&c);
}

Test(goals, a_walk_in_is_the_supervisors_alone)
{
	char *org = create_organization("provider");
	char *supervisor = token_for("supervisor", org);
	struct http_response *walk_in = http_post("/v1/participants", supervisor,
						  "{\"given_name\":\"Jordan\",\"family_name\":"
						  "\"Lee\"}");
	cr_assert_eq(walk_in->status, 201, "%s", walk_in->body);
	char *goals = path_of("/v1/participants", http_string(walk_in, "id"), "/goals");
	char *goal = create_goal(goals, supervisor, SOME_GOAL);
	struct http_response *entry = progress_added(goal, supervisor);

	/* A certified specialist of the organization with no referral for this person. */
	struct actor specialist;
	specialist_actor_open(&specialist, org, true);
	assert_every_route("specialist", specialist.token, goals, goal, http_string(entry, "id"),
			   404);

	free(goal);
	free(goals);
	free(supervisor);
	free(org);
}

Test(goals, reassignment_moves_the_goals_with_the_referral)
{
	struct caseload c;
	char goal[64], entry[64];
	caseload_with_progress(&c, goal, entry);
	struct actor next;
	specialist_actor_open(&next, c.organization_id, true);
	assert_every_route("the next specialist, before", next.token, c.goals, goal, entry, 404);

	char *assignment = path_of("/v1/referrals", c.referral_id, "/assignment");
	char body[160];
	snprintf(body, sizeof body, "{\"specialist_id\":\"%s\"}", next.id);
	struct http_response *moved = http_post(assignment, c.supervisor, body);
	cr_assert_eq(moved->status, 200, "%s", moved->body);

	assert_every_route("the first specialist, after", c.specialist, c.goals, goal, entry, 404);
	assert_untouched(&c, goal, entry);

	/* The next one takes over what the first wrote. */
	struct http_response *read = get_goal(goal, next.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert_str_eq(http_string(read, "created_by"), c.subject);
	const char *goals[] = {goal};
	char path[256];
	snprintf(path, sizeof path, "%s?limit=50", c.goals);
	assert_listed(path, next.token, goals, 1);
	struct http_response *changed =
		patch_goal(goal, next.token, "{\"strengths\":[\"Shows up\"]}", "\"1\"");
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(version_of(changed), 2);
	char *progress = path_of("/v1/goals", goal, "/progress");
	struct http_response *added = http_post(progress, next.token, SOME_PROGRESS);
	cr_assert_eq(added->status, 201, "%s", added->body);
	cr_assert_str_eq(http_string(added, "recorded_by"), next.subject);
	char *earlier = path_of(progress, entry, "");
	struct http_response *earlier_entry = http_get(earlier, next.token);
	cr_assert_eq(earlier_entry->status, 200, "%s", earlier_entry->body);
	cr_assert_str_eq(http_string(earlier_entry, "recorded_by"), c.subject);
	struct http_response *created = http_post(c.goals, next.token, SOME_GOAL);
	cr_assert_eq(created->status, 201, "%s", created->body);

	free(earlier);
	free(progress);
	free(assignment);
	caseload_close(&c);
}

/* Days are the organization's (sql/002: "every 'today' or 'the day of' goes through
 * peerd_organization_day"), so "in the future" means after the organization's today.
 * A UTC clock gets this wrong part of every day: Guam's today (UTC+10) is UTC's tomorrow
 * from 14:00 UTC, and Oregon's tomorrow is UTC's today until 07:00/08:00 UTC; at other
 * hours these two tests pass whatever the server's rule. */
Test(goals, guam_records_progress_on_its_own_today)
{
	char *admin = admin_token();
	char name[96];
	unique_name("Guam organization", name, sizeof name);
	json_t *guam_body = json_pack("{s:s, s:s, s:s, s:[s]}", "name", name, "kind", "provider",
				      "state", "GU", "counties", "Guam");
	struct http_response *guam = http_send_json("POST", "/v1/organizations", admin, guam_body);
	cr_assert_eq(guam->status, 201, "%s", guam->body);
	const char *guam_id = http_string(guam, "id");
	char *supervisor = token_for("supervisor", guam_id);
	struct http_response *walk_in =
		http_post("/v1/participants", supervisor,
			  "{\"given_name\":\"Mia\",\"family_name\":\"Cruz\"}");
	cr_assert_eq(walk_in->status, 201, "%s", walk_in->body);
	char *goals = path_of("/v1/participants", http_string(walk_in, "id"), "/goals");
	char *goal = create_goal(goals, supervisor, SOME_GOAL);
	char *progress = path_of("/v1/goals", goal, "/progress");

	char today[11], body[256];
	organization_day(guam_id, 0, today);
	snprintf(body, sizeof body, "{\"recorded_on\":\"%s\",\"rating\":6}", today);
	struct http_response *recorded = http_post(progress, supervisor, body);
	cr_expect_eq(recorded->status, 201, "Guam's today (%s) refused: %s", today, recorded->body);
	snprintf(body, sizeof body, "{\"status\":\"achieved\",\"achieved_on\":\"%s\"}", today);
	struct http_response *achieved = patch_goal(goal, supervisor, body, NULL);
	cr_expect_eq(achieved->status, 200, "Guam's today (%s) refused: %s", today, achieved->body);

	free(progress);
	free(goal);
	free(goals);
	free(supervisor);
	json_decref(guam_body);
	free(admin);
}

Test(goals, oregons_tomorrow_is_the_future)
{
	struct caseload c;
	caseload_open(&c);
	char tomorrow[11], body[256];
	organization_day(c.organization_id, 1, tomorrow);
	char *goal = create_goal(c.goals, c.specialist, SOME_GOAL);
	char *progress = path_of("/v1/goals", goal, "/progress");
	snprintf(body, sizeof body, "{\"recorded_on\":\"%s\",\"rating\":6}", tomorrow);
	struct http_response *ahead = http_post(progress, c.specialist, body);
	cr_expect_eq(ahead->status, 422, "Oregon's tomorrow (%s) accepted: %s", tomorrow,
		     ahead->body);
	snprintf(body, sizeof body, "{\"status\":\"achieved\",\"achieved_on\":\"%s\"}", tomorrow);
	struct http_response *early = patch_goal(goal, c.specialist, body, NULL);
	cr_expect_eq(early->status, 422, "Oregon's tomorrow (%s) accepted: %s", tomorrow,
		     early->body);
	free(progress);
	free(goal);
	caseload_close(&c);
}

/* API.md: "every broken field is listed" — by its name: an item of steps that is not an
 * object is steps[0], as a missing text in one is steps[0].text. */
Test(goals, a_step_that_is_not_an_object_is_named)
{
	struct caseload c;
	caseload_open(&c);
	struct http_response *response =
		http_post(c.goals, c.specialist,
			  "{\"domain\":\"social\",\"statement\":\"Walk.\",\"steps\":[\"Shoes\"]}");
	cr_expect_eq(response->status, 422, "%s", response->body);
	json_t *error = json_array_get(json_object_get(response->json, "errors"), 0);
	const char *field = json_string_value(json_object_get(error, "field"));
	cr_expect(field && strcmp(field, "steps[0]") == 0, "named %s: %s", field, response->body);
	caseload_close(&c);
}
