/* Plans (API.md "Plans"): the lists, a new draft (or a revision of the active plan),
 * reading one, and PATCH of a draft. Who may see a plan is who may see its participant
 * (peerd_participant_visible): the organization's supervisors, admins, and the specialist
 * assigned to the participant. Every section and goal problem of a write is named in one
 * 422: the kind's sections by rules/plan_sections.c's table (api/plan_checks.c), the
 * goals and the revised plan by one database read. */
#include "plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "patch.h"
#include "plan_checks.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "uuid.h"
#include "validate.h"

const char *const PLAN_STATUSES[] = {"draft", "active", "superseded", NULL};

/* The most goals a plan names (as a session note's). */
#define PLAN_GOALS_MAX 20

static const char *check_uuid(const json_t *item)
{
	return uuid_is_valid(json_string_value(item)) ? NULL : "must be a UUID";
}

/* A plan as a client writes it: kind and sections, or revises (which copies the revised
 * plan's kind, sections and goals unless the body gives them). The sections' own keys are
 * plan_sections_check's; kind and revises are fixed once created. */
static const struct field_rule PLAN_FIELDS[] = {
	{.name = "kind", .type = FIELD_ENUM, .choices = PLAN_KINDS},
	{.name = "sections", .type = FIELD_OBJECT},
	{.name = "goal_ids",
	 .type = FIELD_STRING_ARRAY,
	 .max = PLAN_GOALS_MAX,
	 .item_min = 36,
	 .item_max = 36,
	 .item_check = check_uuid},
	{.name = "revises", .type = FIELD_UUID, .nullable = true},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "participant_signed_on", .type = FIELD_READ_ONLY},
	{.name = "staff_signed_by", .type = FIELD_READ_ONLY},
	{.name = "staff_signed_at", .type = FIELD_READ_ONLY},
	{.name = "next_review_on", .type = FIELD_READ_ONLY},
	{.name = "review_due", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* The database's refusals a client's write can meet, should the checks here miss one. */
static const struct constraint_answer PLAN_CONSTRAINTS[] = {
	{"plans_sections_valid", 422, "sections", "does not hold the sections of its kind"},
	{"plan_goals_goal_of_participant", 422, "goal_ids",
	 "must be goals of this plan's participant"},
	{"plan_goals_pkey", 422, "goal_ids", "names a goal more than once"},
	{"plans_keep_signed", 409, NULL, "a signed plan cannot change; revise it"},
	{0},
};

#define UUID_PATTERN "'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"

/* What a new or changed plan of participant $1 is checked against, in one round trip:
 * the 0-based positions in $2 (goal_ids, a JSON array) of the UUIDs that are not goals of
 * the participant (any status: a revision copies goals that may since have been achieved),
 * and the plan $3 names (revises; NULL when not one of the participant's): its status,
 * kind, sections and goals. */
static const struct db_statement PLAN_CONTEXT = {
	"plan_context",
	"SELECT (SELECT coalesce(json_agg(x.position - 1 ORDER BY x.position), '[]')"
	" FROM json_array_elements_text($2::json) WITH ORDINALITY AS x(id, position)"
	" WHERE x.id ~* " UUID_PATTERN " AND NOT EXISTS (SELECT 1 FROM goals g"
	" WHERE g.participant_id = $1::uuid"
	" AND g.id = CASE WHEN x.id ~* " UUID_PATTERN " THEN x.id::uuid END)),"
	" r.status, r.kind, r.sections, (SELECT coalesce(json_agg(rg.goal_id ORDER BY"
	" rg.position), '[]') FROM plan_goals rg WHERE rg.plan_id = r.id)"
	" FROM (SELECT 1) AS one LEFT JOIN plans r ON r.participant_id = $1::uuid"
	" AND r.id = CASE WHEN $3::text ~* " UUID_PATTERN " THEN $3::text::uuid END"};

enum context_column {
	CONTEXT_GOALS_ELSEWHERE,
	CONTEXT_REVISED_STATUS,
	CONTEXT_REVISED_KIND,
	CONTEXT_REVISED_SECTIONS,
	CONTEXT_REVISED_GOAL_IDS,
};

#define PLAN_FROM " FROM plans pl"

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement PLAN_SELECT = {
	"plan_select", "SELECT " PLAN_COLUMNS PLAN_FROM " WHERE pl.id = $1"
		       " AND peerd_participant_visible(pl.participant_id, $2::uuid, $3::text)"};

static const struct db_statement PLAN_SELECT_FOR_UPDATE = {
	"plan_select_for_update",
	"SELECT " PLAN_COLUMNS PLAN_FROM " WHERE pl.id = $1"
	" AND peerd_participant_visible(pl.participant_id, $2::uuid, $3::text) FOR UPDATE OF pl"};

static const struct db_statement PLAN_LOCK_BY_ID = {
	"plan_lock_by_id", "SELECT " PLAN_COLUMNS PLAN_FROM " WHERE pl.id = $1 FOR UPDATE OF pl"};

/* Both lists: $1 one participant's (NULL: every plan in scope), $2 and $3 the caller's
 * scope, $4 an admin's organization filter, newest first. */
#define PLAN_LIST_FROM_WHERE                                                              \
	PLAN_FROM " WHERE ($1::uuid IS NULL OR pl.participant_id = $1::uuid)"             \
		  " AND ($2::uuid IS NULL OR pl.organization_id = $2::uuid)"              \
		  " AND peerd_participant_visible(pl.participant_id, $2::uuid, $3::text)" \
		  " AND ($4::uuid IS NULL OR pl.organization_id = $4::uuid)"              \
		  " AND ($5::plan_kind IS NULL OR pl.kind = $5::plan_kind)"               \
		  " AND ($6::plan_status IS NULL OR pl.status = $6::plan_status)"         \
		  " AND ($7::boolean IS NULL OR " PLAN_REVIEW_DUE_SQL " = $7::boolean)"
PAGE_STATEMENTS(PLAN_LIST, "plan_list", PLAN_COLUMNS, "pl", PLAN_LIST_FROM_WHERE, "$8", "$9", "$10",
		"$11");

static const struct db_statement PLAN_INSERT = {
	"plan_insert", "INSERT INTO plans (organization_id, participant_id, kind, sections,"
		       " revises, created_by) SELECT p.organization_id, p.id, $2::plan_kind,"
		       " $3::jsonb, $4::uuid, $5 FROM participants p WHERE p.id = $1 RETURNING id"};

static const struct db_statement PLAN_UPDATE = {
	"plan_update", "UPDATE plans SET sections = $2::jsonb, version = version + 1,"
		       " updated_at = now() WHERE id = $1"};

static const struct db_statement PLAN_GOALS_CLEAR = {"plan_goals_clear",
						     "DELETE FROM plan_goals WHERE plan_id = $1"};

static const struct db_statement PLAN_GOALS_INSERT = {
	"plan_goals_insert",
	"INSERT INTO plan_goals (plan_id, participant_id, organization_id, goal_id, position)"
	" SELECT pl.id, pl.participant_id, pl.organization_id, x.id::uuid, x.position"
	" FROM plans pl, json_array_elements_text($2::json) WITH ORDINALITY AS x(id, position)"
	" WHERE pl.id = $1"};

static const struct row_json_member PLAN_JSON[] = {PLAN_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

json_t *plan_render(const PGresult *res, int row)
{
	return row_json_render(PLAN_JSON, sizeof PLAN_JSON / sizeof *PLAN_JSON, res, row);
}

PGresult *plan_find(struct request *request, struct db_conn *db, const char *id, bool lock)
{
	return participant_record_find(request, db, lock ? &PLAN_SELECT_FOR_UPDATE : &PLAN_SELECT,
				       id, "plan");
}

bool plan_is_draft(struct request *request, const PGresult *plan)
{
	const char *status = db_text(plan, 0, PLAN_STATUS);
	if (strcmp(status, "draft") == 0)
		return true;
	problem_send(request, 409,
		     "the plan is %s; a signed plan never changes: revise it with a new plan "
		     "naming it in revises",
		     status);
	return false;
}

/* Reads plan id as the caller may see it, and records the read; NULL after answering. */
static PGresult *plan_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = plan_find(request, db, id, false);
	if (res)
		audit_record(request, AUDIT_READ, "plan", id,
			     db_text(res, 0, PLAN_ORGANIZATION_ID));
	return res;
}

const struct idempotency_resource PLAN_REPLAY = {"plan", plan_read};

bool plan_finish(struct request *request, struct db_conn *db, const char *id, unsigned status,
		 enum audit_action action, const struct idempotency *claim)
{
	PGresult *res = plan_find(request, db, id, false);
	if (!res)
		return false;
	audit_record(request, action, "plan", id, db_text(res, 0, PLAN_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/plans/%s", id);
	struct idempotency_answer answer = {
		.status = status,
		.location = status == 201 ? location : NULL,
		.version = status == 201 ? 0 : db_integer(res, 0, PLAN_VERSION),
		.body = plan_render(res, 0),
		.resource_id = id,
	};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void plans_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? plan_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, plan_render(res, 0), db_integer(res, 0, PLAN_VERSION));
	PQclear(res);
}

static const struct participant_record_page PLAN_PAGE = {"plan", ROW_JSON_TABLE(PLAN_JSON), PLAN_ID,
							 PLAN_ORGANIZATION_ID};

/* One page of plans (of participant_id, or NULL: every plan the caller may see), with
 * the query's filters, each row's read recorded. */
static void plans_list_of(struct request *request, const char *participant_id)
{
	struct page_request page;
	const char *organization_id = NULL, *kind, *status_filter, *review_due;
	if (!query_page(request, &page) ||
	    (!participant_id && !query_read(request, "organization_id", &organization_id)) ||
	    !query_read(request, "kind", &kind) || !query_read(request, "status", &status_filter) ||
	    !query_read(request, "review_due", &review_due))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, PAGE_STATEMENT(PLAN_LIST, page),
			DB_ARGS(participant_id, scope, subject, organization_id, kind,
				status_filter, review_due, PAGE_SYNC_ARGS(page)),
			&res);
	participant_records_page(request, db, participant_id, status, res, &page, &PLAN_PAGE,
				 PLAN_POSITION);
}

void plans_list_for_participant(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	if (participant_id)
		plans_list_of(request, participant_id);
}

void plans_list(struct request *request)
{
	plans_list_of(request, NULL);
}

/* The JSON text of doc's member key when it is an array, else "[]"; NULL when out of
 * memory. The caller frees it. */
static char *array_text(const json_t *doc, const char *key)
{
	const json_t *value = json_object_get(doc, key);
	return json_is_array(value) ? json_dumps(value, JSON_COMPACT) : strdup("[]");
}

/* Reads PLAN_CONTEXT for a plan of participant_id with doc's goal_ids and revises; NULL
 * after answering. */
static PGresult *read_context(struct request *request, struct db_conn *db,
			      const char *participant_id, const json_t *doc)
{
	char *goal_ids = array_text(doc, "goal_ids");
	PGresult *res = NULL;
	enum db_status status =
		goal_ids ? db_exec(db, &PLAN_CONTEXT,
				   DB_ARGS(participant_id, goal_ids, member_text(doc, "revises")),
				   &res)
			 : DB_ERROR;
	free(goal_ids);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

/* Names each goal_ids[i] the context found not to be the participant's. */
static void goal_errors(const PGresult *context, struct field_errors *errors)
{
	json_t *elsewhere = db_json(context, 0, CONTEXT_GOALS_ELSEWHERE);
	size_t index;
	json_t *position;
	json_array_foreach (elsewhere, index, position) {
		char field[48]; /* the name, and a long long in decimal */
		snprintf(field, sizeof field, "goal_ids[%lld]",
			 (long long)json_integer_value(position));
		field_error(errors, field, "must be a goal of this participant");
	}
	json_decref(elsewhere);
}

/* The plan a new draft describes: the body, with a revision's kind, sections and goals
 * copied from the active plan it revises where the body leaves them out. Adds what is
 * wrong with revises and kind to errors. A new reference, or NULL when out of memory. */
static json_t *draft_document(const json_t *body, const PGresult *context,
			      struct field_errors *errors)
{
	json_t *doc = json_deep_copy(body);
	const json_t *revises = json_object_get(body, "revises");
	if (!doc || !json_is_string(revises) || !uuid_is_valid(json_string_value(revises)))
		return doc;
	const char *status = db_text(context, 0, CONTEXT_REVISED_STATUS);
	const char *kind = db_text(context, 0, CONTEXT_REVISED_KIND);
	const char *asked = member_text(body, "kind");
	if (!status) {
		field_error(errors, "revises", "must name a plan of this participant");
		return doc;
	}
	if (strcmp(status, "active") != 0)
		field_error(errors, "revises",
			    "must name the participant's active plan; this one is %s", status);
	if (asked && strcmp(asked, kind) != 0)
		field_error(errors, "kind", "must be %s, the kind of the plan it revises", kind);
	json_object_set_new(doc, "kind", json_string(kind));
	if (!json_object_get(body, "sections"))
		json_object_set_new(doc, "sections", db_json(context, 0, CONTEXT_REVISED_SECTIONS));
	if (!json_object_get(body, "goal_ids"))
		json_object_set_new(doc, "goal_ids", db_json(context, 0, CONTEXT_REVISED_GOAL_IDS));
	return doc;
}

/* Adds to errors what is wrong with doc's sections for its kind (when it has a known
 * kind) and with its goals (context: PLAN_CONTEXT for doc). */
static void content_errors(const json_t *doc, const PGresult *context, struct field_errors *errors)
{
	enum plan_kind kind;
	if (plan_kind_parse(member_text(doc, "kind"), &kind))
		plan_sections_check(kind, json_object_get(doc, "sections"), errors);
	goal_errors(context, errors);
}

/* Writes doc's sections and goals as plan id (NULL: a new plan of participant_id, whose id
 * is written into id_out) in the open transaction. Returns false after answering. */
static bool plan_store(struct request *request, struct db_conn *db, const char *id,
		       const char *participant_id, const json_t *doc, char id_out[UUID_TEXT_SIZE])
{
	char *sections = json_dumps(json_object_get(doc, "sections"), JSON_COMPACT);
	char *goal_ids = array_text(doc, "goal_ids");
	PGresult *res = NULL;
	enum db_status status = DB_ERROR;
	if (sections && goal_ids && id)
		status = db_exec(db, &PLAN_UPDATE, DB_ARGS(id, sections), NULL);
	else if (sections && goal_ids)
		status = db_exec(db, &PLAN_INSERT,
				 DB_ARGS(participant_id, member_text(doc, "kind"), sections,
					 member_text(doc, "revises"), request->caller.subject),
				 &res);
	if (status == DB_OK)
		snprintf(id_out, UUID_TEXT_SIZE, "%s", id ? id : db_text(res, 0, 0));
	PQclear(res);
	if (status == DB_OK)
		status = db_exec(db, &PLAN_GOALS_CLEAR, DB_ARGS(id_out), NULL);
	if (status == DB_OK)
		status = db_exec(db, &PLAN_GOALS_INSERT, DB_ARGS(id_out, goal_ids), NULL);
	free(sections);
	free(goal_ids);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, PLAN_CONSTRAINTS);
	return status == DB_OK;
}

/* What a new draft must have once a revision's copy is made. */
static void required_errors(const json_t *doc, struct field_errors *errors)
{
	if (!json_object_get(doc, "kind"))
		field_error(errors, "kind", "is required (or revises, naming the plan to revise)");
	if (!json_object_get(doc, "sections"))
		field_error(errors, "sections",
			    "is required (or revises, naming the plan to revise)");
}

/* Checks and writes the body's new draft of participant_id in the open transaction, then
 * commits it with the answer for claim. Returns false after answering otherwise. */
static bool plan_create(struct request *request, struct db_conn *db, const char *participant_id,
			const struct idempotency *claim)
{
	if (!participant_records_visible(request, db, participant_id, "participant"))
		return false;
	const json_t *body = request->body;
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(body, PLAN_FIELDS, "", &errors);
	PGresult *context = read_context(request, db, participant_id, body);
	json_t *doc = context ? draft_document(body, context, &errors) : NULL;
	if (doc) {
		/* A revision that names no plan of the participant has only that wrong. */
		if (!json_is_string(json_object_get(body, "revises")))
			required_errors(doc, &errors);
		content_errors(doc, context, &errors);
	} else if (context) {
		problem_send(request, 500, "out of memory");
	}
	bool valid = doc && !field_errors_any(&errors);
	if (doc && !valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	PQclear(context);
	char id[UUID_TEXT_SIZE];
	bool created = valid && plan_store(request, db, NULL, participant_id, doc, id) &&
		       plan_finish(request, db, id, 201, AUDIT_CREATE, claim);
	json_decref(doc);
	return created;
}

void plans_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &PLAN_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!plan_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

/* Only a draft changes, and only one whose participant the caller may see. */
static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	return participant_records_visible(request, db, db_text(current, 0, PLAN_PARTICIPANT_ID),
					   "plan") &&
	       plan_is_draft(request, current);
}

/* A draft's kind and the plan it revises are what it was made as. */
static bool kind_and_revises_kept(struct request *request, const PGresult *current,
				  const json_t *before, const json_t *after)
{
	(void)current;
	return patch_keeps(request, before, after, "kind") &&
	       patch_keeps(request, before, after, "revises");
}

/* Adds to errors everything wrong with doc, a whole plan of participant_id, that
 * validate_object does not see; false after answering 503. */
static bool plan_document_errors(struct request *request, struct db_conn *db,
				 const char *participant_id, const json_t *doc,
				 struct field_errors *errors)
{
	PGresult *context = read_context(request, db, participant_id, doc);
	if (!context)
		return false;
	required_errors(doc, errors);
	content_errors(doc, context, errors);
	PQclear(context);
	return true;
}

/* Checks doc (the draft after the merge patch) against its kind and participant, then
 * writes it over the locked draft id; the row as locked, or NULL after answering. */
static PGresult *write_plan(struct request *request, struct db_conn *db, const char *id,
			    const json_t *doc)
{
	PGresult *current = NULL;
	enum db_status status = db_exec(db, &PLAN_LOCK_BY_ID, DB_ARGS(id), &current);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	const char *participant_id = db_text(current, 0, PLAN_PARTICIPANT_ID);
	struct field_errors errors;
	field_errors_init(&errors);
	bool checked = plan_document_errors(request, db, participant_id, doc, &errors);
	bool valid = checked && !field_errors_any(&errors);
	if (checked && !valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	char written[UUID_TEXT_SIZE];
	PGresult *res = NULL;
	if (valid && plan_store(request, db, id, participant_id, doc, written)) {
		status = db_exec(db, &PLAN_LOCK_BY_ID, DB_ARGS(id), &res);
		if (status != DB_OK)
			problem_send_database(request, status);
	}
	PQclear(current);
	return res;
}

static const struct patch_target PLAN_PATCH = {
	.noun = "plan",
	.lock = &PLAN_LOCK_BY_ID,
	.fields = PLAN_FIELDS,
	.render = plan_render,
	.version_column = PLAN_VERSION,
	.admit = admit_patch,
	.check = kind_and_revises_kept,
	.audit_type = "plan",
	.organization_column = PLAN_ORGANIZATION_ID,
	.write = write_plan,
};

void plans_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &PLAN_PATCH);
}
