/* Participants (API.md): the people served, made by a referral or by a supervisor. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "db.h"
#include "row_json.h"
#include "uuid.h"
#include "validate.h"

struct request;
struct db_conn;

void participants_list(struct request *request);
void participants_create(struct request *request);
void participants_get(struct request *request);
void participants_patch(struct request *request);
void participants_possible_duplicates(struct request *request);
void participants_merge(struct request *request);

/* The fields of a participant as a client writes them (also inside a referral). */
extern const struct field_rule PARTICIPANT_FIELDS[];

/* Inserts the participant described by doc (validated against PARTICIPANT_FIELDS) for
 * organization_id, inside the caller's transaction, and writes its id into id. Answers
 * and returns false on failure. */
bool participant_insert(struct request *request, struct db_conn *db, const char *organization_id,
			const json_t *doc, char id[UUID_TEXT_SIZE]);

#define PARTICIPANT_INSERT_VALUES 12

/* participant_insert's statement as a step of a batch, inserting doc as id: values is
 * its storage, which must last until the batch has run. */
struct db_step participant_insert_step(const char *organization_id, const json_t *doc,
				       const char *id,
				       const char *values[PARTICIPANT_INSERT_VALUES]);

#define PARTICIPANT_INTAKE_MATCH_VALUES 4

/* The step of a batch that finds the participant a referral's intake serves, inside the
 * caller's transaction, into *out: the organization's person with the same case-folded
 * given and family names and birth date (not merged away), locked. values is its
 * storage, which must last until the batch has run. */
struct db_step participant_intake_match_step(const char *organization_id, const json_t *doc,
					     const char *values[PARTICIPANT_INTAKE_MATCH_VALUES],
					     PGresult **out);

/* From that step's result: the person found, its details left as they were (*reused
 * true), or else a new id for the participant the intake inserts (participant_insert_step).
 * Answers and returns false when no id could be made. */
bool participant_intake_found(struct request *request, const PGresult *match,
			      char id[UUID_TEXT_SIZE], bool *reused);

/* The caller's scope as SQL parameters of peerd_participant_visible (sql/schema.sql):
 * their organization (NULL for an admin) and, for a specialist, their subject (else
 * NULL). */
void participant_visibility_args(const struct request *request, const char **organization_id,
				 const char **specialist_subject);

/* Runs stmt, whose parameters are ($1 id, $2 and $3 participant_visibility_args), in the
 * open transaction or as a statement of its own, and keeps its row: a record of a
 * participant the caller may see. NULL after answering 404 ("there is no such noun") or
 * 503. The caller owns the result. */
PGresult *participant_record_find(struct request *request, struct db_conn *db,
				  const struct db_statement *stmt, const char *id,
				  const char *noun);

/* True when the caller may see and work on participant_id's records; else answers 404
 * naming noun ("goal": the record the client asked for, which is the participant's) or
 * 503, and returns false. */
bool participant_records_visible(struct request *request, struct db_conn *db,
				 const char *participant_id, const char *noun);

/* participant_records_visible for the participant itself. */
bool participant_visible(struct request *request, struct db_conn *db, const char *participant_id);

struct page_request;

/* How a list shows records of participants: their audit resource type, their JSON, and
 * the columns of their id and organization. */
struct participant_record_page {
	const char *resource_type;
	struct row_json_table rows;
	int id_column, organization_column;
};

/* Answers a page the caller's scope read (status, res: taken), ordered by
 * position_column. A list of one participant's records (participant_id; NULL for an
 * organization's list) reads only a participant the caller may see, so an empty page
 * alone asks whether that is why, and answers 404 as participant_visible does. Otherwise
 * each row shown is recorded as read and the page sent. */
void participant_records_page(struct request *request, struct db_conn *db,
			      const char *participant_id, enum db_status status, PGresult *res,
			      const struct page_request *page,
			      const struct participant_record_page *shape, int position_column);
