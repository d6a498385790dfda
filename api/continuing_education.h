/* Continuing education (API.md "Certifications"): the hours a specialist completes to
 * renew a certification. */
#pragma once

struct request;

void continuing_education_list(struct request *request);
void continuing_education_create(struct request *request);
void continuing_education_get(struct request *request);
