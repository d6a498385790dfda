/* Episodes (API.md "Episodes and assessments"): a stretch of service a funder measures,
 * open until closed with an end and its reason, never changed once closed, and its
 * computed schedule of BARC-10 assessments (rules/assessment_schedule.c) on the
 * organization's assessment_schedule and today. Who may see an episode is who may see
 * its participant (peerd_participant_visible). */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "assessment_schedule.h"
#include "audit.h"
#include "row_json.h"

struct request;
struct db_conn;
struct idempotency;

void episodes_list_for_participant(struct request *request);
void episodes_list(struct request *request);
void episodes_create(struct request *request);
void episodes_get(struct request *request);
void episodes_patch(struct request *request);

extern const char *const EPISODE_STATUSES[];
extern const char *const EPISODE_END_REASONS[];

json_t *episode_schedule_member(const PGresult *res, int row, int column);

/* An episode's columns, in the order of its JSON, from episodes e. The schedule is
 * rendered in C from the live assessments (its column) and the hidden columns after it. */
/* clang-format off */
#define EPISODE_COLUMN_LIST(X, _)                                                             \
	X(EPISODE_ID, "e.id", "id", ROW_STRING)                                               \
	_ X(EPISODE_ORGANIZATION_ID, "e.organization_id", "organization_id", ROW_STRING)      \
	_ X(EPISODE_PARTICIPANT_ID, "e.participant_id", "participant_id", ROW_STRING)         \
	_ X(EPISODE_PROGRAM, "e.program", "program", ROW_STRING)                              \
	_ X(EPISODE_STARTED_ON, "to_char(e.started_on, 'YYYY-MM-DD')", "started_on",          \
	    ROW_STRING)                                                                       \
	_ X(EPISODE_ENDED_ON, "to_char(e.ended_on, 'YYYY-MM-DD')", "ended_on", ROW_STRING)    \
	_ X(EPISODE_END_REASON, "e.end_reason", "end_reason", ROW_STRING)                     \
	_ X(EPISODE_STATUS, "CASE WHEN e.ended_on IS NULL THEN 'open' ELSE 'closed' END",     \
	    "status", ROW_STRING)                                                             \
	/* the live assessments: [timepoint, slot, id, administered_on] by day */             \
	_ X(EPISODE_SCHEDULE, "(SELECT coalesce(json_agg(json_build_array(a.timepoint,"       \
	    " a.slot, a.id, a.administered_on) ORDER BY a.administered_on, a.id), '[]')"      \
	    " FROM assessments a WHERE a.episode_id = e.id AND a.voided_at IS NULL)",         \
	    "schedule", ROW_CUSTOM(episode_schedule_member))                                  \
	_ X(EPISODE_CREATED_BY, "e.created_by", "created_by", ROW_STRING)                     \
	_ X(EPISODE_VERSION, "e.version", "version", ROW_INTEGER)                             \
	_ X(EPISODE_CREATED_AT, "peerd_timestamp(e.created_at)", "created_at", ROW_STRING)    \
	_ X(EPISODE_UPDATED_AT, "peerd_timestamp(e.updated_at)", "updated_at", ROW_STRING)    \
	_ X(EPISODE_POSITION, "peerd_position(e.created_at)", NULL, ROW_HIDDEN)               \
	/* the organization's today and assessment_schedule [b, i, w, d] */                   \
	_ X(EPISODE_TODAY, "to_char(peerd_organization_today(e.organization_id),"             \
	    " 'YYYY-MM-DD')", NULL, ROW_HIDDEN)                                               \
	_ X(EPISODE_SCHEDULE_DAYS, "(SELECT json_build_array(o.assessment_baseline_days,"     \
	    " o.assessment_interval_days, o.assessment_window_days,"                          \
	    " o.assessment_discharge_days) FROM organizations o"                              \
	    " WHERE o.id = e.organization_id)", NULL, ROW_HIDDEN)
/* clang-format on */

enum episode_column { EPISODE_COLUMN_LIST(ROW_COLUMN_ENUM, ) EPISODE_COLUMN_COUNT };

#define EPISODE_COLUMNS EPISODE_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

/* One episode as the API's JSON; a new reference. */
json_t *episode_render(const PGresult *res, int row);

/* Episode id when the caller may see it, read in the open transaction and, with lock,
 * locked in it (assessments of one episode choose their slots in turn); NULL after
 * answering 404 (or 503). The caller PQclear()s it. */
PGresult *episode_find(struct request *request, struct db_conn *db, const char *id, bool lock);

/* The slot (rules/assessment_schedule.h) an assessment of timepoint administered on day
 * fills in the episode row, given its live assessments; false when none. */
bool episode_slot_choose(const PGresult *episode, enum assessment_timepoint timepoint,
			 struct civil_date day, int *slot);
