/* A goal's status moves (API.md "Goals"): active, achieved, paused, discontinued. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The API's names of the statuses, NULL-terminated. */
extern const char *const GOAL_STATUSES[];

/* May a goal move from `from` to `to` (staying put always may)? A goal is achieved,
 * paused or discontinued while active; a paused one resumes, is achieved or is
 * discontinued; an achieved or discontinued one may be taken up again (active). When
 * refused, writes why and returns false. */
bool goal_move_allowed(const char *from, const char *to, char *why, size_t why_size);
