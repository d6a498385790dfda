/* The audit trail's routes (API.md "Audit"). */
#pragma once

struct request;

void audit_events_list(struct request *request);
void audit_events_verify(struct request *request);
