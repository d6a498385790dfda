/* The follow-up report (API.md "Episodes and assessments"): slots due in a range counted
 * per timepoint, done in their window, missed, and the median BARC-10 change, against
 * episodes and assessments the test writes into the database as the tables' owner (the
 * episodes API is not needed to read the report). Every day is an offset from the
 * organization's today, on its default schedule: baseline 30, interval 90, window 30,
 * discharge 30 days. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "world.h"

TestSuite(report_follow_up, .init = arena_open, .fini = arena_close);

/* A new participant of organization's with one episode started `started` days from today
 * and, unless ended is NULL, closed `ended` days from today; returns the episode's id. */
static const char *episode(const char *organization, const char *started, const char *ended)
{
	char *id = test_sql_text(
		"WITH p AS (INSERT INTO participants (organization_id, given_name, family_name)"
		" VALUES ($1, 'Follow', 'Up') RETURNING id),"
		" e AS (INSERT INTO episodes (organization_id, participant_id, program, started_on,"
		" ended_on, end_reason, created_by)"
		" SELECT $1, p.id, 'SOR grant', peerd_organization_today($1) + $2::int,"
		" peerd_organization_today($1) + $3::int,"
		" CASE WHEN $3 IS NOT NULL THEN 'completed'::episode_end_reason END, 'test' FROM p"
		" RETURNING id)"
		" SELECT id::text FROM e",
		3, (const char *const[]){organization, started, ended});
	cr_assert(id);
	return arena_text(id);
}

/* Records a BARC-10 of score (10..60) for episode's timepoint and slot, administered
 * `day` days from today; voided already when voided is true. */
static void assessment(const char *episode, const char *timepoint, const char *slot,
		       const char *day, const char *score, bool voided)
{
	char *id = test_sql_text(
		"INSERT INTO assessments (organization_id, participant_id, episode_id, timepoint,"
		" slot, administered_on, answers, created_by, voided_at, void_reason, voided_by)"
		" SELECT e.organization_id, e.participant_id, e.id, $2::assessment_timepoint,"
		" $3::int, peerd_organization_today(e.organization_id) + $4::int,"
		" ARRAY(SELECT ($5::int / 10 + (g <= $5::int % 10)::int)::smallint"
		" FROM generate_series(1, 10) g), 'test',"
		" CASE WHEN $6::bool THEN now() END, CASE WHEN $6::bool THEN 'entered in error' "
		"END,"
		" CASE WHEN $6::bool THEN 'test' END"
		" FROM episodes e WHERE e.id = $1 RETURNING score::text",
		6,
		(const char *const[]){episode, timepoint, slot, day, score,
				      voided ? "true" : "false"});
	cr_assert(id && strcmp(id, score) == 0, "the assessment scores %s, not %s", id, score);
	free(id);
}

/* The report for organization's days from..to (offsets from today), as token. */
static const json_t *report(const char *organization, const char *token, const char *from,
			    const char *to)
{
	char first[16], last[16], path[256];
	organization_day_from_today(organization, from, first, sizeof first);
	organization_day_from_today(organization, to, last, sizeof last);
	snprintf(path, sizeof path, "/v1/reports/follow-up?from=%s&to=%s", first, last);
	struct http_response *response = http_get(path, token);
	expect(response, 200, path);
	cr_assert_str_eq(member(response, "from"), first);
	cr_assert_str_eq(member(response, "to"), last);
	return response->json;
}

/* Asserts one timepoint's figures; rate < 0 expects null. */
static void assert_timepoint(const json_t *report, const char *timepoint, json_int_t due,
			     json_int_t done, json_int_t missed, double rate)
{
	const json_t *figures = json_object_get(json_object_get(report, "timepoints"), timepoint);
	cr_assert(json_is_object(figures), "no %s", timepoint);
	cr_assert_eq(json_integer_value(json_object_get(figures, "due")), due, "%s due", timepoint);
	cr_assert_eq(json_integer_value(json_object_get(figures, "done_in_window")), done,
		     "%s done_in_window", timepoint);
	cr_assert_eq(json_integer_value(json_object_get(figures, "missed")), missed, "%s missed",
		     timepoint);
	const json_t *got = json_object_get(figures, "rate");
	if (rate < 0)
		cr_assert(json_is_null(got), "%s rate should be null", timepoint);
	else
		cr_assert(json_is_number(got) && json_number_value(got) == rate,
			  "%s rate: expected %g, got %g", timepoint, rate, json_number_value(got));
}

static void assert_median(const json_t *report, double median)
{
	const json_t *got = json_object_get(report, "barc10_median_change");
	if (median < -100)
		cr_assert(json_is_null(got), "the median should be null");
	else
		cr_assert(json_is_number(got) && json_number_value(got) == median,
			  "median: expected %g, got %g", median, json_number_value(got));
}

/* Slots (day offsets, default schedule) in the range today-400 .. today+60:
 *   A, -300..-100: baseline due -270 [-300, -240] done at -290; follow-up 1 due -210
 *     [-240, -180] filled at -170, outside; follow-up 2 due -120 [-150, -90] only a voided
 *     one: missed; discharge due -70 [-100, -40] done at -50.
 *   B, -500..-380: baseline and follow-up 1 due before the range; discharge due -350
 *     [-380, -320] unfilled: missed.
 *   C, open from -10: baseline due +20 [-10, +50], open and unfilled; follow-up 1 due +80,
 *     after the range.
 *   D, open from -60: baseline due -30 done at -55; follow-up 1 due +30 [0, +60] open. */
static void crafted_episodes(const char *organization)
{
	const char *a = episode(organization, "-300", "-100");
	assessment(a, "baseline", "0", "-290", "30", false);
	assessment(a, "follow_up", "1", "-170", "40", false);
	assessment(a, "follow_up", "2", "-130", "45", true);
	assessment(a, "discharge", "0", "-50", "50", false);
	episode(organization, "-500", "-380");
	episode(organization, "-10", NULL);
	const char *d = episode(organization, "-60", NULL);
	assessment(d, "baseline", "0", "-55", "20", false);
}

Test(report_follow_up, counts_slots_due_in_the_range_by_timepoint)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	crafted_episodes(world.provider);
	const json_t *counted =
		report(world.provider, world.supervisor.token, "-400 days", "60 days");
	assert_timepoint(counted, "baseline", 3, 2, 0, 0.6667);
	assert_timepoint(counted, "follow_up", 3, 0, 1, 0);
	assert_timepoint(counted, "discharge", 2, 1, 1, 0.5);
	assert_median(counted, 10); /* A: follow-up 1 (40) less baseline (30) */

	const json_t *none =
		report(world.provider, world.reporter.token, "-1000 days", "-900 days");
	assert_timepoint(none, "baseline", 0, 0, 0, -1);
	assert_timepoint(none, "follow_up", 0, 0, 0, -1);
	assert_timepoint(none, "discharge", 0, 0, 0, -1);
	assert_median(none, -1000);
}

/* Every episode starts at -400: baseline [-400, -340], follow-up 1 due -310, 2 due -220. */
Test(report_follow_up, median_change_from_baseline_to_the_latest_follow_up)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	const char *organization = world.provider;
	const char *e1 = episode(organization, "-400", NULL);
	assessment(e1, "baseline", "0", "-395", "20", false);
	assessment(e1, "follow_up", "1", "-310", "30", false);
	assessment(e1, "follow_up", "2", "-220", "25", false); /* latest: +5 */
	const char *e2 = episode(organization, "-400", NULL);
	assessment(e2, "baseline", "0", "-395", "30", false);
	assessment(e2, "follow_up", "1", "-310", "40", false); /* +10 */
	assessment(e2, "follow_up", "2", "-220", "60", true);  /* voided: not the latest */
	const char *e3 = episode(organization, "-400", NULL);
	assessment(e3, "baseline", "0", "-395", "40", false);
	assessment(e3, "follow_up", "1", "-310", "35", false); /* -5 */
	const char *e4 = episode(organization, "-400", NULL);
	assessment(e4, "baseline", "0", "-395", "20", false);
	assessment(e4, "follow_up", "1", "-5", "40", false); /* +20 once to reaches -5 */
	const char *e5 = episode(organization, "-400", NULL);
	assessment(e5, "baseline", "0", "-395", "10", false); /* no follow-up */
	const char *e6 = episode(organization, "-400", NULL);
	assessment(e6, "baseline", "0", "-395", "10", true); /* voided baseline */
	assessment(e6, "follow_up", "1", "-310", "60", false);

	/* odd: {-5, +5, +10} */
	assert_median(report(organization, world.supervisor.token, "-40 days", "-10 days"), 5);
	/* even: {-5, +5, +10, +20} */
	assert_median(report(organization, world.supervisor.token, "-40 days", "0 days"), 7.5);
	/* before e1's second follow-up: {-5, +10 (e1's first), +10} */
	assert_median(report(organization, world.supervisor.token, "-330 days", "-300 days"), 10);
	/* before any follow-up */
	assert_median(report(organization, world.supervisor.token, "-360 days", "-350 days"),
		      -1000);
}

Test(report_follow_up, partners_and_specialists_may_not_read_it)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true, .specialist = true});
	expect(http_get("/v1/reports/follow-up", world.partner.token), 403, "partner");
	expect(http_get("/v1/reports/follow-up", world.specialist.token), 403, "specialist");
	expect(http_get("/v1/reports/follow-up", world.reporter.token), 200, "reporter");
}

Test(report_follow_up, reports_one_organization)
{
	struct world mine, theirs;
	world_build(&mine, (struct world_options){0});
	world_build(&theirs, (struct world_options){0});
	crafted_episodes(theirs.provider);
	char path[256];
	snprintf(path, sizeof path, "/v1/reports/follow-up?from=2000-01-01&organization_id=%s",
		 theirs.provider);

	/* A supervisor naming another organization still reports on its own. */
	struct http_response *own = http_get(path, mine.supervisor.token);
	expect(own, 200, "the supervisor's own");
	cr_assert_str_eq(member(own, "organization_id"), mine.provider);
	assert_timepoint(own->json, "baseline", 0, 0, 0, -1);
	assert_median(own->json, -1000);

	/* An admin names it. */
	struct http_response *named = http_get(path, mine.admin.token);
	expect(named, 200, "the admin's");
	cr_assert_str_eq(member(named, "organization_id"), theirs.provider);
	assert_timepoint(named->json, "baseline", 3, 2, 1, 0.6667);
	assert_timepoint(named->json, "discharge", 2, 1, 1, 0.5);
	assert_median(named->json, 10);

	/* Without one, an admin without org is 400; the range is checked as the summary's. */
	expect(http_get("/v1/reports/follow-up", mine.admin.token), 400, "admin without org");
	struct http_response *backwards = http_get(
		"/v1/reports/follow-up?from=2026-02-01&to=2026-01-01", mine.supervisor.token);
	assert_error_names(backwards, "from");
	expect(http_get("/v1/reports/follow-up?to=2026-02-30", mine.supervisor.token), 400,
	       "a day that is not real");
	expect(http_get("/v1/reports/follow-up?program=x", mine.supervisor.token), 400,
	       "an unknown parameter");
}
