/* Handlers of /v1/organizations (see api/routes.c). */
#pragma once

struct request;

void organizations_list(struct request *request);
void organizations_create(struct request *request);
void organizations_get(struct request *request);
void organizations_patch(struct request *request);
