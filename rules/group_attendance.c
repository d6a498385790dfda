#include "group_attendance.h"

#include <string.h>

static const char *const NAMES[] = {
	[ATTENDANCE_PRESENT] = "present",
	[ATTENDANCE_LEFT_EARLY] = "left_early",
	[ATTENDANCE_ABSENT] = "absent",
	[ATTENDANCE_EXCUSED] = "excused",
};

bool attendance_status_parse(const char *name, enum attendance_status *out)
{
	for (size_t i = 0; name && i < sizeof NAMES / sizeof *NAMES; i++)
		if (strcmp(name, NAMES[i]) == 0) {
			*out = (enum attendance_status)i;
			return true;
		}
	return false;
}

bool attendance_came(enum attendance_status status)
{
	return status == ATTENDANCE_PRESENT || status == ATTENDANCE_LEFT_EARLY;
}

unsigned attendance_problems(const struct attendance_entry *entry, long long duration_minutes)
{
	unsigned problems = 0;
	if (entry->status == ATTENDANCE_LEFT_EARLY && !entry->has_minutes)
		problems |= ATTENDANCE_MINUTES_MISSING;
	if (entry->status != ATTENDANCE_LEFT_EARLY && entry->has_minutes)
		problems |= ATTENDANCE_MINUTES_REFUSED;
	if (entry->status == ATTENDANCE_LEFT_EARLY && entry->has_minutes &&
	    entry->minutes > duration_minutes)
		problems |= ATTENDANCE_MINUTES_TOO_LONG;
	if (attendance_came(entry->status) && !entry->has_note)
		problems |= ATTENDANCE_NOTE_MISSING;
	if (attendance_came(entry->status) && entry->goal_count == 0)
		problems |= ATTENDANCE_GOALS_MISSING;
	return problems;
}

long long attendance_minutes(const struct attendance_entry *entry, long long duration_minutes)
{
	switch (entry->status) {
	case ATTENDANCE_PRESENT:
		return duration_minutes;
	case ATTENDANCE_LEFT_EARLY:
		return entry->has_minutes ? entry->minutes : 0;
	case ATTENDANCE_ABSENT:
	case ATTENDANCE_EXCUSED:
		break;
	}
	return 0;
}

long long group_capacity(long long max_group_size, size_t facilitators)
{
	return max_group_size * (long long)facilitators;
}
