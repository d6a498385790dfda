/* Plans (API.md "Plans"): a participant's recovery plan, WRAP or crisis safety plan, in
 * their own words. Written as drafts by a supervisor, an admin or the participant's
 * assigned specialist; signed (api/plan_signing.c) into the participant's active plan of
 * its kind, never changed after, and revised by a new draft that supersedes it when
 * signed. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "audit.h"
#include "row_json.h"

struct request;
struct db_conn;
struct idempotency;

void plans_list_for_participant(struct request *request);
void plans_list(struct request *request);
void plans_create(struct request *request);
void plans_get(struct request *request);
void plans_patch(struct request *request);
void plan_sign(struct request *request);

/* A plan's statuses (NULL-terminated): draft, active, superseded. */
extern const char *const PLAN_STATUSES[];

/* Due for review: active, and next_review_on is the organization's today or past. */
#define PLAN_REVIEW_DUE_SQL                               \
	"(pl.status = 'active' AND pl.next_review_on <= " \
	"peerd_organization_today(pl.organization_id))"

/* A plan's columns, in the order of its JSON, from plans pl. */
/* clang-format off */
#define PLAN_COLUMN_LIST(X, _)                                                                \
	X(PLAN_ID, "pl.id", "id", ROW_STRING)                                                 \
	_ X(PLAN_ORGANIZATION_ID, "pl.organization_id", "organization_id", ROW_STRING)        \
	_ X(PLAN_PARTICIPANT_ID, "pl.participant_id", "participant_id", ROW_STRING)           \
	_ X(PLAN_KIND, "pl.kind", "kind", ROW_STRING)                                         \
	_ X(PLAN_SECTIONS, "pl.sections", "sections", ROW_JSON)                               \
	_ X(PLAN_GOAL_IDS, "(SELECT coalesce(json_agg(x.goal_id ORDER BY x.position), '[]')"  \
	    " FROM plan_goals x WHERE x.plan_id = pl.id)", "goal_ids", ROW_JSON)              \
	_ X(PLAN_STATUS, "pl.status", "status", ROW_STRING)                                   \
	_ X(PLAN_REVISES, "pl.revises", "revises", ROW_STRING)                                \
	_ X(PLAN_PARTICIPANT_SIGNED_ON, "to_char(pl.participant_signed_on, 'YYYY-MM-DD')",    \
	    "participant_signed_on", ROW_STRING)                                              \
	_ X(PLAN_STAFF_SIGNED_BY, "pl.staff_signed_by", "staff_signed_by", ROW_STRING)        \
	_ X(PLAN_STAFF_SIGNED_AT, "peerd_timestamp(pl.staff_signed_at)", "staff_signed_at",   \
	    ROW_STRING)                                                                       \
	_ X(PLAN_NEXT_REVIEW_ON, "to_char(pl.next_review_on, 'YYYY-MM-DD')", "next_review_on", \
	    ROW_STRING)                                                                       \
	_ X(PLAN_REVIEW_DUE, PLAN_REVIEW_DUE_SQL, "review_due", ROW_BOOLEAN)                  \
	_ X(PLAN_CREATED_BY, "pl.created_by", "created_by", ROW_STRING)                       \
	_ X(PLAN_VERSION, "pl.version", "version", ROW_INTEGER)                               \
	_ X(PLAN_CREATED_AT, "peerd_timestamp(pl.created_at)", "created_at", ROW_STRING)      \
	_ X(PLAN_UPDATED_AT, "peerd_timestamp(pl.updated_at)", "updated_at", ROW_STRING)      \
	_ X(PLAN_POSITION, "peerd_position(pl.created_at)", NULL, ROW_HIDDEN)                 \
	/* the organization's today */                                                        \
	_ X(PLAN_TODAY, "to_char(peerd_organization_today(pl.organization_id), 'YYYY-MM-DD')", \
	    NULL, ROW_HIDDEN)
/* clang-format on */

enum plan_column { PLAN_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define PLAN_COLUMNS PLAN_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

/* One plan as the API's JSON; a new reference. */
json_t *plan_render(const PGresult *res, int row);

/* A plan for a replayed Idempotency-Key, read as GET /v1/plans/{id} does. */
extern const struct idempotency_resource PLAN_REPLAY;

/* Plan id when the caller may see it (peerd_participant_visible: a supervisor their
 * organization's, a specialist their assigned participants'), read in the open
 * transaction and, with lock, locked in it; NULL after answering 404 (or 503). The caller
 * PQclear()s it. */
PGresult *plan_find(struct request *request, struct db_conn *db, const char *id, bool lock);

/* Reads plan id again in the open transaction, records action on it, commits with the
 * answer for claim and answers: 201 with Location when created, else status with its ETag.
 * Returns true when it committed and answered. */
bool plan_finish(struct request *request, struct db_conn *db, const char *id, unsigned status,
		 enum audit_action action, const struct idempotency *claim);

/* 409 unless the plan row is a draft; false after answering. */
bool plan_is_draft(struct request *request, const PGresult *plan);
