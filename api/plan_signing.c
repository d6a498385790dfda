/* Signing a plan (API.md "Plans"): the participant signed it on a day (not after the
 * organization's today), the staff member signs it now; it becomes the participant's
 * active plan of its kind, due for review plan_review_days after the participant's
 * signature, and the active plan before it is superseded. Signings of one participant's
 * plans take turns on the participant's row lock (as their notes' signings do), so of two
 * drafts of one kind signed at once the later supersedes the earlier: one is active. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "civil_date.h"
#include "db.h"
#include "idempotency.h"
#include "plans.h"
#include "precondition.h"
#include "problem.h"
#include "request.h"
#include "session_note_signing.h"
#include "validate.h"

static const struct field_rule SIGN_FIELDS[] = {
	{.name = "participant_signed_on", .type = FIELD_DATE, .required = true},
	{0},
};

/* Turns the participant's active plan of kind $2 other than $3 superseded; its id, if
 * any. */
static const struct db_statement PLAN_SUPERSEDE = {
	"plan_supersede",
	"UPDATE plans SET status = 'superseded', version = version + 1, updated_at = now()"
	" WHERE participant_id = $1 AND kind = $2::plan_kind AND status = 'active' AND id <> $3"
	" RETURNING id, organization_id"};

static const struct db_statement PLAN_SIGN = {
	"plan_sign",
	"UPDATE plans pl SET status = 'active', participant_signed_on = $2::date,"
	" staff_signed_by = $3, staff_signed_at = now(), next_review_on = $2::date +"
	" (SELECT o.plan_review_days FROM organizations o WHERE o.id = pl.organization_id),"
	" version = version + 1, updated_at = now() WHERE id = $1"};

/* The participant's signature is on a day that has come where they are served; false
 * after answering 422. */
static bool signed_on_not_future(struct request *request, const PGresult *plan)
{
	const char *today_text = db_text(plan, 0, PLAN_TODAY);
	struct civil_date day, today;
	if (!civil_date_parse(member_text(request->body, "participant_signed_on"), &day) ||
	    !civil_date_parse(today_text, &today) || civil_date_compare(day, today) <= 0)
		return true;
	problem_send_field(request, "participant_signed_on", "cannot be after today (%s)",
			   today_text);
	return false;
}

/* May the caller sign the locked plan with the body? False after answering. */
static bool sign_allowed(struct request *request, const PGresult *plan)
{
	if (!precondition_holds(request, "plan", db_integer(plan, 0, PLAN_VERSION),
				IF_MATCH_OPTIONAL) ||
	    !request_valid(request, request->body, SIGN_FIELDS))
		return false;
	if (strcmp(db_text(plan, 0, PLAN_STATUS), "draft") != 0) {
		problem_send(request, 409, "the plan is already signed (%s); revise it instead",
			     db_text(plan, 0, PLAN_STATUS));
		return false;
	}
	return signed_on_not_future(request, plan);
}

/* Supersedes the participant's active plan of the locked plan's kind and signs the plan,
 * in the open transaction. False after answering. */
static bool sign_locked(struct request *request, struct db_conn *db, const char *id,
			const PGresult *plan)
{
	PGresult *superseded = NULL;
	enum db_status status = db_exec(
		db, &PLAN_SUPERSEDE,
		DB_ARGS(db_text(plan, 0, PLAN_PARTICIPANT_ID), db_text(plan, 0, PLAN_KIND), id),
		&superseded);
	for (int row = 0; status == DB_OK && row < PQntuples(superseded); row++)
		audit_record(request, AUDIT_TRANSITION, "plan", db_text(superseded, row, 0),
			     db_text(superseded, row, 1));
	PQclear(superseded);
	if (status == DB_OK)
		status = db_exec(db, &PLAN_SIGN,
				 DB_ARGS(id, member_text(request->body, "participant_signed_on"),
					 request->caller.subject),
				 NULL);
	if (status != DB_OK)
		problem_send_database(request, status);
	return status == DB_OK;
}

/* The plan id, locked after its participant's row (the order every signing of theirs
 * takes), when the caller may see it; NULL after answering. */
static PGresult *plan_lock_for_signing(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *found = plan_find(request, db, id, false);
	bool locked = found && session_note_lock_participant(
				       request, db, db_text(found, 0, PLAN_PARTICIPANT_ID));
	PQclear(found);
	/* Read again under the lock: a signing that held it has committed by now. */
	return locked ? plan_find(request, db, id, true) : NULL;
}

void plan_sign(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &PLAN_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	PGresult *plan = plan_lock_for_signing(request, db, id);
	bool signed_now = plan && sign_allowed(request, plan) && sign_locked(request, db, id, plan);
	PQclear(plan);
	if (!signed_now || !plan_finish(request, db, id, 200, AUDIT_SIGN, &claim))
		idempotency_release(db);
}
