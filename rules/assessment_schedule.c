#include "assessment_schedule.h"

#include <string.h>

static const char *const TIMEPOINTS[] = {"baseline", "follow_up", "discharge"};
static const char *const STATES[] = {"done", "upcoming", "due", "overdue", "missed"};

const char *assessment_timepoint_name(enum assessment_timepoint timepoint)
{
	return TIMEPOINTS[timepoint];
}

const char *assessment_slot_state_name(enum assessment_slot_state state)
{
	return STATES[state];
}

bool assessment_timepoint_parse(const char *name, enum assessment_timepoint *out)
{
	for (size_t i = 0; name && i < sizeof TIMEPOINTS / sizeof TIMEPOINTS[0]; i++)
		if (strcmp(name, TIMEPOINTS[i]) == 0) {
			*out = (enum assessment_timepoint)i;
			return true;
		}
	return false;
}

/* Follow-ups k = 1..n are listed while started_on + k·i is on or before the end (closed)
 * or today + i (open); like the SQL twin, none when that day is before the start. */
static long follow_up_count(const struct assessment_schedule *schedule,
			    const struct assessment_episode *episode, struct civil_date today)
{
	struct civil_date last = episode->ended
					 ? episode->ended_on
					 : civil_date_add_days(today, schedule->interval_days);
	long span = civil_date_days_between(episode->started_on, last);
	return span < 0 ? 0 : span / schedule->interval_days;
}

size_t assessment_schedule_count(const struct assessment_schedule *schedule,
				 const struct assessment_episode *episode, struct civil_date today)
{
	return 1 + (size_t)follow_up_count(schedule, episode, today) + (episode->ended ? 1 : 0);
}

enum assessment_slot_state assessment_slot_state_on(bool filled, struct civil_date opens,
						    struct civil_date due, struct civil_date closes,
						    struct civil_date today)
{
	if (filled)
		return SLOT_DONE;
	if (civil_date_compare(today, opens) < 0)
		return SLOT_UPCOMING;
	if (civil_date_compare(today, due) <= 0)
		return SLOT_DUE;
	if (civil_date_compare(today, closes) <= 0)
		return SLOT_OVERDUE;
	return SLOT_MISSED;
}

/* The slot at index (0 the baseline, 1..n the follow-ups, n + 1 the discharge), its
 * state not yet set. */
static struct assessment_slot slot_at(const struct assessment_schedule *schedule,
				      const struct assessment_episode *episode, long follow_ups,
				      long index)
{
	struct assessment_slot slot = {.filled_by = -1};
	int w = schedule->window_days;
	if (index == 0) {
		slot.timepoint = ASSESSMENT_BASELINE;
		slot.window_opens_on = episode->started_on;
		slot.due_on = civil_date_add_days(episode->started_on, schedule->baseline_days);
	} else if (index <= follow_ups) {
		slot.timepoint = ASSESSMENT_FOLLOW_UP;
		slot.slot = (int)index;
		slot.due_on = civil_date_add_days(episode->started_on,
						  (int)index * schedule->interval_days);
		slot.window_opens_on = civil_date_add_days(slot.due_on, -w);
	} else {
		slot.timepoint = ASSESSMENT_DISCHARGE;
		slot.window_opens_on = episode->ended_on;
		slot.due_on = civil_date_add_days(episode->ended_on, schedule->discharge_days);
	}
	slot.window_closes_on = civil_date_add_days(slot.due_on, w);
	return slot;
}

static long filler_of(const struct assessment_slot *slot, const struct assessment_filled *live,
		      size_t live_count)
{
	for (size_t i = 0; i < live_count; i++)
		if (live[i].timepoint == slot->timepoint && live[i].slot == slot->slot)
			return (long)i;
	return -1;
}

size_t assessment_schedule_slots(const struct assessment_schedule *schedule,
				 const struct assessment_episode *episode, struct civil_date today,
				 const struct assessment_filled *live, size_t live_count,
				 struct assessment_slot *out, size_t capacity)
{
	long follow_ups = follow_up_count(schedule, episode, today);
	size_t count = assessment_schedule_count(schedule, episode, today);
	for (size_t i = 0; i < count && i < capacity; i++) {
		struct assessment_slot slot = slot_at(schedule, episode, follow_ups, (long)i);
		slot.filled_by = filler_of(&slot, live, live_count);
		slot.state = assessment_slot_state_on(slot.filled_by >= 0, slot.window_opens_on,
						      slot.due_on, slot.window_closes_on, today);
		out[i] = slot;
	}
	return count;
}

/* The first and last index whose slot may hold day: all of them but for the follow-ups,
 * whose windows (due_on ± w, due_on = start + k·i) bound k. */
static void candidate_range(const struct assessment_schedule *schedule,
			    const struct assessment_episode *episode, long follow_ups,
			    enum assessment_timepoint timepoint, struct civil_date day, long *first,
			    long *last)
{
	if (timepoint == ASSESSMENT_BASELINE) {
		*first = *last = 0;
		return;
	}
	if (timepoint == ASSESSMENT_DISCHARGE) {
		*first = *last = episode->ended ? follow_ups + 1 : -1;
		return;
	}
	long i = schedule->interval_days;
	long from = civil_date_days_between(episode->started_on, day);
	long low = from - schedule->window_days, high = from + schedule->window_days;
	/* k ≥ low / i rounded up, k ≤ high / i rounded down, 1 ≤ k ≤ follow_ups. */
	*first = low <= 0 ? 1 : (low + i - 1) / i;
	*last = high < 0 ? 0 : high / i;
	if (*first < 1)
		*first = 1;
	if (*last > follow_ups)
		*last = follow_ups;
}

bool assessment_slot_choose(const struct assessment_schedule *schedule,
			    const struct assessment_episode *episode, struct civil_date today,
			    const struct assessment_filled *live, size_t live_count,
			    enum assessment_timepoint timepoint, struct civil_date administered_on,
			    int *slot)
{
	long follow_ups = follow_up_count(schedule, episode, today);
	long first, last;
	candidate_range(schedule, episode, follow_ups, timepoint, administered_on, &first, &last);
	for (long index = first; index >= 0 && index <= last; index++) {
		struct assessment_slot candidate = slot_at(schedule, episode, follow_ups, index);
		if (civil_date_compare(administered_on, candidate.window_opens_on) < 0 ||
		    civil_date_compare(administered_on, candidate.window_closes_on) > 0 ||
		    filler_of(&candidate, live, live_count) >= 0)
			continue;
		*slot = candidate.slot;
		return true;
	}
	return false;
}
