/* The audit trail's routes (API.md "Audit"). */
#pragma once

struct request;

/* What an audit event may be about (NULL-terminated). */
extern const char *const AUDIT_RESOURCE_TYPES[];

void audit_events_list(struct request *request);
void audit_events_verify(struct request *request);
