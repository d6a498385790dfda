/* BARC-10 assessments (API.md "Episodes and assessments"): what a participant answered
 * on a day, filling a slot of their episode's schedule; never changed, voided once with a
 * reason (which frees the slot for a replacement). */
#pragma once

struct request;

void assessments_list(struct request *request);
void assessments_create(struct request *request);
void assessments_get(struct request *request);
void assessment_void(struct request *request);

extern const char *const ASSESSMENT_INSTRUMENTS[];
extern const char *const ASSESSMENT_TIMEPOINTS[];
