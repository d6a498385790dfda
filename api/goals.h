/* Goals (API.md): a participant's wellness goals in the eight domains, with progress. */
#pragma once

#include "validate.h"

struct request;

void goals_list(struct request *request);
void goals_create(struct request *request);
void goals_get(struct request *request);
void goals_patch(struct request *request);
void goal_progress_list(struct request *request);
void goal_progress_create(struct request *request);
void goal_progress_get(struct request *request);

/* The fields of a goal and of a progress entry as a client writes them. */
extern const struct field_rule GOAL_FIELDS[];
extern const struct field_rule PROGRESS_FIELDS[];

/* The API's names of the wellness domains, NULL-terminated (also the needs of a
 * referral). */
extern const char *const WELLNESS_DOMAINS[];
