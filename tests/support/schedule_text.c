#include "schedule_text.h"

#include <stdio.h>

void schedule_text(const struct assessment_slot *slots, size_t count, bool with_filler, char *out,
		   size_t size)
{
	size_t used = 0;
	*out = '\0';
	for (size_t i = 0; i < count && used < size; i++) {
		char due[11], opens[11], closes[11], filler[24] = "";
		civil_date_format(slots[i].due_on, due, sizeof due);
		civil_date_format(slots[i].window_opens_on, opens, sizeof opens);
		civil_date_format(slots[i].window_closes_on, closes, sizeof closes);
		if (with_filler)
			snprintf(filler, sizeof filler, " %ld", slots[i].filled_by);
		used += (size_t)snprintf(
			out + used, size - used, "%s%s/%d %s %s..%s %s%s", i ? "; " : "",
			assessment_timepoint_name(slots[i].timepoint), slots[i].slot, due, opens,
			closes, assessment_slot_state_name(slots[i].state), filler);
	}
}
