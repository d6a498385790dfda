/* A referral after intake (API.md): status transitions, assignment and its history. */
#pragma once

#include "validate.h"

struct request;

void referral_transition(struct request *request);
void referral_assign(struct request *request);
void referral_history(struct request *request);

/* The bodies of a status transition and of an assignment. */
extern const struct field_rule TRANSITION_FIELDS[];
extern const struct field_rule ASSIGNMENT_FIELDS[];
