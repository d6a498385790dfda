/* A referral after intake (API.md): status transitions, assignment and its history. */
#pragma once

struct request;

void referral_transition(struct request *request);
void referral_assign(struct request *request);
void referral_history(struct request *request);
