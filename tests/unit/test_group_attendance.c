/* The roster's rules (rules/group_attendance.c), as tables of cases. */
#include <criterion/criterion.h>

#include "group_attendance.h"

struct entry_case {
	const char *status;
	bool has_minutes;
	long long minutes;
	bool has_note;
	size_t goals;
	unsigned problems; /* in a 60-minute session */
	long long billed;  /* minutes billed, when no problem */
};

Test(group_attendance, entries)
{
	static const struct entry_case cases[] = {
		{"present", false, 0, true, 1, 0, 60},
		{"present", true, 30, true, 1, ATTENDANCE_MINUTES_REFUSED, 60},
		{"present", false, 0, false, 0, ATTENDANCE_NOTE_MISSING | ATTENDANCE_GOALS_MISSING,
		 60},
		{"left_early", true, 25, true, 2, 0, 25},
		{"left_early", true, 60, true, 1, 0, 60},
		{"left_early", true, 61, true, 1, ATTENDANCE_MINUTES_TOO_LONG, 61},
		{"left_early", false, 0, true, 1, ATTENDANCE_MINUTES_MISSING, 0},
		{"left_early", false, 0, false, 1,
		 ATTENDANCE_MINUTES_MISSING | ATTENDANCE_NOTE_MISSING, 0},
		{"absent", false, 0, false, 0, 0, 0},
		{"absent", true, 10, false, 0, ATTENDANCE_MINUTES_REFUSED, 0},
		{"excused", false, 0, true, 1, 0, 0},
		{"excused", true, 5, false, 0, ATTENDANCE_MINUTES_REFUSED, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct entry_case *c = &cases[i];
		struct attendance_entry entry = {.has_minutes = c->has_minutes,
						 .minutes = c->minutes,
						 .has_note = c->has_note,
						 .goal_count = c->goals};
		cr_assert(attendance_status_parse(c->status, &entry.status), "%s", c->status);
		cr_assert_eq(attendance_problems(&entry, 60), c->problems, "case %zu (%s)", i,
			     c->status);
		cr_assert_eq(attendance_minutes(&entry, 60), c->billed, "case %zu (%s)", i,
			     c->status);
	}
}

Test(group_attendance, statuses)
{
	enum attendance_status status;
	cr_assert_not(attendance_status_parse("late", &status));
	cr_assert_not(attendance_status_parse(NULL, &status));
	cr_assert(attendance_status_parse("excused", &status) && status == ATTENDANCE_EXCUSED);
	cr_assert(attendance_came(ATTENDANCE_PRESENT) && attendance_came(ATTENDANCE_LEFT_EARLY));
	cr_assert(!attendance_came(ATTENDANCE_ABSENT) && !attendance_came(ATTENDANCE_EXCUSED));
}

Test(group_attendance, capacity)
{
	static const struct {
		long long size;
		size_t facilitators;
		long long capacity;
	} cases[] = {{12, 1, 12}, {12, 3, 36}, {10, 2, 20}, {1, 1, 1}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_assert_eq(group_capacity(cases[i].size, cases[i].facilitators),
			     cases[i].capacity, "case %zu", i);
}
