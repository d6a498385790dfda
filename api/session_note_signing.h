/* What happens to a session note at and after signing (API.md): billing fixed at
 * signing, addenda, the supervisor's co-signature. */
#pragma once

#include "validate.h"

struct request;

void session_note_sign(struct request *request);
void session_note_add_addendum(struct request *request);
void session_note_cosign(struct request *request);

/* The fields of an addendum. */
extern const struct field_rule ADDENDUM_FIELDS[];
