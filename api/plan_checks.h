/* A plan's sections as the API checks them (API.md "Plans"): rules/plan_sections.c's
 * table of each kind's keys, made into validation rules, so that a 422 names every
 * broken field ("sections.professionals[0].email") at once. */
#pragma once

#include <jansson.h>

#include "plan_sections.h"
#include "validate.h"

/* Adds to errors what is wrong with sections as the sections of a plan of kind: no
 * section at all (naming "sections"), a key kind lacks, a value of the wrong shape or
 * length. A sections that is no object is left to validate_object to name. */
void plan_sections_check(enum plan_kind kind, const json_t *sections, struct field_errors *errors);
