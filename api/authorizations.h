/* Authorizations (API.md "Coverage, authorizations and claims"): the units of H0038 a payer
 * authorized for a participant between two days, under one of their coverages. Units used
 * are always derived from the signed notes billed under it (sql/033), never stored. */
#pragma once

struct request;

void authorizations_list(struct request *request);
void authorizations_create(struct request *request);
void authorizations_get(struct request *request);
void authorizations_patch(struct request *request);

/* An authorization's statuses (NULL-terminated), as the list filter takes them. */
extern const char *const AUTHORIZATION_STATUSES[];
