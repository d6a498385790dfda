/* Referrals (API.md): intake by a partner (or by the provider's own staff), the loop
 * back to the referrer, and reading them. The workflow after intake (transitions,
 * assignment, history) is in api/referral_workflow.c, matching in api/referral_matches.c.
 *
 * Intake runs in one transaction: the participant, the referral and its first history
 * entry, and the answer stored for its Idempotency-Key. */
#include "referrals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "business_days.h"
#include "civil_date.h"
#include "db.h"
#include "goals.h"
#include "idempotency.h"
#include "log.h"
#include "pagination.h"
#include "participants.h"
#include "problem.h"
#include "query.h"
#include "referral_status.h"
#include "request.h"
#include "respond.h"
#include "validate.h"

const char *const SERVICE_TYPES[] = {"peer", "family", NULL};
const char *const URGENCIES[] = {"routine", "urgent", NULL};

static const struct field_rule CONSENT_FIELDS[] = {
	{.name = "obtained", .type = FIELD_BOOLEAN, .required = true},
	{.name = "obtained_on", .type = FIELD_DATE, .nullable = true},
	{.name = "part2", .type = FIELD_BOOLEAN},
	{0},
};

const struct field_rule REFERRAL_FIELDS[] = {
	{.name = "provider_organization_id", .type = FIELD_UUID},
	{.name = "service_type", .type = FIELD_ENUM, .required = true, .choices = SERVICE_TYPES},
	{.name = "participant",
	 .type = FIELD_OBJECT,
	 .required = true,
	 .fields = PARTICIPANT_FIELDS},
	{.name = "reason", .type = FIELD_STRING, .required = true, .min = 1, .max = 4000},
	{.name = "needs", .type = FIELD_ENUM_ARRAY, .max = 8, .choices = WELLNESS_DOMAINS},
	{.name = "urgency", .type = FIELD_ENUM, .choices = URGENCIES},
	{.name = "substance_use", .type = FIELD_BOOLEAN},
	{.name = "consent", .type = FIELD_OBJECT, .required = true, .fields = CONSENT_FIELDS},
	{.name = "external_id",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "referring_organization_id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "assigned_specialist_id", .type = FIELD_READ_ONLY},
	{.name = "first_contact_at", .type = FIELD_READ_ONLY},
	{.name = "submitted_at", .type = FIELD_READ_ONLY},
	{.name = "respond_by", .type = FIELD_READ_ONLY},
	{.name = "overdue", .type = FIELD_READ_ONLY},
	{.name = "redisclosure_notice", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct constraint_answer REFERRAL_CONSTRAINTS[] = {
	{"referrals_provider_fkey", 422, "provider_organization_id",
	 "must be a provider organization"},
	{"referrals_part2_consent", 422, "consent.part2",
	 "must be true when substance_use is true (42 CFR Part 2)"},
	{"referrals_idempotency_key", 409, NULL,
	 "a referral was already created with this Idempotency-Key"},
	/* The intake's participant, written in the referral's batch. */
	{"participants_organization_fkey", 422, "provider_organization_id",
	 "must be a provider organization"},
	{0},
};

#define REFERRAL_COLUMNS REFERRAL_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

#define REFERRAL_FROM                                                      \
	" FROM referrals r JOIN participants p ON p.id = r.participant_id" \
	" LEFT JOIN specialists a ON a.id = r.assigned_specialist_id"

static const struct db_statement REFERRAL_SELECT = {
	"referral_select", "SELECT " REFERRAL_COLUMNS REFERRAL_FROM " WHERE r.id = $1"};

/* Whether the caller may see referral r (peerd_referral_visible, sql/schema.sql): the
 * caller's role, organization and subject in the three named values (caller_args). */
#define REFERRAL_VISIBLE_TO(role, organization, subject)                                    \
	" peerd_referral_visible(r.provider_organization_id, r.referring_organization_id,"  \
	" r.status, a.subject, a.organization_id, r.participant_id, r.substance_use, " role \
	"::text, " organization "::uuid, " subject "::text)"

/* Referral $1 if the caller ($2 to $4) may see it. */
static const struct db_statement REFERRAL_SELECT_VISIBLE = {
	"referral_select_visible", "SELECT " REFERRAL_COLUMNS REFERRAL_FROM
				   " WHERE r.id = $1 AND" REFERRAL_VISIBLE_TO("$2", "$3", "$4")};

/* As REFERRAL_SELECT_VISIBLE, recording the read in the same round trip
 * (peerd_audit_read_shown; $5 to $9: AUDIT_READ_ARGS): a disclose under its consent when
 * a partner reads a referral about substance use. */
static const struct db_statement REFERRAL_SELECT_RECORDED = {
	"referral_select_recorded",
	"SELECT " REFERRAL_COLUMNS ", peerd_audit_read_shown($5, $6, $7, $8, r.id,"
	" r.provider_organization_id, $9::uuid, peerd_referral_disclosed_under(r.participant_id,"
	" r.substance_use, r.referring_organization_id))" REFERRAL_FROM
	" WHERE r.id = $1 AND" REFERRAL_VISIBLE_TO("$2", "$3", "$4")};

/* As REFERRAL_SELECT_VISIBLE, locked for a change. */
static const struct db_statement REFERRAL_SELECT_FOR_UPDATE = {
	"referral_select_for_update",
	"SELECT " REFERRAL_COLUMNS REFERRAL_FROM
	" WHERE r.id = $1 AND" REFERRAL_VISIBLE_TO("$2", "$3", "$4") " FOR UPDATE OF r"};

/* The list's filters, each a parameter ($4 to $12), its type and the condition it sets. */
#define REFERRAL_FILTER_LIST(X)                                                               \
	X("$4", "referral_status", "r.status = $4::referral_status")                          \
	X("$5", "boolean", "(r.status = 'submitted' AND r.respond_by < now()) = $5::boolean") \
	X("$6", "referral_urgency", "r.urgency = $6::referral_urgency")                       \
	X("$7", "service_type", "r.service_type = $7::service_type")                          \
	X("$8", "uuid", "r.assigned_specialist_id = $8::uuid")                                \
	X("$9", "uuid", "r.provider_organization_id = $9::uuid")                              \
	X("$10", "uuid", "r.referring_organization_id = $10::uuid")                           \
	X("$11", "uuid", "r.participant_id = $11::uuid")                                      \
	X("$12", "text", "r.external_id = $12::text")
#define REFERRAL_FILTER_GIVEN(param, type, condition) \
	" AND (" param "::" type " IS NULL OR " condition ")"
/* A list without filters still names them (their types), tested once per call. */
#define REFERRAL_FILTER_ABSENT(param, type, condition) " AND " param "::" type " IS NULL"

/* $1 to $3 the caller (caller_args); then the filters, the cursor and the count. */
#define REFERRAL_LIST_FROM_WHERE                                     \
	REFERRAL_FROM " WHERE" REFERRAL_VISIBLE_TO("$1", "$2", "$3") \
		REFERRAL_FILTER_LIST(REFERRAL_FILTER_GIVEN)
PAGE_STATEMENTS(REFERRAL_LIST, "referral_list", REFERRAL_COLUMNS, "r", REFERRAL_LIST_FROM_WHERE,
		"$13", "$14", "$15", "$16");

/* The list without filters for a caller who sees the referrals of its organization in one
 * column (a supervisor those it provides, a partner those it referred): that column's
 * condition is implied by REFERRAL_VISIBLE_TO, which still decides, but only named alone
 * can it bound the scan of that organization's index (referrals_by_provider and
 * referrals_by_referrer, by_change for a sync) in the order of the page. The general
 * statement above leaves the visibility to a CASE on the role and a filter for each of the
 * "($n IS NULL OR ...)": its generic plan sorts the organization's rows (250 ms on the bench
 * data), so each call is planned again (1 to 5 ms, more than the page's own execution).
 * These keep a generic plan that reads the page's rows only (PAGE_UNSEEN). */
#define REFERRAL_LIST_BY_FROM_WHERE(column)                                                      \
	REFERRAL_FROM " WHERE r." column " = $2::uuid AND" REFERRAL_VISIBLE_TO("$1", "$2", "$3") \
		REFERRAL_FILTER_LIST(REFERRAL_FILTER_ABSENT)
#define REFERRAL_LIST_BY(variable, name, column)                                                  \
	PAGE_STATEMENTS(variable, name, REFERRAL_COLUMNS, "r",                                    \
			REFERRAL_LIST_BY_FROM_WHERE(column), PAGE_UNSEEN("$13", "bigint"), "$14", \
			PAGE_UNSEEN("$15", "int"), PAGE_UNSEEN("$16", "timestamptz"))
REFERRAL_LIST_BY(REFERRAL_LIST_PROVIDED, "referral_list_provided", "provider_organization_id");
REFERRAL_LIST_BY(REFERRAL_LIST_REFERRED, "referral_list_referred", "referring_organization_id");

/* The provider's rules for intake, its today, and the day a Part 2 consent obtained on
 * $2 expires (one year after, as sql/027's intake consent counts it; NULL without $2). */
static const struct db_statement PROVIDER_SELECT = {
	"referral_provider_select",
	"SELECT kind, family_youth_max_age, referral_response_days,"
	" to_char(peerd_organization_today(id), 'YYYY-MM-DD'),"
	" to_char($2::date + interval '1 year', 'YYYY-MM-DD') FROM organizations WHERE id = $1"};

/* respond_by: the day computed in C (business days), at the submission's time of day in
 * the provider's zone. The id ($17) is made here, so that the statements after it go in
 * the same round trip. */
static const struct db_statement REFERRAL_INSERT = {
	"referral_insert",
	"INSERT INTO referrals (provider_organization_id, referring_organization_id,"
	" participant_id, service_type, reason, needs, urgency, substance_use, consent_obtained,"
	" consent_obtained_on, consent_part2, external_id, respond_by, submitted_by,"
	" idempotency_scope, idempotency_key, id)"
	" SELECT $1, $2, $3, $4, $5, peerd_text_array($6::json)::wellness_domain[], $7,"
	" $8::boolean, $9::boolean, $10::date, $11::boolean, $12,"
	" (($13::date + (now() AT TIME ZONE o.time_zone)::time) AT TIME ZONE o.time_zone),"
	" $14, $15, $16, $17::uuid FROM organizations o WHERE o.id = $1"};

/* The part2 consent given with the referral (sql/027: the referrer as recipient, a year). */
static const struct db_statement INTAKE_CONSENT_INSERT = {
	"referral_intake_consent_insert",
	"SELECT peerd_intake_part2_consent($1::uuid, $2::uuid, $3::date, $4)"};

static const struct db_statement REFERRAL_EVENT_INSERT = {
	"referral_event_insert",
	"INSERT INTO referral_events (referral_id, from_status, to_status, actor, actor_role,"
	" reason, specialist_id) VALUES ($1, $2::referral_status, $3::referral_status, $4, $5,"
	" $6, $7::uuid)"};

/* The notice's text is sql/042's peerd_redisclosure_notice, said once for reads and
 * webhook events alike. */
json_t *referral_notice(const PGresult *res, int row)
{
	const char *notice = db_text(res, row, REFERRAL_REDISCLOSURE_NOTICE);
	return notice ? json_string(notice) : json_null();
}

static const struct row_json_member REFERRAL_JSON[] = {REFERRAL_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* How many of REFERRAL_JSON the caller sees. */
static size_t referral_members_for(const struct request *request)
{
	/* Only what closes the loop for the referrer: never what was written about the
	 * person after intake. */
	return request->caller.role == ROLE_PARTNER ? REFERRAL_PARTICIPANT_ID
						    : sizeof REFERRAL_JSON / sizeof *REFERRAL_JSON;
}

json_t *referral_render_for(const struct request *request, const PGresult *res, int row)
{
	return row_json_render(REFERRAL_JSON, referral_members_for(request), res, row);
}

/* The caller as REFERRAL_VISIBLE_TO takes it: role, organization, subject. */
#define CALLER_ARGS(caller)                                                                       \
	role_name((caller)->role), (caller)->has_organization ? (caller)->organization_id : NULL, \
		(caller)->subject

/* The row a statement found for the caller, or NULL after answering 404 (or 503). */
static PGresult *found_or_404(struct request *request, enum db_status status, PGresult *res)
{
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such referral");
		PQclear(res);
		return NULL;
	}
	return res;
}

static PGresult *visible_row(struct request *request, struct db_conn *db,
			     const struct db_statement *stmt, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, stmt, DB_ARGS(id, CALLER_ARGS(&request->caller)), &res);
	return found_or_404(request, status, res);
}

PGresult *referral_lock(struct request *request, struct db_conn *db, const char *id)
{
	return visible_row(request, db, &REFERRAL_SELECT_FOR_UPDATE, id);
}

/* As referral_find_visible, with the read recorded by the statement that reads. */
static PGresult *referral_read_recorded(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(
		db, &REFERRAL_SELECT_RECORDED,
		DB_ARGS(id, CALLER_ARGS(&request->caller), AUDIT_READ_ARGS(request, "referral")),
		&res);
	return found_or_404(request, status, res);
}

PGresult *referral_find_visible(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = visible_row(request, db, &REFERRAL_SELECT_VISIBLE, id);
	if (!res)
		return NULL;
	const char *provider = db_text(res, 0, REFERRAL_PROVIDER_ORGANIZATION_ID);
	if (PQgetisnull(res, 0, REFERRAL_DISCLOSED_UNDER))
		audit_record(request, AUDIT_READ, "referral", id, provider);
	else
		audit_record_disclosure(request, "referral", id, provider,
					db_text(res, 0, REFERRAL_DISCLOSED_UNDER));
	return res;
}

const struct idempotency_resource REFERRAL_REPLAY = {"referral", referral_find_visible};

PGresult *referral_reload(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &REFERRAL_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

#define REFERRAL_EVENT_VALUES 7

/* The step adding referral_id's history entry by the caller; values is its storage, which
 * must last until the step has run. */
static struct db_step history_step(const struct request *request, const char *referral_id,
				   const char *from, const char *to, const char *reason,
				   const char *specialist_id,
				   const char *values[REFERRAL_EVENT_VALUES])
{
	const struct principal *caller = &request->caller;
	const char *const given[REFERRAL_EVENT_VALUES] = {
		referral_id, from,	   to, caller->subject, role_name(caller->role),
		reason,	     specialist_id};
	memcpy(values, given, sizeof given);
	return (struct db_step){&REFERRAL_EVENT_INSERT, REFERRAL_EVENT_VALUES, values, NULL};
}

bool referral_history_add(struct request *request, struct db_conn *db, const char *referral_id,
			  const char *from, const char *to, const char *reason,
			  const char *specialist_id)
{
	const char *values[REFERRAL_EVENT_VALUES];
	struct db_step add =
		history_step(request, referral_id, from, to, reason, specialist_id, values);
	enum db_status status = db_exec(db, add.stmt, add.count, add.values, NULL);
	if (status != DB_OK)
		problem_send_database(request, status);
	return status == DB_OK;
}

/* Intake rules between fields: every one broken is listed in one 422. */
static bool intake_consistent(struct request *request)
{
	const json_t *body = request->body;
	const json_t *consent = json_object_get(body, "consent");
	struct field_errors errors;
	field_errors_init(&errors);
	if (!json_is_true(json_object_get(consent, "obtained")))
		field_error(&errors, "consent.obtained",
			    "must be true: peer support starts with the person's consent");
	if (json_is_true(json_object_get(body, "substance_use")) &&
	    !json_is_true(json_object_get(consent, "part2")))
		field_error(&errors, "consent.part2",
			    "must be true when substance_use is true (42 CFR Part 2 consent)");
	const json_t *participant = json_object_get(body, "participant");
	const char *service_type = json_string_value(json_object_get(body, "service_type"));
	const json_t *youth = json_object_get(participant, "youth");
	if (service_type && strcmp(service_type, "family") == 0 && !json_is_object(youth))
		field_error(&errors, "participant.youth",
			    "is required for family support: the youth's given_name and "
			    "birth_date");
	bool consistent = !field_errors_any(&errors);
	if (!consistent)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return consistent;
}

/* The provider organization of a new referral: the body's, which a supervisor may only
 * set to their own (the default for them). Written into buffer; NULL after answering. */
static const char *provider_for_new(struct request *request, char buffer[UUID_TEXT_SIZE])
{
	const struct principal *caller = &request->caller;
	const char *given =
		json_string_value(json_object_get(request->body, "provider_organization_id"));
	if (given) {
		uuid_normalize(given, buffer);
		if (caller->role != ROLE_SUPERVISOR || auth_may_access_organization(caller, buffer))
			return buffer;
		problem_send_field(request, "provider_organization_id",
				   "must be your own organization");
		return NULL;
	}
	if (caller->role == ROLE_SUPERVISOR)
		return caller->organization_id;
	problem_send_field(request, "provider_organization_id",
			   "is required: the provider organization to refer the person to");
	return NULL;
}

/* What intake needs from the provider: computed rules on the day of submission. */
struct intake {
	char provider_id[UUID_TEXT_SIZE];
	char respond_by_day[16];
	const char *referring_organization_id;
	char participant_id[UUID_TEXT_SIZE];
	char consent_id[UUID_TEXT_SIZE]; /* the part2 consent made with it, or "" */
	bool participant_reused;	 /* the provider already had the person (API.md) */
};

/* Whether a Part 2 consent's obtained_on (it becomes the consent's signed_on) lies in the
 * future. A partner's today may run a day ahead of the provider's (another time zone):
 * the day after the provider's today is taken as given, so a referral is not refused for
 * a zone line; anything later is a mistake. */
static bool obtained_after_tomorrow(const char *obtained_on, struct civil_date provider_today)
{
	struct civil_date obtained;
	return obtained_on && civil_date_parse(obtained_on, &obtained) &&
	       civil_date_compare(obtained, civil_date_add_days(provider_today, 1)) > 0;
}

/* Reads the provider's rules, checks the youth's age and a Part 2 consent's day against
 * the provider's today, and computes respond_by's day; in the same round trip, finds the
 * participant the intake serves (or makes the id of a new one). Answers 422 (or 503) and
 * returns false otherwise. */
static bool intake_plan(struct request *request, struct db_conn *db, struct intake *intake)
{
	PGresult *res = NULL, *match = NULL;
	const json_t *consent = json_object_get(request->body, "consent");
	const char *obtained_on = member_text(consent, "obtained_on");
	const json_t *participant = json_object_get(request->body, "participant");
	const char *match_values[PARTICIPANT_INTAKE_MATCH_VALUES];
	const struct db_step steps[] = {
		DB_STEP(&PROVIDER_SELECT, &res, intake->provider_id, obtained_on),
		participant_intake_match_step(intake->provider_id, participant, match_values,
					      &match)};
	enum db_status status = db_exec_batch(db, steps, 2);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	bool ok = false;
	struct civil_date today, born;
	const json_t *youth = json_object_get(participant, "youth");
	const char *service_type =
		json_string_value(json_object_get(request->body, "service_type"));
	const char *urgency = json_string_value(json_object_get(request->body, "urgency"));
	const char *consent_expires_on = PQntuples(res) ? db_text(res, 0, 4) : NULL;
	if (PQntuples(res) == 0 || strcmp(db_text(res, 0, 0), "provider") != 0) {
		problem_send_field(request, "provider_organization_id",
				   "must be a provider organization");
	} else if (!civil_date_parse(db_text(res, 0, 3), &today)) {
		problem_send(request, 500, "the provider's today could not be read");
	} else if (strcmp(service_type, "family") == 0 &&
		   civil_date_parse(json_string_value(json_object_get(youth, "birth_date")),
				    &born) &&
		   civil_date_age_on(born, today) >= db_integer(res, 0, 1)) {
		problem_send_field(request, "participant.youth.birth_date",
				   "the youth must be younger than %lld on the day of submission",
				   db_integer(res, 0, 1));
	} else if (json_is_true(json_object_get(consent, "part2")) &&
		   obtained_after_tomorrow(obtained_on, today)) {
		problem_send_field(request, "consent.obtained_on",
				   "cannot be after the provider's today (%s) when part2 is true",
				   db_text(res, 0, 3));
	} else if (json_is_true(json_object_get(request->body, "substance_use")) &&
		   consent_expires_on && strcmp(consent_expires_on, db_text(res, 0, 3)) < 0) {
		/* The consent that lets the partner disclose, and follow, a referral about
		 * substance use is no longer in force: neither may happen (42 CFR 2.31). */
		problem_send_field(
			request, "consent.obtained_on",
			"the Part 2 consent obtained on %s expired on %s (a year after); "
			"a referral about substance use needs a consent in force",
			obtained_on, consent_expires_on);
	} else {
		bool urgent = urgency && strcmp(urgency, "urgent") == 0;
		int days = urgent ? 1 : (int)db_integer(res, 0, 2);
		civil_date_format(business_days_add(today, days), intake->respond_by_day,
				  sizeof intake->respond_by_day);
		ok = participant_intake_found(request, match, intake->participant_id,
					      &intake->participant_reused);
	}
	PQclear(res);
	PQclear(match);
	return ok;
}

/* The intake's statements after the plan, in one round trip: the participant when new;
 * with consent.part2, the consent the referral carries, made before the referral (a
 * partner's insert of a referral about substance use must already pass the gate it
 * opens: row-level security checks the new row; a caller without an organization, an
 * admin, refers for no one, so names no recipient); the referral as id, its first
 * history entry, and the referral read back. Returns that row, or NULL after
 * answering. */
static PGresult *intake_write(struct request *request, struct db_conn *db, struct intake *intake,
			      const struct idempotency *claim, const char *id, const char *needs)
{
	const json_t *body = request->body;
	const json_t *consent = json_object_get(body, "consent");
	const struct principal *caller = &request->caller;
	const char *urgency = json_string_value(json_object_get(body, "urgency"));
	bool part2 = json_is_true(json_object_get(consent, "part2"));
	const char *participant_values[PARTICIPANT_INSERT_VALUES];
	const char *const consent_values[] = {intake->participant_id, intake->provider_id,
					      member_text(consent, "obtained_on"), caller->subject};
	const char *const referral_values[] = {
		intake->provider_id,
		intake->referring_organization_id,
		intake->participant_id,
		json_string_value(json_object_get(body, "service_type")),
		json_string_value(json_object_get(body, "reason")),
		needs,
		urgency ? urgency : "routine",
		json_is_true(json_object_get(body, "substance_use")) ? "true" : "false",
		"true",
		json_string_value(json_object_get(consent, "obtained_on")),
		part2 ? "true" : "false",
		json_string_value(json_object_get(body, "external_id")),
		intake->respond_by_day,
		caller->subject,
		claim->claimed ? claim->scope : NULL,
		claim->claimed ? claim->key : NULL,
		id};
	const char *history_values[REFERRAL_EVENT_VALUES];
	PGresult *made_consent = NULL, *referral = NULL;
	struct db_step steps[5];
	size_t count = 0;
	if (!intake->participant_reused)
		steps[count++] = participant_insert_step(
			intake->provider_id, json_object_get(body, "participant"),
			intake->participant_id, participant_values);
	bool with_consent = part2 && intake->referring_organization_id;
	if (with_consent)
		steps[count++] =
			(struct db_step){&INTAKE_CONSENT_INSERT, 4, consent_values, &made_consent};
	steps[count++] = (struct db_step){&REFERRAL_INSERT, 17, referral_values, NULL};
	steps[count++] = history_step(request, id, NULL, "submitted", NULL, NULL, history_values);
	steps[count++] = DB_STEP(&REFERRAL_SELECT, &referral, id);
	enum db_status status = db_exec_batch(db, steps, count);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, REFERRAL_CONSTRAINTS);
		return NULL;
	}
	intake->consent_id[0] = '\0';
	if (with_consent)
		snprintf(intake->consent_id, sizeof intake->consent_id, "%s",
			 db_text(made_consent, 0, 0));
	PQclear(made_consent);
	return referral;
}

/* Writes the intake in the open transaction, records it for the audit trail, commits it
 * with the answer for claim and answers 201. */
static bool intake_commit(struct request *request, struct db_conn *db, struct intake *intake,
			  const struct idempotency *claim)
{
	const json_t *needs = json_object_get(request->body, "needs");
	char *needs_text = needs ? json_dumps(needs, JSON_COMPACT) : strdup("[]");
	char made[UUID_TEXT_SIZE];
	if (!needs_text) {
		problem_send(request, 500, "out of memory");
		return false;
	}
	if (!uuid_generate_v4(made)) {
		free(needs_text);
		problem_send_unavailable(request, "no random id could be made; try again");
		return false;
	}
	PGresult *res = intake_write(request, db, intake, claim, made, needs_text);
	free(needs_text);
	if (!res)
		return false;
	char id[UUID_TEXT_SIZE], location[96];
	snprintf(id, sizeof id, "%s", db_text(res, 0, REFERRAL_ID));
	snprintf(location, sizeof location, "/v1/referrals/%s", id);
	const char *provider = db_text(res, 0, REFERRAL_PROVIDER_ORGANIZATION_ID);
	/* A reused participant is not created; the referral names it. The answer is the
	 * same either way: the partner is never told the person is already served. */
	if (!intake->participant_reused)
		audit_record(request, AUDIT_CREATE, "participant", intake->participant_id,
			     provider);
	if (intake->consent_id[0])
		audit_record(request, AUDIT_CREATE, "consent", intake->consent_id, provider);
	audit_record(request, AUDIT_CREATE, "referral", id, provider);
	struct idempotency_answer answer = {201, location, 0, referral_render_for(request, res, 0),
					    id};
	PQclear(res);
	return idempotency_commit(request, db, claim, &answer);
}

void referrals_create(struct request *request)
{
	struct intake intake = {0};
	if (!request_valid(request, request->body, REFERRAL_FIELDS) || !intake_consistent(request))
		return;
	char provider[UUID_TEXT_SIZE];
	const char *provider_id = provider_for_new(request, provider);
	if (!provider_id)
		return;
	snprintf(intake.provider_id, sizeof intake.provider_id, "%s", provider_id);
	const struct principal *caller = &request->caller;
	intake.referring_organization_id =
		caller->has_organization ? caller->organization_id : NULL;
	/* The key first: a retry gets its first answer even if the provider's rules or its
	 * day have changed since. */
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &REFERRAL_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!intake_plan(request, db, &intake) || !intake_commit(request, db, &intake, &claim))
		idempotency_release(db);
}

/* The list statement for the caller and the page: without filters, one that reads the
 * caller's organization's index when its role sees by one organization column. */
static const struct db_statement *referral_list_statement(const struct principal *caller,
							  bool filtered,
							  const struct page_request *page)
{
	if (!filtered && caller->has_organization && caller->role == ROLE_SUPERVISOR)
		return PAGE_STATEMENT(REFERRAL_LIST_PROVIDED, *page);
	if (!filtered && caller->has_organization && caller->role == ROLE_PARTNER)
		return PAGE_STATEMENT(REFERRAL_LIST_REFERRED, *page);
	return PAGE_STATEMENT(REFERRAL_LIST, *page);
}

void referrals_list(struct request *request)
{
	struct page_request page;
	const char *status_filter, *overdue, *urgency, *service_type, *assigned, *provider,
		*referrer, *participant, *external_id;
	if (!query_page(request, &page) || !query_read(request, "status", &status_filter) ||
	    !query_read(request, "overdue", &overdue) ||
	    !query_read(request, "urgency", &urgency) ||
	    !query_read(request, "service_type", &service_type) ||
	    !query_read(request, "assigned_specialist_id", &assigned) ||
	    !query_read(request, "provider_organization_id", &provider) ||
	    !query_read(request, "referring_organization_id", &referrer) ||
	    !query_read(request, "participant_id", &participant) ||
	    !query_read(request, "external_id", &external_id))
		return;
	const struct principal *caller = &request->caller;
	if (caller->role == ROLE_PARTNER && assigned) {
		/* The partner view never says who took a referral: nor may a filter. */
		problem_send(request, 400, "assigned_specialist_id is not a filter for partners");
		return;
	}
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	bool filtered = status_filter || overdue || urgency || service_type || assigned ||
			provider || referrer || participant || external_id;
	PGresult *res = NULL;
	enum db_status status = db_read(db, referral_list_statement(caller, filtered, &page),
					DB_ARGS(CALLER_ARGS(caller), status_filter, overdue,
						urgency, service_type, assigned, provider, referrer,
						participant, external_id, PAGE_SYNC_ARGS(page)),
					&res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return;
	}
	audit_record_rows_disclosed(request, "referral", res, REFERRAL_ID,
				    REFERRAL_PROVIDER_ORGANIZATION_ID, REFERRAL_DISCLOSED_UNDER,
				    page.limit);
	struct row_json_table rows = {REFERRAL_JSON, referral_members_for(request)};
	respond_page(request, status, res, &page, &rows, REFERRAL_POSITION, REFERRAL_ID);
}

void referrals_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	/* A conditional read may be answered 304, known only after the read: it is recorded
	 * after, with that status. */
	bool conditional = request_header(request, "If-None-Match") != NULL;
	PGresult *res = !db	      ? NULL
			: conditional ? referral_find_visible(request, db, id)
				      : referral_read_recorded(request, db, id);
	if (!res)
		return;
	respond_row(request, REFERRAL_JSON, referral_members_for(request), res, 0,
		    db_integer(res, 0, REFERRAL_VERSION));
	PQclear(res);
}
