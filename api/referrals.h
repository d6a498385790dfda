/* Referrals (API.md): a partner's (or the provider's own) request for peer support, from
 * intake through assignment to its end. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "row_json.h"
#include "validate.h"

struct request;
struct db_conn;

void referrals_create(struct request *request);
void referrals_list(struct request *request);
void referrals_get(struct request *request);

/* The fields of a referral at intake, the participant and consent included. */
extern const struct field_rule REFERRAL_FIELDS[];

/* The services a referral asks for, and how urgently (each NULL-terminated). */
extern const char *const SERVICE_TYPES[];
extern const char *const URGENCIES[];

/* A referral's columns, in the order of its JSON (api/referrals.c expands the list): a
 * partner sees the members before participant_id, the provider's staff all of them. The
 * enum is also for the workflow routes (api/referral_workflow.c). */
/* clang-format off */
#define REFERRAL_COLUMN_LIST(X, _)                                                                 \
	X(REFERRAL_ID, "r.id", "id", ROW_STRING)                                                   \
	_ X(REFERRAL_PROVIDER_ORGANIZATION_ID, "r.provider_organization_id",                       \
	    "provider_organization_id", ROW_STRING)                                                \
	_ X(REFERRAL_REFERRING_ORGANIZATION_ID, "r.referring_organization_id",                     \
	    "referring_organization_id", ROW_STRING)                                               \
	_ X(REFERRAL_EXTERNAL_ID, "r.external_id", "external_id", ROW_STRING)                      \
	_ X(REFERRAL_SERVICE_TYPE, "r.service_type", "service_type", ROW_STRING)                   \
	_ X(REFERRAL_URGENCY, "r.urgency", "urgency", ROW_STRING)                                  \
	_ X(REFERRAL_SUBSTANCE_USE, "r.substance_use", "substance_use", ROW_BOOLEAN)               \
	_ X(REFERRAL_STATUS, "r.status", "status", ROW_STRING)                                     \
	_ X(REFERRAL_SUBMITTED_AT, "peerd_timestamp(r.submitted_at)", "submitted_at", ROW_STRING)  \
	_ X(REFERRAL_RESPOND_BY, "peerd_timestamp(r.respond_by)", "respond_by", ROW_STRING)        \
	_ X(REFERRAL_OVERDUE, "r.status = 'submitted' AND r.respond_by < now()", "overdue",        \
	    ROW_BOOLEAN)                                                                           \
	_ X(REFERRAL_REDISCLOSURE_NOTICE,                                                          \
	    "CASE WHEN r.substance_use THEN peerd_redisclosure_notice() END",                      \
	    "redisclosure_notice", ROW_STRING)                                                     \
	_ X(REFERRAL_VERSION, "r.version", "version", ROW_INTEGER)                                 \
	_ X(REFERRAL_CREATED_AT, "peerd_timestamp(r.created_at)", "created_at", ROW_STRING)        \
	_ X(REFERRAL_UPDATED_AT, "peerd_timestamp(r.updated_at)", "updated_at", ROW_STRING)        \
	_ X(REFERRAL_PARTICIPANT_ID, "r.participant_id", "participant_id", ROW_STRING)             \
	_ X(REFERRAL_REASON, "r.reason", "reason", ROW_STRING)                                     \
	_ X(REFERRAL_NEEDS, "array_to_json(r.needs)", "needs", ROW_JSON)                           \
	_ X(REFERRAL_CONSENT_OBTAINED, "r.consent_obtained", "consent.obtained", ROW_BOOLEAN)      \
	_ X(REFERRAL_CONSENT_OBTAINED_ON, "to_char(r.consent_obtained_on, 'YYYY-MM-DD')",          \
	    "consent.obtained_on", ROW_STRING)                                                     \
	_ X(REFERRAL_CONSENT_PART2, "r.consent_part2", "consent.part2", ROW_BOOLEAN)               \
	_ X(REFERRAL_ASSIGNED_SPECIALIST_ID, "r.assigned_specialist_id", "assigned_specialist_id", \
	    ROW_STRING)                                                                            \
	_ X(REFERRAL_FIRST_CONTACT_AT, "peerd_timestamp(r.first_contact_at)", "first_contact_at",  \
	    ROW_STRING)                                                                            \
	_ X(REFERRAL_ASSIGNED_SUBJECT, "a.subject", NULL, ROW_HIDDEN)                              \
	_ X(REFERRAL_ASSIGNED_ORGANIZATION_ID, "a.organization_id", NULL, ROW_HIDDEN)              \
	_ X(REFERRAL_POSITION, "peerd_position(r.created_at)", NULL, ROW_HIDDEN)                   \
	_ X(REFERRAL_PARTICIPANT_LANGUAGE, "p.preferred_language", NULL, ROW_HIDDEN)               \
	_ X(REFERRAL_PARTICIPANT_COUNTY, "p.county", NULL, ROW_HIDDEN)                            \
	/* the consent a partner reads it under (42 CFR Part 2: audited as disclose), else NULL */ \
	_ X(REFERRAL_DISCLOSED_UNDER, "peerd_referral_disclosed_under(r.participant_id,"           \
	    " r.substance_use, r.referring_organization_id)", NULL, ROW_HIDDEN)
/* clang-format on */

enum referral_column { REFERRAL_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

/* Locks referral id for a change in the open transaction (idempotency_start's); NULL after
 * answering (404 when missing or not visible to the caller, or a database failure). The
 * caller PQclear()s it. */
PGresult *referral_lock(struct request *request, struct db_conn *db, const char *id);

/* Reads referral id as the caller may see it, and records the read for the audit trail;
 * NULL after answering 404 (or 503). */
PGresult *referral_find_visible(struct request *request, struct db_conn *db, const char *id);

struct idempotency_resource;

/* A referral for a replayed Idempotency-Key: a replay reads it as referral_find_visible
 * does. */
extern const struct idempotency_resource REFERRAL_REPLAY;

/* Reads referral id again after a change in this transaction; NULL after answering. */
PGresult *referral_reload(struct request *request, struct db_conn *db, const char *id);

/* The 42 CFR 2.32 redisclosure notice for the referral of row (REFERRAL_COLUMNS): a
 * string when it is about substance use, else JSON null. The caller owns it. */
json_t *referral_notice(const PGresult *res, int row);

/* The referral as the caller may see it (a partner sees only the loop back: status,
 * respond_by, its external_id); a new reference. */
json_t *referral_render_for(const struct request *request, const PGresult *res, int row);

/* Records a status change or (re)assignment in the referral's history, inside the open
 * transaction. from and specialist_id may be NULL. Answers and returns false on failure. */
bool referral_history_add(struct request *request, struct db_conn *db, const char *referral_id,
			  const char *from, const char *to, const char *reason,
			  const char *specialist_id);
