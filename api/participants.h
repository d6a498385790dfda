/* Participants (API.md): the people served, made by a referral or by a supervisor. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "uuid.h"
#include "validate.h"

struct request;
struct db_conn;

void participants_list(struct request *request);
void participants_create(struct request *request);
void participants_get(struct request *request);
void participants_patch(struct request *request);

/* The fields of a participant as a client writes them (also inside a referral). */
extern const struct field_rule PARTICIPANT_FIELDS[];

/* Inserts the participant described by doc (validated against PARTICIPANT_FIELDS) for
 * organization_id, inside the caller's transaction, and writes its id into id. Answers
 * and returns false on failure. */
bool participant_insert(struct request *request, struct db_conn *db, const char *organization_id,
			const json_t *doc, char id[UUID_TEXT_SIZE]);
