/* An episode's slots (rules/assessment_schedule.h) as one line of text, for tables of
 * cases and for comparing with the SQL twin. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "assessment_schedule.h"

/* Writes "timepoint/slot due_on opens..closes state[ filler]" for each slot, separated
 * by "; ", into out (size bytes, truncated when short). */
void schedule_text(const struct assessment_slot *slots, size_t count, bool with_filler, char *out,
		   size_t size);
