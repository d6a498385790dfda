/* Handlers of /v1/organizations (see api/routes.c). */
#pragma once

#include "validate.h"

struct request;

void organizations_list(struct request *request);
void organizations_create(struct request *request);
void organizations_get(struct request *request);
void organizations_patch(struct request *request);

/* The fields of an organization as a client writes them. */
extern const struct field_rule ORGANIZATION_FIELDS[];

/* What kind an organization is (NULL-terminated): provider, partner. */
extern const char *const ORGANIZATION_KINDS[];
