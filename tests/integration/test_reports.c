/* Reports (API.md, Reports): every figure of the summary and caseload reports against what
 * the test made itself, the reports' parameters, and that reporters read reports and
 * nothing else. Every test makes its own organizations and people: the suite runs in
 * parallel against one server and one database. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "private_records.h"
#include "world.h"

TestSuite(reports, .init = arena_open, .fini = arena_close);

/* Adds one to object[key] (object[outer][key] when outer is not NULL). */
static void count_into(json_t *object, const char *outer, const char *key)
{
	if (outer) {
		json_t *inner = json_object_get(object, outer);
		if (!inner) {
			inner = json_object();
			json_object_set_new(object, outer, inner);
		}
		object = inner;
	}
	json_int_t now = json_integer_value(json_object_get(object, key));
	json_object_set_new(object, key, json_integer(now + 1));
}

static void assert_member_equal(const json_t *report, const char *key, const json_t *expected)
{
	json_t *actual = json_object_get(report, key);
	char *want = json_dumps(expected, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *got = actual ? json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
			   : strdup("(missing)");
	cr_assert(actual && json_equal(actual, expected), "%s: expected %s, got %s", key, want,
		  got);
	free(want);
	free(got);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum { PARTNER_A, PARTNER_B };
enum { S1, S2, S3, S4, SPECIALISTS };

/* What each referral becomes; engaged ones by their first note. backdate: how long ago it
 * was submitted (NULL: just now); outside the report's week when over seven days. */
static const struct {
	int partner;
	const char *status;
	int specialist; /* -1: none */
	const char *backdate;
	bool in_range;
} REFERRAL_PLAN[] = {
	{PARTNER_A, "submitted", -1, "10 days", false},
	{PARTNER_A, "submitted", -1, NULL, true},
	{PARTNER_A, "accepted", -1, NULL, true},
	{PARTNER_A, "declined", -1, NULL, true},
	{PARTNER_A, "engaged", S1, "1 day 2 hours", true},
	{PARTNER_A, "assigned", S2, NULL, true},
	{PARTNER_B, "engaged", S1, "2 days 5 hours", true},
	{PARTNER_B, "engaged", S2, "3 days 7 hours 13 minutes", true},
	{PARTNER_B, "engaged", S1, "4 days 1 hour 29 minutes", true},
	{PARTNER_B, "engaged", S1, "12 days", false},
	{PARTNER_B, "completed", S2, "45 days", false},
};
#define REFERRALS (sizeof REFERRAL_PLAN / sizeof REFERRAL_PLAN[0])

/* Notes, in the order written (the first for a referral engages it). days: roughly how
 * long ago, to tell the report's week and the last 30 days. */
static const struct {
	size_t referral;
	int specialist;
	const char *ago;
	int days;
	int minutes;
	const char *modality;
	bool sign;
	int units; /* whole rounding: minutes / 15; text bills nothing */
} NOTE_PLAN[] = {
	{4, S1, "50 minutes", 0, 45, "in_person", true, 3},
	{6, S1, "2 hours", 0, 20, "phone", true, 1},
	{7, S2, "3 hours", 0, 30, "text", true, 0},
	{8, S1, "1 hour 10 minutes", 0, 60, "video", true, 4},
	{4, S1, "40 minutes", 0, 10, "phone", true, 0},
	{8, S1, "30 minutes", 0, 25, "community", false, 0},
	{9, S1, "10 days", 10, 30, "in_person", true, 2},
	{10, S2, "40 days", 40, 15, "in_person", true, 1},
};
#define NOTES (sizeof NOTE_PLAN / sizeof NOTE_PLAN[0])

/* Goals per referral's participant; backdated ones were set before the week. */
static const struct {
	size_t referral;
	const char *domain;
	const char *status;
	bool backdated;
} GOAL_PLAN[] = {
	{4, "emotional", "active", false},    {4, "social", "achieved", false},
	{5, "financial", "active", false},    {6, "emotional", "active", false},
	{6, "occupational", "paused", false}, {7, "physical", "active", false},
	{7, "social", "discontinued", false}, {8, "spiritual", "active", false},
	{9, "emotional", "active", false},    {10, "intellectual", "active", false},
	{0, "environmental", "active", true},
};
#define GOALS (sizeof GOAL_PLAN / sizeof GOAL_PLAN[0])

struct report_world {
	struct world provider;
	char *partners[2];
	char *partner_tokens[2];
	struct actor specialists[SPECIALISTS];
	char *referrals[REFERRALS];
	char participants[REFERRALS][64];
	char *goals[GOALS];
	char *notes[NOTES];
	char *certifications[8];
	int certification_days[8]; /* expires_on - today */
	int certification_owner[8];
	size_t certification_count;
	char today[16], week_ago[16];
};

/* The first active goal of a referral's participant, for its notes. */
static const char *note_goal(const struct report_world *world, size_t referral)
{
	for (size_t g = 0; g < GOALS; g++) {
		if (GOAL_PLAN[g].referral == referral && strcmp(GOAL_PLAN[g].status, "active") == 0)
			return world->goals[g];
	}
	cr_assert_fail("no active goal for referral %zu", referral);
	return NULL;
}

static void add_certification(struct report_world *world, int owner, const char *status,
			      int issued_days, int expires_days)
{
	char issued[16], expires[16];
	organization_day(world->provider.provider, issued_days, issued, sizeof issued);
	organization_day(world->provider.provider, expires_days, expires, sizeof expires);
	size_t i = world->certification_count++;
	cr_assert(i < 8);
	world->certifications[i] =
		create_certification(world->specialists[owner].id, status, issued, expires);
	world->certification_days[i] = expires_days;
	world->certification_owner[i] = owner;
}

static void report_world_open(struct report_world *world)
{
	memset(world, 0, sizeof *world);
	world_build(&world->provider, (struct world_options){0});
	const char *supervisor = world->provider.supervisor.token;
	for (int p = 0; p < 2; p++) {
		world->partners[p] = create_organization("partner");
		world->partner_tokens[p] = token_for("partner", world->partners[p]);
	}
	specialist_actor_open(&world->specialists[S1], world->provider.provider, true);
	specialist_actor_open(&world->specialists[S2], world->provider.provider, true);
	specialist_actor_open(&world->specialists[S3], world->provider.provider, false);
	specialist_actor_open(&world->specialists[S4], world->provider.provider, false);
	/* The certifications report's material: S3 holds pending ones only (so is not
	 * certified), S4 one that is active through today. */
	add_certification(world, S3, "pending", -300, 10);
	add_certification(world, S3, "pending", -300, 45);
	add_certification(world, S3, "pending", -700, -5);
	add_certification(world, S4, "active", -700, 0);
	organization_day(world->provider.provider, 0, world->today, sizeof world->today);
	organization_day(world->provider.provider, -7, world->week_ago, sizeof world->week_ago);
	/* S1 takes at most 12. */
	char *path = text_of("/v1/specialists/%s", world->specialists[S1].id);
	struct http_response *patched =
		http_patch(path, world->provider.admin.token, "{\"max_caseload\":12}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	free(path);

	for (size_t r = 0; r < REFERRALS; r++) {
		world->referrals[r] = refer(world->partner_tokens[REFERRAL_PLAN[r].partner],
					    world->provider.provider, world->participants[r],
					    sizeof world->participants[r]);
		if (REFERRAL_PLAN[r].backdate)
			backdate_referral(world->referrals[r], REFERRAL_PLAN[r].backdate);
		const char *status = REFERRAL_PLAN[r].status;
		if (strcmp(status, "declined") == 0) {
			transition_ok(supervisor, world->referrals[r], "declined",
				      "Outside our service area.");
			continue;
		}
		if (strcmp(status, "submitted") != 0)
			transition_ok(supervisor, world->referrals[r], "accepted", NULL);
		if (REFERRAL_PLAN[r].specialist >= 0)
			assign_ok(supervisor, world->referrals[r],
				  world->specialists[REFERRAL_PLAN[r].specialist].id);
	}
	for (size_t g = 0; g < GOALS; g++) {
		world->goals[g] = goal_ok(supervisor, world->participants[GOAL_PLAN[g].referral],
					  GOAL_PLAN[g].domain, GOAL_PLAN[g].status, world->today);
		if (GOAL_PLAN[g].backdated)
			backdate_goal(world->goals[g], "10 days");
	}
	for (size_t n = 0; n < NOTES; n++) {
		char at[32];
		instant_ago(NOTE_PLAN[n].ago, at, sizeof at);
		const struct actor *author = &world->specialists[NOTE_PLAN[n].specialist];
		world->notes[n] = note_ok(author->token, world->participants[NOTE_PLAN[n].referral],
					  note_goal(world, NOTE_PLAN[n].referral), at,
					  NOTE_PLAN[n].minutes, NOTE_PLAN[n].modality, NULL);
		if (NOTE_PLAN[n].sign)
			sign_ok(author->token, world->notes[n], NOTE_PLAN[n].units);
	}
	for (size_t r = 0; r < REFERRALS; r++) {
		if (strcmp(REFERRAL_PLAN[r].status, "completed") == 0)
			transition_ok(supervisor, world->referrals[r], "completed", NULL);
	}
}

static void report_world_close(struct report_world *world)
{
	for (int p = 0; p < 2; p++) {
		free(world->partners[p]);
		free(world->partner_tokens[p]);
	}
	for (size_t r = 0; r < REFERRALS; r++)
		free(world->referrals[r]);
	for (size_t g = 0; g < GOALS; g++)
		free(world->goals[g]);
	for (size_t n = 0; n < NOTES; n++)
		free(world->notes[n]);
	for (size_t c = 0; c < world->certification_count; c++)
		free(world->certifications[c]);
}

/* The median days from submission to first contact of the referrals in the week, from
 * each referral as a supervisor reads it. */
static double expected_median_days(const struct report_world *world, size_t *contacted)
{
	double days[REFERRALS];
	size_t count = 0;
	for (size_t r = 0; r < REFERRALS; r++) {
		char *path = text_of("/v1/referrals/%s", world->referrals[r]);
		struct http_response *read = http_get(path, world->provider.supervisor.token);
		cr_assert_eq(read->status, 200, "%s", read->body);
		cr_assert_str_eq(http_string(read, "status"), REFERRAL_PLAN[r].status, "%s",
				 read->body);
		const char *first_contact = http_string(read, "first_contact_at");
		if (REFERRAL_PLAN[r].in_range && first_contact) {
			long long seconds = epoch_of(first_contact) -
					    epoch_of(http_string(read, "submitted_at"));
			cr_assert_gt(seconds, 0, "%s", read->body);
			days[count++] = (double)seconds / 86400.0;
		}
		free(path);
	}
	*contacted = count;
	cr_assert_gt(count, 0);
	qsort(days, count, sizeof days[0], compare_doubles);
	return count % 2 ? days[count / 2] : (days[count / 2 - 1] + days[count / 2]) / 2.0;
}

static struct http_response *summary_for(const char *token, const char *query)
{
	char *path = text_of("/v1/reports/summary%s", query);
	struct http_response *response = http_get(path, token);
	free(path);
	return response;
}

Test(reports, summary_counts_what_the_test_made)
{
	struct report_world world;
	report_world_open(&world);

	/* The figures, counted here from the plans. */
	json_int_t referrals = 0, sessions = 0, billable = 0, units = 0, goals = 0;
	json_t *by_status = json_object(), *by_partner = json_object(),
	       *by_modality = json_object(), *by_domain = json_object(), *served = json_object();
	for (size_t r = 0; r < REFERRALS; r++) {
		if (!REFERRAL_PLAN[r].in_range)
			continue;
		referrals++;
		count_into(by_status, NULL, REFERRAL_PLAN[r].status);
		count_into(by_partner, NULL, world.partners[REFERRAL_PLAN[r].partner]);
	}
	for (size_t n = 0; n < NOTES; n++) {
		if (!NOTE_PLAN[n].sign || NOTE_PLAN[n].days > 7)
			continue;
		sessions++;
		count_into(by_modality, NULL, NOTE_PLAN[n].modality);
		billable += NOTE_PLAN[n].units > 0;
		units += NOTE_PLAN[n].units;
		json_object_set_new(served, world.participants[NOTE_PLAN[n].referral], json_true());
	}
	for (size_t g = 0; g < GOALS; g++) {
		if (GOAL_PLAN[g].backdated)
			continue;
		goals++;
		count_into(by_domain, GOAL_PLAN[g].domain, GOAL_PLAN[g].status);
	}
	size_t contacted = 0;
	double median = expected_median_days(&world, &contacted);
	cr_assert_eq(contacted, 4);

	char *query = text_of("?from=%s&to=%s", world.week_ago, world.today);
	struct http_response *report = summary_for(world.provider.reporter.token, query);
	cr_assert_eq(report->status, 200, "%s", report->body);
	char *content_type = http_header(report, "Content-Type");
	cr_assert(content_type && strncmp(content_type, "application/json", 16) == 0, "%s",
		  content_type);
	free(content_type);
	const json_t *body = report->json;
	cr_assert_str_eq(member_of(body, "organization_id"), world.provider.provider);
	cr_assert_str_eq(member_of(body, "from"), world.week_ago, "%s", report->body);
	cr_assert_str_eq(member_of(body, "to"), world.today, "%s", report->body);
	json_t *expected = json_integer(referrals);
	assert_member_equal(body, "referrals", expected);
	json_decref(expected);
	assert_member_equal(body, "referrals_by_status", by_status);

	/* By referring organization: each partner with its count, the larger first. */
	json_t *partners = json_object_get(body, "referrals_by_referring_organization");
	cr_assert(json_is_array(partners) && json_array_size(partners) == 2, "%s", report->body);
	json_int_t previous = 1000;
	size_t index;
	json_t *row;
	json_array_foreach (partners, index, row) {
		const char *organization_id = member_of(row, "organization_id");
		json_t *count = json_object_get(by_partner, organization_id ? organization_id : "");
		cr_assert(count, "an organization that referred nothing: %s", report->body);
		cr_assert(json_equal(json_object_get(row, "referrals"), count), "%s", report->body);
		cr_assert_leq(json_integer_value(count), previous, "%s", report->body);
		previous = json_integer_value(count);
		cr_assert(member_of(row, "name"), "%s", report->body);
	}

	json_t *reported_median = json_object_get(body, "median_days_to_first_contact");
	cr_assert(json_is_number(reported_median), "%s", report->body);
	cr_assert(fabs(json_number_value(reported_median) - median) <= 0.005 + 1e-9,
		  "median_days_to_first_contact: expected %.4f, got %s", median, report->body);
	cr_assert(fabs(json_number_value(reported_median) * 100.0 -
		       round(json_number_value(reported_median) * 100.0)) < 1e-6,
		  "given to 2 decimals: %s", report->body);

	expected = json_integer(sessions);
	assert_member_equal(body, "sessions", expected);
	json_decref(expected);
	assert_member_equal(body, "sessions_by_modality", by_modality);
	expected = json_integer(billable);
	assert_member_equal(body, "billable_sessions", expected);
	json_decref(expected);
	expected = json_integer(units);
	assert_member_equal(body, "billable_units", expected);
	json_decref(expected);
	expected = json_integer((json_int_t)json_object_size(served));
	assert_member_equal(body, "participants_served", expected);
	json_decref(expected);
	expected = json_integer(goals);
	assert_member_equal(body, "goals", expected);
	json_decref(expected);
	assert_member_equal(body, "goals_by_domain", by_domain);
	assert_no_private_text(report->body, "the summary");

	/* The same figures for the supervisor, and for an admin who names the organization;
	 * a reporter naming another organization still gets their own. */
	struct http_response *supervisor_view = summary_for(world.provider.supervisor.token, query);
	cr_assert_eq(supervisor_view->status, 200, "%s", supervisor_view->body);
	cr_assert(json_equal(supervisor_view->json, report->json), "%s\n%s", report->body,
		  supervisor_view->body);
	char *admin_query = text_of("%s&organization_id=%s", query, world.provider.provider);
	struct http_response *admin_view = summary_for(world.provider.admin.token, admin_query);
	cr_assert_eq(admin_view->status, 200, "%s", admin_view->body);
	cr_assert(json_equal(admin_view->json, report->json), "%s\n%s", report->body,
		  admin_view->body);
	free(admin_query);
	char *other_query = text_of("%s&organization_id=%s", query, world.partners[PARTNER_A]);
	struct http_response *elsewhere = summary_for(world.provider.reporter.token, other_query);
	cr_assert_eq(elsewhere->status, 200, "%s", elsewhere->body);
	cr_assert(json_equal(elsewhere->json, report->json),
		  "a reporter names another "
		  "organization: %s",
		  elsewhere->body);
	free(other_query);

	/* A partner organization's own report (the admin's view) holds none of this. */
	char *partner_query = text_of("%s&organization_id=%s", query, world.partners[PARTNER_A]);
	struct http_response *partner_view = summary_for(world.provider.admin.token, partner_query);
	cr_assert_eq(partner_view->status, 200, "%s", partner_view->body);
	cr_assert_eq(json_integer_value(json_object_get(partner_view->json, "referrals")), 0, "%s",
		     partner_view->body);
	cr_assert(json_is_null(json_object_get(partner_view->json, "median_days_to_first_contact")),
		  "%s", partner_view->body);
	free(partner_query);

	/* Without a range: the last 30 days up to today. */
	struct http_response *default_range = summary_for(world.provider.reporter.token, "");
	cr_assert_eq(default_range->status, 200, "%s", default_range->body);
	char month_ago[16];
	organization_day(world.provider.provider, -29, month_ago, sizeof month_ago);
	cr_assert_str_eq(member_of(default_range->json, "from"), month_ago);
	cr_assert_str_eq(member_of(default_range->json, "to"), world.today);

	free(query);
	json_decref(by_status);
	json_decref(by_partner);
	json_decref(by_modality);
	json_decref(by_domain);
	json_decref(served);
	report_world_close(&world);
}

Test(reports, caseloads_and_expiring_certifications)
{
	struct report_world world;
	report_world_open(&world);

	/* Caseloads: every specialist of the organization, in the order they were added. */
	json_t *items = json_array();
	for (int s = 0; s < SPECIALISTS; s++) {
		json_int_t caseload = 0, sessions = 0, units = 0;
		for (size_t r = 0; r < REFERRALS; r++) {
			const char *status = REFERRAL_PLAN[r].status;
			caseload +=
				REFERRAL_PLAN[r].specialist == s &&
				(strcmp(status, "assigned") == 0 || strcmp(status, "engaged") == 0);
		}
		for (size_t n = 0; n < NOTES; n++) {
			if (NOTE_PLAN[n].specialist != s || !NOTE_PLAN[n].sign ||
			    NOTE_PLAN[n].days >= 30)
				continue;
			sessions++;
			units += NOTE_PLAN[n].units;
		}
		json_array_append_new(
			items,
			json_pack("{s:s, s:s, s:b, s:I, s:i, s:b, s:I, s:I}", "specialist_id",
				  world.specialists[s].id, "kind", "peer", "active", 1, "caseload",
				  caseload, "max_caseload", s == S1 ? 12 : 15, "certified", s != S3,
				  "sessions_last_30_days", sessions, "units_last_30_days", units));
	}
	struct http_response *caseloads =
		http_get("/v1/reports/caseloads", world.provider.reporter.token);
	cr_assert_eq(caseloads->status, 200, "%s", caseloads->body);
	cr_assert_str_eq(member_of(caseloads->json, "organization_id"), world.provider.provider);
	assert_member_equal(caseloads->json, "items", items);
	assert_no_private_text(caseloads->body, "the caseloads");
	char *path = text_of("/v1/reports/caseloads?organization_id=%s", world.provider.provider);
	struct http_response *admin_view = http_get(path, world.provider.admin.token);
	cr_assert_eq(admin_view->status, 200, "%s", admin_view->body);
	cr_assert(json_equal(admin_view->json, caseloads->json), "%s", admin_view->body);
	free(path);
	path = text_of("/v1/reports/caseloads?organization_id=%s", world.partners[PARTNER_B]);
	struct http_response *elsewhere = http_get(path, world.provider.reporter.token);
	cr_assert_eq(elsewhere->status, 200, "%s", elsewhere->body);
	cr_assert(json_equal(elsewhere->json, caseloads->json), "%s", elsewhere->body);
	free(path);
	json_decref(items);

	/* Certifications expiring within N days: exactly those from today to today + N. */
	size_t index;
	json_t *row;
	const int windows[] = {0, 9, 10, 30, 45, 60, 3650, -1};
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		char *report_path =
			windows[w] < 0
				? text_of("/v1/reports/certifications")
				: text_of("/v1/reports/certifications?expiring_within_days=%d",
					  windows[w]);
		struct http_response *report = http_get(report_path, world.provider.reporter.token);
		cr_assert_eq(report->status, 200, "%s: %s", report_path, report->body);
		assert_no_private_text(report->body, "the certifications report");
		/* Each of S3's and S4's that falls in the window, with its days left. */
		json_t *listed = json_object_get(report->json, "items");
		size_t expected_count = 0;
		for (size_t c = 0; c < world.certification_count; c++) {
			int days = world.certification_days[c];
			if (windows[w] >= 0 && (days < 0 || days > windows[w]))
				continue;
			expected_count++;
			bool found = false;
			json_array_foreach (listed, index, row) {
				if (strcmp(member_of(row, "certification_id"),
					   world.certifications[c]) != 0)
					continue;
				found = true;
				cr_assert_eq(json_integer_value(json_object_get(row, "days_left")),
					     days, "%s", report->body);
				cr_assert_str_eq(
					member_of(row, "specialist_id"),
					world.specialists[world.certification_owner[c]].id);
			}
			cr_assert(found, "%s should list certification %zu: %s", report_path, c,
				  report->body);
		}
		/* S1's and S2's run to 2030: only the unbounded reports list them. */
		if (windows[w] < 0 || windows[w] >= 3650)
			expected_count += 2;
		cr_assert_eq(json_array_size(listed), expected_count, "%s: %s", report_path,
			     report->body);
		/* Soonest first. */
		const char *last = "";
		json_array_foreach (listed, index, row) {
			cr_assert_geq(strcmp(member_of(row, "expires_on"), last), 0, "%s",
				      report->body);
			last = member_of(row, "expires_on");
		}
		if (windows[w] >= 0)
			cr_assert_eq(json_integer_value(
					     json_object_get(report->json, "expiring_within_days")),
				     windows[w]);
		free(report_path);
	}
	const char *const bad[] = {"-1", "abc", "3651", "1.5", ""};
	for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
		char *bad_path =
			text_of("/v1/reports/certifications?expiring_within_days=%s", bad[b]);
		expect_get(world.provider.reporter.token, 400, bad_path);
		free(bad_path);
	}
	report_world_close(&world);
}

Test(reports, report_parameters_are_checked)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	char today[16], tomorrow[16];
	organization_day(provider.provider, 0, today, sizeof today);
	organization_day(provider.provider, 1, tomorrow, sizeof tomorrow);
	const char *const reports[] = {"/v1/reports/summary", "/v1/exports/session-notes"};
	for (size_t r = 0; r < 2; r++) {
		char *path = text_of("%s?from=%s&to=%s", reports[r], tomorrow, today);
		struct http_response *backwards = http_get(path, provider.reporter.token);
		cr_assert_eq(backwards->status, 422, "%s: %s", path, backwards->body);
		assert_error_names(backwards, "from");
		free(path);
		const char *const bad_dates[] = {"from=2026-02-30", "to=2026-13-01",
						 "from=20261101", "to=yesterday", "from="};
		for (size_t d = 0; d < sizeof bad_dates / sizeof bad_dates[0]; d++) {
			path = text_of("%s?%s", reports[r], bad_dates[d]);
			expect_get(provider.reporter.token, 400, path);
			free(path);
		}
		path = text_of("%s?organization_id=not-a-uuid", reports[r]);
		expect_get(provider.reporter.token, 400, path);
		free(path);
		path = text_of("%s?colour=blue", reports[r]);
		expect_get(provider.reporter.token, 400, path);
		free(path);
		/* An admin names the organization: without it 400, with it 200, with one that
		 * does not exist 404. */
		expect_get(provider.admin.token, 400, reports[r]);
		path = text_of("%s?organization_id=%s", reports[r], provider.provider);
		expect_get(provider.admin.token, 200, path);
		free(path);
		path = text_of("%s?organization_id=%s", reports[r], UNKNOWN_ID);
		expect_get(provider.admin.token, 404, path);
		free(path);
	}
	expect_get(provider.admin.token, 400, "/v1/reports/caseloads");
	expect_get(provider.admin.token, 400, "/v1/reports/certifications");
}

/* A range whose start is after the end it defaults to (today) is as backwards as one that
 * names both. BUG: report_scope_read (api/report_scope.c) checks from <= to only when
 * both are given, so ?from=<tomorrow> answers 200 with "from" after "to". */
Test(reports, a_range_starting_after_today_is_refused)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	char tomorrow[16];
	organization_day(provider.provider, 1, tomorrow, sizeof tomorrow);
	const char *const reports[] = {"/v1/reports/summary", "/v1/exports/session-notes"};
	for (size_t r = 0; r < 2; r++) {
		char *path = text_of("%s?from=%s", reports[r], tomorrow);
		struct http_response *backwards = http_get(path, provider.reporter.token);
		cr_expect_eq(backwards->status, 422, "%s: from %s is after today, the end: %s",
			     path, tomorrow, backwards->body);
		free(path);
	}
}

/* A range lies inside the calendar peerd reads, 0001-01-01 through 9999-12-31, the default
 * start included: ?to=0001-01-01 alone would start 29 days earlier, in year 0. BUG (issue
 * 20, finding 7): the summary refused that with a 422 naming no field, and the export
 * answered 200 and broke off without its last chunk, since its first statement to use the
 * range ran after the status had gone out. */
Test(reports, a_range_at_the_ends_of_the_calendar)
{
	static const struct {
		const char *query;
		long status;
		const char *from; /* the summary's "from" for a 200 */
	} cases[] = {
		{"to=0001-01-01", 422, NULL},
		{"to=0001-01-29", 422, NULL},
		{"to=0001-01-30", 200, "0001-01-01"},
		{"from=0001-01-01&to=0001-01-01", 200, "0001-01-01"},
		{"from=9999-12-31&to=9999-12-31", 200, "9999-12-31"},
		{"from=0001-01-01&to=9999-12-31", 200, "0001-01-01"},
		{"from=9999-12-31&to=0001-01-01", 422, NULL},
		{"from=0000-12-31&to=0001-01-01", 400, NULL},
	};
	struct world provider;
	world_build(&provider, (struct world_options){0});
	const char *const reports[] = {"/v1/reports/summary", "/v1/exports/session-notes"};
	for (size_t r = 0; r < 2; r++) {
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			char *path = text_of("%s?%s", reports[r], cases[c].query);
			struct http_response *response = http_get(path, provider.reporter.token);
			cr_assert_eq(response->status, cases[c].status, "%s: %s", path,
				     response->body);
			if (cases[c].status == 422)
				assert_error_names(response, "from");
			if (cases[c].status == 200 && r == 0)
				cr_assert_str_eq(member_of(response->json, "from"), cases[c].from,
						 "%s: %s", path, response->body);
			if (cases[c].status == 200 && r == 1)
				cr_assert_eq(response->body_size, 0, "%s: %s", path,
					     response->body);
			free(path);
		}
	}
}

Test(reports, reporters_read_reports_only)
{
	struct world provider;
	world_build(&provider, (struct world_options){.referral = true});
	char *goal_id =
		goal_ok(provider.supervisor.token, provider.participant, "social", "active", NULL);
	char at[32];
	instant_ago("1 hour", at, sizeof at);
	char *note_id = note_ok(provider.specialist.token, provider.participant, goal_id, at, 30,
				"phone", NULL);
	char *certification_id =
		create_certification(provider.specialist.id, "active", "2025-02-01", "2029-02-01");

	const char *const forbidden[] = {
		"/v1/participants",
		"/v1/participants/%s",
		"/v1/participants/%s/goals",
		"/v1/referrals",
		"/v1/referrals/%s",
		"/v1/referrals/%s/history",
		"/v1/goals/%s",
		"/v1/goals/%s/progress",
		"/v1/session-notes",
		"/v1/session-notes/%s",
		"/v1/specialists",
		"/v1/specialists/%s",
		"/v1/specialists/%s/certifications",
		"/v1/certifications",
		"/v1/certifications/%s",
		"/v1/audit-events",
		"/v1/audit-events/verify",
	};
	const char *const ids[] = {
		"",
		provider.participant,
		provider.participant,
		"",
		provider.referral,
		provider.referral,
		goal_id,
		goal_id,
		"",
		note_id,
		"",
		provider.specialist.id,
		provider.specialist.id,
		"",
		certification_id,
		"",
		"",
	};
	for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
		char path[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(path, sizeof path, forbidden[i], ids[i]);
#pragma GCC diagnostic pop
		struct http_response *refused = http_get(path, provider.reporter.token);
		cr_assert_eq(refused->status, 403, "a reporter GETs %s: %s", path, refused->body);
		char *type = http_header(refused, "Content-Type");
		cr_assert_str_eq(type, "application/problem+json");
		free(type);
		assert_no_private_text(refused->body, path);
	}
	/* Nor do they write. */
	expect(http_post("/v1/participants", provider.reporter.token,
			 "{\"given_name\":\"Ann\",\"family_name\":\"Lee\"}"),
	       403, "a reporter records a participant");
	expect(http_post("/v1/referrals", provider.reporter.token, "{}"), 403,
	       "a reporter records a referral");

	/* Partners and specialists never read reports or exports. */
	char *partner_organization = create_organization("partner");
	char *partner = token_for("partner", partner_organization);
	const char *const outsiders[] = {partner, provider.specialist.token};
	const char *const reports[] = {"/v1/reports/summary", "/v1/reports/caseloads",
				       "/v1/reports/certifications?expiring_within_days=30",
				       "/v1/exports/session-notes"};
	for (size_t o = 0; o < 2; o++) {
		for (size_t r = 0; r < 4; r++) {
			struct http_response *refused = http_get(reports[r], outsiders[o]);
			cr_assert_eq(refused->status, 403, "%s: %s", reports[r], refused->body);
		}
	}
	/* The reporter does. */
	for (size_t r = 0; r < 4; r++)
		expect_get(provider.reporter.token, 200, reports[r]);

	free(partner);
	free(partner_organization);
	free(certification_id);
	free(note_id);
	free(goal_id);
}
