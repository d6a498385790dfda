/* A group session's roster (API.md "Group sessions"): what each attendance entry must
 * carry for its status, the minutes each attendee is billed for, and the group's
 * capacity. Pure functions: the handler supplies the entry's facts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum attendance_status {
	ATTENDANCE_PRESENT,    /* the whole session */
	ATTENDANCE_LEFT_EARLY, /* minutes says how long */
	ATTENDANCE_ABSENT,
	ATTENDANCE_EXCUSED,
};

/* One roster entry as the client wrote it. */
struct attendance_entry {
	enum attendance_status status;
	bool has_minutes;
	long long minutes;
	bool has_note;
	size_t goal_count;
};

/* What is wrong with an entry, as bits: each names the member at fault. */
enum attendance_problem {
	ATTENDANCE_MINUTES_MISSING = 1 << 0,  /* left_early without minutes */
	ATTENDANCE_MINUTES_REFUSED = 1 << 1,  /* minutes with another status */
	ATTENDANCE_MINUTES_TOO_LONG = 1 << 2, /* more than the session lasted */
	ATTENDANCE_NOTE_MISSING = 1 << 3,     /* came, but no note */
	ATTENDANCE_GOALS_MISSING = 1 << 4,    /* came, but no goal */
};

/* Reads "present", "left_early", "absent" or "excused"; false for anything else. */
bool attendance_status_parse(const char *name, enum attendance_status *out);

/* True for whoever came: present or left early. They get a note at signing. */
bool attendance_came(enum attendance_status status);

/* The problems of entry in a session of duration_minutes (0 when none). */
unsigned attendance_problems(const struct attendance_entry *entry, long long duration_minutes);

/* The minutes an attendee is billed for: the whole session when present, their own when
 * they left early, none otherwise. */
long long attendance_minutes(const struct attendance_entry *entry, long long duration_minutes);

/* How many may come (present or left early) to a session led by facilitators, under the
 * organization's max_group_size per facilitator. */
long long group_capacity(long long max_group_size, size_t facilitators);
