/* A referral's moves after intake. Each change locks the referral's row, checks the move
 * against the status graph (rules/referral_status.c), writes the change and its history
 * entry in one transaction, and answers with the referral. */
#include "referral_workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "idempotency.h"
#include "precondition.h"
#include "problem.h"
#include "referral_status.h"
#include "referrals.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "validate.h"

const struct field_rule TRANSITION_FIELDS[] = {
	{.name = "to", .type = FIELD_ENUM, .required = true, .choices = REFERRAL_STATUSES},
	{.name = "reason", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 2000},
	{0},
};

const struct field_rule ASSIGNMENT_FIELDS[] = {
	{.name = "specialist_id", .type = FIELD_UUID, .required = true},
	{.name = "reason", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 2000},
	{0},
};

/* A reopened referral starts over: its specialist, if any, is no longer on it. */
static const struct db_statement REFERRAL_MOVE = {
	"referral_move",
	"UPDATE referrals SET status = $2::referral_status,"
	" assigned_specialist_id = CASE WHEN $2 = 'accepted' THEN NULL"
	" ELSE assigned_specialist_id END, version = version + 1, updated_at = now()"
	" WHERE id = $1"};

static const struct db_statement REFERRAL_ASSIGN = {
	"referral_assign",
	"UPDATE referrals SET assigned_specialist_id = $2::uuid, status = $3::referral_status,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

/* The specialist's row lock serializes assignments to them, so two at once cannot both
 * slip under max_caseload; the profile is read after it, by a new statement that sees
 * every assignment committed before. */
static const struct db_statement SPECIALIST_LOCK = {
	"assignment_specialist_lock", "SELECT id FROM specialists WHERE id = $1 FOR UPDATE"};

static const struct db_statement SPECIALIST_FITNESS = {
	"assignment_specialist_fitness",
	"SELECT organization_id, active, kind, certified, caseload, max_caseload"
	" FROM specialist_profiles WHERE id = $1"};

/* A history entry's columns, in the order of its JSON as the provider's staff read it:
 * who made each move (the person's sub and role) and the specialist of an assignment. */
/* clang-format off */
#define HISTORY_COLUMN_LIST(X, _)                                                \
	X(HISTORY_FROM, "from_status", "from", ROW_STRING)                       \
	_ X(HISTORY_TO, "to_status", "to", ROW_STRING)                           \
	_ X(HISTORY_AT, "peerd_timestamp(at)", "at", ROW_STRING)                 \
	_ X(HISTORY_ACTOR, "actor", "actor", ROW_STRING)                         \
	_ X(HISTORY_ACTOR_ROLE, "actor_role", "actor_role", ROW_STRING)          \
	_ X(HISTORY_REASON, "reason", "reason", ROW_STRING)                      \
	_ X(HISTORY_SPECIALIST_ID, "specialist_id", "specialist_id", ROW_STRING)
/* clang-format on */

enum { HISTORY_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define HISTORY_COLUMNS HISTORY_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member HISTORY_JSON[] = {HISTORY_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

static const struct db_statement HISTORY_SELECT = {
	"referral_history_select",
	"SELECT " HISTORY_COLUMNS " FROM referral_events WHERE referral_id = $1 ORDER BY id"};

/* Records the change made to referral id, commits it with the answer for claim and
 * answers with the referral. */
static void finish(struct request *request, struct db_conn *db, const char *id,
		   enum audit_action action, const struct idempotency *claim)
{
	PGresult *res = referral_reload(request, db, id);
	if (!res)
		return;
	audit_record(request, action, "referral", id,
		     db_text(res, 0, REFERRAL_PROVIDER_ORGANIZATION_ID));
	struct idempotency_answer answer = {200, NULL, db_integer(res, 0, REFERRAL_VERSION),
					    referral_render_for(request, res, 0), id};
	(void)idempotency_commit(request, db, claim, &answer);
	PQclear(res);
}

/* The referral the path names, locked in a transaction that holds the request's
 * Idempotency-Key: the key first, so a retry gets its first answer whatever the referral
 * has become since. Writes the id and the connection; NULL after answering (a replay
 * included). */
static PGresult *keyed_referral(struct request *request, struct db_conn **db, const char **id,
				struct idempotency *claim)
{
	*id = request_id_param(request, "id");
	*db = *id ? request_db(request) : NULL;
	if (!*db || idempotency_start(request, *db, &REFERRAL_REPLAY, claim) != IDEMPOTENCY_PROCEED)
		return NULL;
	PGresult *referral = referral_lock(request, *db, *id);
	if (!referral)
		idempotency_release(*db);
	return referral;
}

/* True when the locked referral is the version the caller read, or they named none; else
 * answers 412 and returns false. If-Match is honoured, not required: the status graph and
 * the assignment checks already refuse what the referral's state no longer allows. */
static bool referral_as_read(struct request *request, const PGresult *referral)
{
	return precondition_holds(request, "referral", db_integer(referral, 0, REFERRAL_VERSION),
				  IF_MATCH_OPTIONAL);
}

/* Answers a refused move: 422 for what the body got wrong, 403 for the role, else 409. */
static void refuse_move(struct request *request, enum referral_move_result result, const char *from,
			const char *to)
{
	switch (result) {
	case MOVE_UNKNOWN_STATUS:
		problem_send_field(request, "to", "%s", referral_move_explain(result));
		return;
	case MOVE_NEEDS_REASON:
		problem_send_field(request, "reason", "is required to move a referral to %s", to);
		return;
	case MOVE_ROLE_REFUSED:
		problem_send(request, 403, "%s: %s → %s", referral_move_explain(result), from, to);
		return;
	case MOVE_ALLOWED:
	case MOVE_NOT_IN_GRAPH:
	case MOVE_BY_ASSIGNMENT:
	case MOVE_AUTOMATIC:
		break;
	}
	problem_send(request, 409, "%s (%s → %s)", referral_move_explain(result), from, to);
}

/* Checks the move the body asks of the locked referral current and writes it with its
 * history entry, inside the open transaction. Returns false after answering. */
static bool move_locked(struct request *request, struct db_conn *db, const char *id,
			const PGresult *current)
{
	if (!referral_as_read(request, current) ||
	    !request_valid(request, request->body, TRANSITION_FIELDS))
		return false;
	const char *to = json_string_value(json_object_get(request->body, "to"));
	const char *reason = json_string_value(json_object_get(request->body, "reason"));
	const char *from = db_text(current, 0, REFERRAL_STATUS);
	enum referral_move_result result =
		referral_move_check(from, to, request->caller.role, reason != NULL);
	if (result != MOVE_ALLOWED) {
		refuse_move(request, result, from, to);
		return false;
	}
	enum db_status status = db_exec(db, &REFERRAL_MOVE, DB_ARGS(id, to), NULL);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	return referral_history_add(request, db, id, from, to, reason, NULL);
}

void referral_transition(struct request *request)
{
	/* The referral first: another organization's is not found, whatever the body. */
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *current = keyed_referral(request, &db, &id, &claim);
	if (!current)
		return;
	bool moved = move_locked(request, db, id, current);
	PQclear(current);
	if (moved)
		finish(request, db, id, AUDIT_TRANSITION, &claim);
	else
		idempotency_release(db);
}

/* Every assignment check API.md lists that the specialist fails, written into why as
 * "not active; not certified today; ..."; true when there is none. */
static bool specialist_fits(const PGresult *fitness, const PGresult *referral, char *why,
			    size_t size)
{
	why[0] = '\0';
	if (PQntuples(fitness) == 0 ||
	    strcmp(db_text(fitness, 0, 0),
		   db_text(referral, 0, REFERRAL_PROVIDER_ORGANIZATION_ID)) != 0) {
		snprintf(why, size, "the specialist does not work for the provider organization");
		return false;
	}
	const char *service_type = db_text(referral, 0, REFERRAL_SERVICE_TYPE);
	const char *wanted_kind = strcmp(service_type, "family") == 0 ? "family_peer" : "peer";
	long long caseload = db_integer(fitness, 0, 4), max = db_integer(fitness, 0, 5);
	struct {
		bool failed;
		char text[96];
	} checks[4] = {{!db_boolean(fitness, 0, 1), "not active"},
		       {strcmp(db_text(fitness, 0, 2), wanted_kind) != 0, ""},
		       {!db_boolean(fitness, 0, 3), "not certified today"},
		       {caseload >= max, ""}};
	snprintf(checks[1].text, sizeof checks[1].text,
		 "a %s specialist, and %s support needs a %s", db_text(fitness, 0, 2), service_type,
		 wanted_kind);
	snprintf(checks[3].text, sizeof checks[3].text, "caseload full (%lld of %lld)", caseload,
		 max);
	for (size_t i = 0; i < 4; i++) {
		if (!checks[i].failed)
			continue;
		size_t used = strlen(why);
		snprintf(why + used, size - used, "%s%s", used ? "; " : "", checks[i].text);
	}
	return why[0] == '\0';
}

/* Checks and writes the assignment of the locked referral inside the open transaction.
 * Returns false after answering. */
static bool assign_locked(struct request *request, struct db_conn *db, const char *id,
			  const PGresult *referral)
{
	const char *specialist_id =
		json_string_value(json_object_get(request->body, "specialist_id"));
	const char *reason = json_string_value(json_object_get(request->body, "reason"));
	const char *from = db_text(referral, 0, REFERRAL_STATUS);
	const char *current = db_text(referral, 0, REFERRAL_ASSIGNED_SPECIALIST_ID);
	if (strcmp(from, "accepted") != 0 && !referral_status_has_specialist(from)) {
		problem_send(request, 409,
			     "a referral is assigned once accepted, and reassigned while assigned "
			     "or engaged; this one is %s",
			     from);
		return false;
	}
	char specialist[UUID_TEXT_SIZE];
	uuid_normalize(specialist_id, specialist);
	if (current && strcmp(current, specialist) == 0) {
		problem_send(request, 409, "the referral is already assigned to this specialist");
		return false;
	}
	PGresult *fitness = NULL;
	enum db_status status = db_exec(db, &SPECIALIST_LOCK, DB_ARGS(specialist), NULL);
	if (status == DB_OK)
		status = db_exec(db, &SPECIALIST_FITNESS, DB_ARGS(specialist), &fitness);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	char why[512];
	bool fits = specialist_fits(fitness, referral, why, sizeof why);
	PQclear(fitness);
	if (!fits) {
		problem_send(request, 409, "the specialist cannot take this referral: %s", why);
		return false;
	}
	const char *to = strcmp(from, "accepted") == 0 ? "assigned" : from;
	status = db_exec(db, &REFERRAL_ASSIGN, DB_ARGS(id, specialist, to), NULL);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	return referral_history_add(request, db, id, from, to, reason, specialist);
}

void referral_assign(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *referral = keyed_referral(request, &db, &id, &claim);
	if (!referral)
		return;
	bool assigned = referral_as_read(request, referral) &&
			request_valid(request, request->body, ASSIGNMENT_FIELDS) &&
			assign_locked(request, db, id, referral);
	PQclear(referral);
	if (assigned)
		finish(request, db, id, AUDIT_UPDATE, &claim);
	else
		idempotency_release(db);
}

static json_t *event_render_for_staff(const PGresult *res, int row)
{
	return row_json_render(HISTORY_JSON, sizeof HISTORY_JSON / sizeof *HISTORY_JSON, res, row);
}

/* The organization on whose side the move to `to` was made: the referrer's for the
 * submission and a withdrawal, the provider's for the rest. */
static const char *acting_organization(const PGresult *referral, const char *to)
{
	const char *referrer = db_text(referral, 0, REFERRAL_REFERRING_ORGANIZATION_ID);
	if (referrer && referral_move_is_referrers(to))
		return referrer;
	return db_text(referral, 0, REFERRAL_PROVIDER_ORGANIZATION_ID);
}

/* A partner learns how its referral moved and which organization moved it, never who on
 * the provider's staff did, nor which specialist took it, nor what the staff wrote about
 * the person: of the reasons, only a decline's (the answer to the referrer) and its own
 * withdrawal's. */
static json_t *event_render_for_partner(const PGresult *res, int row, const PGresult *referral)
{
	const char *to = db_text(res, row, HISTORY_TO);
	bool reason_shown = strcmp(to, "declined") == 0 || strcmp(to, "withdrawn") == 0;
	return json_pack(
		"{s:o, s:s, s:s, s:s, s:o}", "from", db_json_string(res, row, HISTORY_FROM), "to",
		to, "at", db_text(res, row, HISTORY_AT), "actor", acting_organization(referral, to),
		"reason", reason_shown ? db_json_string(res, row, HISTORY_REASON) : json_null());
}

void referral_history(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *referral = db ? referral_find_visible(request, db, id) : NULL;
	if (!referral)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &HISTORY_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		PQclear(referral);
		return;
	}
	bool partner = request->caller.role == ROLE_PARTNER;
	json_t *items = json_array();
	for (int row = 0; items && row < PQntuples(res); row++)
		json_array_append_new(items, partner ? event_render_for_partner(res, row, referral)
						     : event_render_for_staff(res, row));
	PQclear(res);
	/* The history of a referral about substance use discloses it as the referral does. */
	json_t *notice = referral_notice(referral, 0);
	PQclear(referral);
	respond_json(request, 200,
		     json_pack("{s:o, s:n, s:o}", "items", items, "next_cursor",
			       "redisclosure_notice", notice));
}
