/* The schedule's two descriptions agree (sql/031_episodes_and_assessments.sql): the pure
 * rule the API renders (rules/assessment_schedule.c) and peerd_assessment_slots with
 * peerd_assessment_slot_state, which the work queue and the follow-up report sort and
 * count by. A sweep of schedules, starts, ends and days through both. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "assessment_schedule.h"
#include "fixtures.h"
#include "schedule_text.h"

TestSuite(episode_schedule_twin, .init = arena_open, .fini = arena_close);

static const char TWIN_SQL[] =
	"SELECT coalesce(string_agg(format('%s/%s %s %s..%s %s', timepoint, slot, due_on,"
	" window_opens_on, window_closes_on, peerd_assessment_slot_state(false,"
	" window_opens_on, due_on, window_closes_on, $3::date)), '; '), '')"
	" FROM peerd_assessment_slots($1::date, nullif($2, '')::date, $3::date, $4::int,"
	" $5::int, $6::int, $7::int)";

static void compare(struct assessment_schedule schedule, const char *started_on,
		    const char *ended_on, const char *today)
{
	struct assessment_episode episode = {0};
	struct civil_date day;
	cr_assert(civil_date_parse(started_on, &episode.started_on));
	cr_assert(civil_date_parse(today, &day));
	if (*ended_on) {
		episode.ended = true;
		cr_assert(civil_date_parse(ended_on, &episode.ended_on));
	}
	size_t count = assessment_schedule_count(&schedule, &episode, day);
	struct assessment_slot *slots = calloc(count, sizeof *slots);
	cr_assert_eq(assessment_schedule_slots(&schedule, &episode, day, NULL, 0, slots, count),
		     count);
	static char rule[65536];
	schedule_text(slots, count, false, rule, sizeof rule);
	free(slots);
	char numbers[4][12];
	int values[4] = {schedule.baseline_days, schedule.interval_days, schedule.window_days,
			 schedule.discharge_days};
	for (int i = 0; i < 4; i++)
		snprintf(numbers[i], sizeof numbers[i], "%d", values[i]);
	char *sql = test_sql_text(TWIN_SQL, 7,
				  (const char *[]){started_on, ended_on, today, numbers[0],
						   numbers[1], numbers[2], numbers[3]});
	cr_assert_str_eq(rule, sql, "schedule %d/%d/%d/%d started %s ended %s today %s", values[0],
			 values[1], values[2], values[3], started_on, ended_on, today);
	free(sql);
}

Test(episode_schedule_twin, the_rule_and_the_sql_list_the_same_slots_in_the_same_states)
{
	const struct assessment_schedule schedules[] = {
		{30, 90, 30, 30}, {30, 40, 30, 10},	{0, 10, 0, 0},
		{0, 10, 20, 0},	  {365, 730, 365, 365},
	};
	const char *const starts[] = {"2024-01-31", "2024-02-29", "2026-01-01"};
	const char *const ends[] = {"", "2024-02-29", "2024-05-30", "2026-01-01", "2026-04-01"};
	const char *const todays[] = {"2024-03-01", "2024-06-15", "2026-01-31", "2026-04-30",
				      "2026-12-31"};
	size_t compared = 0;
	for (size_t s = 0; s < sizeof schedules / sizeof schedules[0]; s++)
		for (size_t a = 0; a < sizeof starts / sizeof starts[0]; a++)
			for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
				for (size_t t = 0; t < sizeof todays / sizeof todays[0]; t++) {
					/* Only what the API stores: started and ended on or before
					 * today, ended on or after started. */
					if (strcmp(starts[a], todays[t]) > 0 ||
					    (*ends[e] && (strcmp(ends[e], starts[a]) < 0 ||
							  strcmp(ends[e], todays[t]) > 0)))
						continue;
					compare(schedules[s], starts[a], ends[e], todays[t]);
					compared++;
				}
	cr_assert_gt(compared, 50);
}
