/* Certifications (API.md): a specialist's state credentials, verified by a supervisor. */
#pragma once

#include <stdbool.h>

#include "civil_date.h"
#include "uuid.h"
#include "validate.h"

struct request;
struct db_conn;

void certifications_list(struct request *request);
void certifications_list_for_specialist(struct request *request);
void certifications_create(struct request *request);
void certifications_get(struct request *request);
void certifications_patch(struct request *request);
void certifications_verify(struct request *request);

/* The fields of a certification as a client writes them. */
extern const struct field_rule CERTIFICATION_FIELDS[];

/* A certification's statuses (NULL-terminated). */
extern const char *const CERTIFICATION_STATUSES[];

/* How far ahead ?expiring_within_days= may look: ten years. */
#define EXPIRING_WITHIN_DAYS_MAX 3650

/* What a sub-resource (continuing education) needs to know of its certification. */
struct certification_ref {
	char id[UUID_TEXT_SIZE];
	struct civil_date today; /* in the holder's organization's time zone */
};

/* Finds certification id when the caller may see its holder and fills out; else answers
 * 404 (or 503) and returns false. */
bool certification_find_visible(struct request *request, struct db_conn *db, const char *id,
				struct certification_ref *out);
