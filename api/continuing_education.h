/* Continuing education (API.md "Certifications"): the hours a specialist completes to
 * renew a certification. */
#pragma once

#include "validate.h"

struct request;

void continuing_education_list(struct request *request);
void continuing_education_create(struct request *request);
void continuing_education_get(struct request *request);

/* The fields of a continuing education entry as a client writes them. */
extern const struct field_rule CEU_FIELDS[];
