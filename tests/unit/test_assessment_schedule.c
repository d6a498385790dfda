#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "assessment_schedule.h"
#include "schedule_text.h"
#include "test_day.h"

/* Criterion runs each case in a new process: cases hold values, never pointers. */
#define DEFAULTS               \
	{                      \
		30, 90, 30, 30 \
	}
/* Windows wider than half an interval: an assessment fits two follow-ups' windows. */
#define OVERLAPPING            \
	{                      \
		30, 40, 30, 10 \
	}
/* Zero-day windows; windows wider than the interval. */
#define NO_WINDOW           \
	{                   \
		0, 10, 0, 0 \
	}
#define WIDE                 \
	{                    \
		0, 10, 20, 0 \
	}

struct schedule_case {
	struct assessment_schedule schedule;
	char started_on[11], ended_on[11], today[11];
	/* The live assessments, "timepoint/slot" separated by spaces. */
	char live[64];
	/* The slots, "timepoint/slot due_on opens..closes state filler" separated by "; ". */
	char expected[640];
};

static struct assessment_episode episode_of(const char *started_on, const char *ended_on)
{
	struct assessment_episode episode = {.started_on = test_day(started_on)};
	if (*ended_on) {
		episode.ended = true;
		episode.ended_on = test_day(ended_on);
	}
	return episode;
}

static size_t live_of(const char *text, struct assessment_filled *out, size_t capacity)
{
	size_t count = 0;
	char name[16];
	int slot, used;
	while (text && count < capacity &&
	       sscanf(text, " %15[a-z_]/%d%n", name, &slot, &used) == 2) {
		cr_assert(assessment_timepoint_parse(name, &out[count].timepoint), "%s", name);
		out[count++].slot = slot;
		text += used;
	}
	return count;
}

ParameterizedTestParameters(assessment_schedule, lists_slots_with_their_states)
{
	static struct schedule_case cases[] = {
		/* Open, started today: the baseline due, the first follow-up upcoming. */
		{DEFAULTS, "2026-01-01", "", "2026-01-01", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 due -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 upcoming -1"},
		/* The baseline overdue after its due day, then missed after its window. */
		{DEFAULTS, "2026-01-01", "", "2026-02-01", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 overdue -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 upcoming -1"},
		{DEFAULTS, "2026-01-01", "", "2026-03-03", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 missed -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 due -1"},
		/* A follow-up done early in its window, the baseline done. */
		{DEFAULTS, "2026-01-01", "", "2026-03-10", "baseline/0 follow_up/1",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 done 0; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 done 1"},
		/* Listed up to today + i: follow-up 2 once its due day is within an interval. */
		{DEFAULTS, "2026-01-01", "", "2026-04-01", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 missed -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 due -1; "
		 "follow_up/2 2026-06-30 2026-05-31..2026-07-30 upcoming -1"},
		/* Closed before the first follow-up fell due: none listed, the discharge is. */
		{DEFAULTS, "2026-01-01", "2026-03-01", "2026-03-05", "baseline/0",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 done 0; "
		 "discharge/0 2026-03-31 2026-03-01..2026-04-30 due -1"},
		/* Closed on the first follow-up's due day: it is listed. */
		{DEFAULTS, "2026-01-01", "2026-04-01", "2026-06-01", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 missed -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 missed -1; "
		 "discharge/0 2026-05-01 2026-04-01..2026-05-31 missed -1"},
		/* Month ends and leap years: started 31 January, 29 February of a leap year. */
		{DEFAULTS, "2024-01-31", "", "2024-01-31", "",
		 "baseline/0 2024-03-01 2024-01-31..2024-03-31 due -1; "
		 "follow_up/1 2024-04-30 2024-03-31..2024-05-30 upcoming -1"},
		{DEFAULTS, "2024-02-29", "2025-02-28", "2025-03-01", "",
		 "baseline/0 2024-03-30 2024-02-29..2024-04-29 missed -1; "
		 "follow_up/1 2024-05-29 2024-04-29..2024-06-28 missed -1; "
		 "follow_up/2 2024-08-27 2024-07-28..2024-09-26 missed -1; "
		 "follow_up/3 2024-11-25 2024-10-26..2024-12-25 missed -1; "
		 "follow_up/4 2025-02-23 2025-01-24..2025-03-25 overdue -1; "
		 "discharge/0 2025-03-30 2025-02-28..2025-04-29 due -1"},
		/* Overlapping windows: follow-up 2 opens before follow-up 1 closes. */
		{OVERLAPPING, "2026-01-01", "", "2026-02-15", "follow_up/1",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 overdue -1; "
		 "follow_up/1 2026-02-10 2026-01-11..2026-03-12 done 0; "
		 "follow_up/2 2026-03-22 2026-02-20..2026-04-21 upcoming -1"},
		/* A zero-day window: due on the day only, then missed. */
		{NO_WINDOW, "2026-01-01", "", "2026-01-11", "",
		 "baseline/0 2026-01-01 2026-01-01..2026-01-01 missed -1; "
		 "follow_up/1 2026-01-11 2026-01-11..2026-01-11 due -1; "
		 "follow_up/2 2026-01-21 2026-01-21..2026-01-21 upcoming -1"},
		/* An organization whose today is a day behind UTC's: the rule takes its today. */
		{DEFAULTS, "2026-01-01", "", "2026-01-31", "",
		 "baseline/0 2026-01-31 2026-01-01..2026-03-02 due -1; "
		 "follow_up/1 2026-04-01 2026-03-02..2026-05-01 upcoming -1"},
	};
	return cr_make_param_array(struct schedule_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct schedule_case *c, assessment_schedule, lists_slots_with_their_states)
{
	struct assessment_episode episode = episode_of(c->started_on, c->ended_on);
	struct assessment_filled live[8];
	size_t live_count = live_of(c->live, live, 8);
	struct assessment_slot slots[16];
	size_t count = assessment_schedule_slots(&c->schedule, &episode, test_day(c->today), live,
						 live_count, slots, 16);
	cr_assert_eq(count, assessment_schedule_count(&c->schedule, &episode, test_day(c->today)));
	cr_assert_leq(count, 16);
	char text[2048];
	schedule_text(slots, count, true, text, sizeof text);
	cr_assert_str_eq(text, c->expected, "started %s ended %s today %s: %s", c->started_on,
			 c->ended_on, c->today, text);
}

struct choose_case {
	struct assessment_schedule schedule;
	char started_on[11], ended_on[11], today[11];
	char live[64];
	char timepoint[12], administered_on[11];
	int expected; /* the slot, -1 for none */
};

ParameterizedTestParameters(assessment_schedule, chooses_the_earliest_unfilled_slot)
{
	static struct choose_case cases[] = {
		/* The baseline from the start to due + w; none before the start or after. */
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "baseline", "2026-01-01", 0},
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "baseline", "2026-03-02", 0},
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "baseline", "2026-03-03", -1},
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "baseline", "2025-12-31", -1},
		/* A second baseline: its one slot is taken. */
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "baseline/0", "baseline", "2026-01-10",
		 -1},
		/* A follow-up done early in its window; outside any window: none. */
		{DEFAULTS, "2026-01-01", "", "2026-03-02", "", "follow_up", "2026-03-02", 1},
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "follow_up", "2026-05-15", -1},
		{DEFAULTS, "2026-01-01", "", "2026-06-01", "", "follow_up", "2026-05-31", 2},
		/* Overlapping windows: the earliest unfilled of the two that hold the day. */
		{OVERLAPPING, "2026-01-01", "", "2026-03-01", "", "follow_up", "2026-03-01", 1},
		{OVERLAPPING, "2026-01-01", "", "2026-03-01", "follow_up/1", "follow_up",
		 "2026-03-01", 2},
		{OVERLAPPING, "2026-01-01", "", "2026-03-01", "follow_up/1 follow_up/2",
		 "follow_up", "2026-03-01", -1},
		/* Two for one slot without overlap: the second has nowhere to go. */
		{DEFAULTS, "2026-01-01", "", "2026-04-01", "follow_up/1", "follow_up", "2026-04-01",
		 -1},
		/* A closed episode: no follow-up after its end, the discharge from the end. */
		{DEFAULTS, "2026-01-01", "2026-03-01", "2026-03-10", "", "follow_up", "2026-03-05",
		 -1},
		{DEFAULTS, "2026-01-01", "2026-03-01", "2026-03-10", "", "discharge", "2026-03-01",
		 0},
		{DEFAULTS, "2026-01-01", "2026-03-01", "2026-03-10", "", "discharge", "2026-02-28",
		 -1},
		/* An open episode has no discharge. */
		{DEFAULTS, "2026-01-01", "", "2026-03-10", "", "discharge", "2026-03-10", -1},
		/* Leap day: follow-up 4 of an episode started 2024-02-29. */
		{DEFAULTS, "2024-02-29", "", "2025-03-01", "", "follow_up", "2025-03-25", 4},
		/* A window reaching before the start (w > i): follow-up 1 holds the start. */
		{WIDE, "2026-01-01", "", "2026-01-01", "", "follow_up", "2026-01-01", 1},
	};
	return cr_make_param_array(struct choose_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct choose_case *c, assessment_schedule, chooses_the_earliest_unfilled_slot)
{
	struct assessment_episode episode = episode_of(c->started_on, c->ended_on);
	struct assessment_filled live[8];
	size_t live_count = live_of(c->live, live, 8);
	enum assessment_timepoint timepoint;
	cr_assert(assessment_timepoint_parse(c->timepoint, &timepoint));
	int slot = -1;
	bool found =
		assessment_slot_choose(&c->schedule, &episode, test_day(c->today), live, live_count,
				       timepoint, test_day(c->administered_on), &slot);
	cr_assert_eq(found ? slot : -1, c->expected, "%s on %s (live: %s)", c->timepoint,
		     c->administered_on, c->live);
}

Test(assessment_schedule, names_round_trip)
{
	enum assessment_timepoint timepoint;
	cr_assert_not(assessment_timepoint_parse("followup", &timepoint));
	cr_assert_not(assessment_timepoint_parse(NULL, &timepoint));
	cr_assert(assessment_timepoint_parse("discharge", &timepoint));
	cr_assert_str_eq(assessment_timepoint_name(timepoint), "discharge");
}
