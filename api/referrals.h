/* Referrals (API.md): a partner's (or the provider's own) request for peer support, from
 * intake through assignment to its end. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "validate.h"

struct request;
struct db_conn;

void referrals_create(struct request *request);
void referrals_list(struct request *request);
void referrals_get(struct request *request);

/* The fields of a referral at intake, the participant and consent included. */
extern const struct field_rule REFERRAL_FIELDS[];

/* Column order of REFERRAL_COLUMNS, for the workflow routes (api/referral_workflow.c). */
enum referral_column {
	REFERRAL_ID,
	REFERRAL_PROVIDER_ORGANIZATION_ID,
	REFERRAL_REFERRING_ORGANIZATION_ID,
	REFERRAL_PARTICIPANT_ID,
	REFERRAL_SERVICE_TYPE,
	REFERRAL_REASON,
	REFERRAL_NEEDS,
	REFERRAL_URGENCY,
	REFERRAL_SUBSTANCE_USE,
	REFERRAL_CONSENT_OBTAINED,
	REFERRAL_CONSENT_OBTAINED_ON,
	REFERRAL_CONSENT_PART2,
	REFERRAL_EXTERNAL_ID,
	REFERRAL_STATUS,
	REFERRAL_ASSIGNED_SPECIALIST_ID,
	REFERRAL_ASSIGNED_SUBJECT,
	REFERRAL_ASSIGNED_ORGANIZATION_ID,
	REFERRAL_FIRST_CONTACT_AT,
	REFERRAL_SUBMITTED_AT,
	REFERRAL_RESPOND_BY,
	REFERRAL_OVERDUE,
	REFERRAL_VERSION,
	REFERRAL_CREATED_AT,
	REFERRAL_UPDATED_AT,
	REFERRAL_POSITION,
	/* Of the participant, for matching. */
	REFERRAL_PARTICIPANT_LANGUAGE,
	REFERRAL_PARTICIPANT_COUNTY,
};

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

/* The referral as the caller may see it (a partner sees only the loop back: status,
 * respond_by, its external_id); a new reference. */
json_t *referral_render_for(const struct request *request, const PGresult *res, int row);

/* Records a status change or (re)assignment in the referral's history, inside the open
 * transaction. from and specialist_id may be NULL. Answers and returns false on failure. */
bool referral_history_add(struct request *request, struct db_conn *db, const char *referral_id,
			  const char *from, const char *to, const char *reason,
			  const char *specialist_id);
