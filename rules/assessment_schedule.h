/* An episode's assessment schedule (API.md "Episodes and assessments"): its slots, their
 * state on a day, and the slot a new assessment fills. Pure arithmetic on calendar days;
 * sql/031_episodes_and_assessments.sql (peerd_assessment_slots,
 * peerd_assessment_slot_state) is its twin for the statements that sort and count slots,
 * and tests/integration/test_episode_schedule_twin.c holds the two equal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "civil_date.h"

enum assessment_timepoint {
	ASSESSMENT_BASELINE,
	ASSESSMENT_FOLLOW_UP,
	ASSESSMENT_DISCHARGE,
};

enum assessment_slot_state {
	SLOT_DONE,     /* a live assessment fills it */
	SLOT_UPCOMING, /* before its window */
	SLOT_DUE,      /* window open, on or before due_on */
	SLOT_OVERDUE,  /* after due_on, window still open */
	SLOT_MISSED,   /* window closed, unfilled */
};

/* The organization's assessment_schedule, in days (bounds: sql/031's CHECKs). */
struct assessment_schedule {
	int baseline_days, interval_days, window_days, discharge_days;
};

/* The days that place an episode's slots; ended only for a closed episode. */
struct assessment_episode {
	struct civil_date started_on;
	bool ended;
	struct civil_date ended_on;
};

/* A live (not voided) assessment: the slot it fills (k for the k-th follow-up, 0 for the
 * baseline and the discharge). */
struct assessment_filled {
	enum assessment_timepoint timepoint;
	int slot;
};

struct assessment_slot {
	enum assessment_timepoint timepoint;
	int slot;
	struct civil_date due_on, window_opens_on, window_closes_on;
	enum assessment_slot_state state;
	/* Index into the live assessments of the one filling it, or -1. */
	long filled_by;
};

/* The timepoints' and states' names as the API and sql/031 spell them. */
const char *assessment_timepoint_name(enum assessment_timepoint timepoint);
const char *assessment_slot_state_name(enum assessment_slot_state state);

/* Reads a timepoint's name; false for anything else. */
bool assessment_timepoint_parse(const char *name, enum assessment_timepoint *out);

/* How many slots the episode has on today: the baseline, the follow-ups due on or before
 * ended_on (closed) or today + interval_days (open), and the discharge when closed. */
size_t assessment_schedule_count(const struct assessment_schedule *schedule,
				 const struct assessment_episode *episode, struct civil_date today);

/* Writes the first min(count, capacity) slots in order (baseline, follow-ups by k,
 * discharge), each with its state on today given the live assessments; returns count
 * (assessment_schedule_count). */
size_t assessment_schedule_slots(const struct assessment_schedule *schedule,
				 const struct assessment_episode *episode, struct civil_date today,
				 const struct assessment_filled *live, size_t live_count,
				 struct assessment_slot *out, size_t capacity);

/* A slot's state on today (peerd_assessment_slot_state). */
enum assessment_slot_state assessment_slot_state_on(bool filled, struct civil_date opens,
						    struct civil_date due, struct civil_date closes,
						    struct civil_date today);

/* The slot an assessment of timepoint administered_on fills: the earliest listed slot
 * of that timepoint, unfilled by the live assessments, whose window holds
 * administered_on. Writes its number into slot and returns true; false when none. */
bool assessment_slot_choose(const struct assessment_schedule *schedule,
			    const struct assessment_episode *episode, struct civil_date today,
			    const struct assessment_filled *live, size_t live_count,
			    enum assessment_timepoint timepoint, struct civil_date administered_on,
			    int *slot);
