/* Episodes (API.md "Episodes and assessments"): the lists (and the work queue), a new
 * episode, reading one with its schedule, and PATCH, which closes it. The schedule is the
 * pure rule's (rules/assessment_schedule.c) on the row's organization settings, today and
 * live assessments; the work queue sorts by its SQL twin (peerd_assessment_slots). */
#include "episodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "participants.h"
#include "patch.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "uuid.h"
#include "validate.h"

const char *const EPISODE_STATUSES[] = {"open", "closed", NULL};
const char *const EPISODE_END_REASONS[] = {"completed",	   "withdrew", "lost_contact", "moved",
					   "incarcerated", "deceased", "other",	       NULL};

/* An episode as a client writes it. PATCH may change program and started_on while the
 * episode is open (started_on only while no live assessment fills a slot), and closes it
 * with ended_on and end_reason; POST may create one closed (a past episode recorded). */
static const struct field_rule EPISODE_FIELDS[] = {
	{.name = "program",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "started_on", .type = FIELD_DATE, .required = true},
	{.name = "ended_on", .type = FIELD_DATE, .nullable = true},
	{.name = "end_reason",
	 .type = FIELD_ENUM,
	 .nullable = true,
	 .choices = EPISODE_END_REASONS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "participant_id", .type = FIELD_READ_ONLY},
	{.name = "status", .type = FIELD_READ_ONLY},
	{.name = "schedule", .type = FIELD_READ_ONLY},
	{.name = "created_by", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct constraint_answer EPISODE_CONSTRAINTS[] = {
	{"episodes_one_open", 409, NULL,
	 "the participant already has an open episode of this program; close it first"},
	{"episodes_keep_closed", 409, NULL, "a closed episode never changes"},
	{"episodes_end_whole", 422, "end_reason", "is required with ended_on, and only with it"},
	{"episodes_ended_after_started", 422, "ended_on", "cannot be before started_on"},
	{0},
};

#define EPISODE_FROM " FROM episodes e"

/* $2, $3: the caller's scope (participant_visibility_args). */
static const struct db_statement EPISODE_SELECT = {
	"episode_select", "SELECT " EPISODE_COLUMNS EPISODE_FROM " WHERE e.id = $1"
			  " AND peerd_participant_visible(e.participant_id, $2::uuid, $3::text)"};

static const struct db_statement EPISODE_SELECT_FOR_UPDATE = {
	"episode_select_for_update",
	"SELECT " EPISODE_COLUMNS EPISODE_FROM " WHERE e.id = $1"
	" AND peerd_participant_visible(e.participant_id, $2::uuid, $3::text) FOR UPDATE OF e"};

static const struct db_statement EPISODE_LOCK_BY_ID = {"episode_lock_by_id",
						       "SELECT " EPISODE_COLUMNS EPISODE_FROM
						       " WHERE e.id = $1 FOR UPDATE OF e"};

/* The oldest due_on of the open episode e's slots that are due or overdue on its
 * organization's today (NULL: none), by peerd_assessment_slots, the rule's twin. */
#define EPISODE_OLDEST_DUE_SQL                                                                  \
	"(SELECT min(s.due_on) FROM organizations o CROSS JOIN LATERAL peerd_assessment_slots(" \
	"e.started_on, e.ended_on, peerd_organization_today(e.organization_id),"                \
	" o.assessment_baseline_days, o.assessment_interval_days, o.assessment_window_days,"    \
	" o.assessment_discharge_days) s WHERE o.id = e.organization_id AND e.ended_on IS NULL" \
	" AND peerd_assessment_slot_state(EXISTS (SELECT 1 FROM assessments a"                  \
	" WHERE a.episode_id = e.id AND a.voided_at IS NULL AND a.timepoint = s.timepoint"      \
	" AND a.slot = s.slot), s.window_opens_on, s.due_on, s.window_closes_on,"               \
	" peerd_organization_today(e.organization_id)) IN ('due', 'overdue'))"

/* The filters both orders share: $1 one participant's (NULL: every episode in scope), $2
 * and $3 the caller's scope, $4 an admin's organization filter, $5 program, $6 status. */
#define EPISODE_FILTERS                                                        \
	" WHERE ($1::uuid IS NULL OR e.participant_id = $1::uuid)"             \
	" AND ($2::uuid IS NULL OR e.organization_id = $2::uuid)"              \
	" AND peerd_participant_visible(e.participant_id, $2::uuid, $3::text)" \
	" AND ($4::uuid IS NULL OR e.organization_id = $4::uuid)"              \
	" AND ($5::text IS NULL OR e.program = $5::text)"                      \
	" AND ($6::text IS NULL OR (e.ended_on IS NULL) = ($6::text = 'open'))"

/* Newest first; $7 assessment_due=false keeps the episodes with nothing due. */
#define EPISODE_LIST_FROM_WHERE                                                             \
	EPISODE_FROM EPISODE_FILTERS " AND ($7::boolean IS NULL OR " EPISODE_OLDEST_DUE_SQL \
				     " IS NULL)"
PAGE_STATEMENTS(EPISODE_LIST, "episode_list", EPISODE_COLUMNS ", NULL", "e",
		EPISODE_LIST_FROM_WHERE, "$8", "$9", "$10", "$11");

/* The work queue: open episodes with a slot due or overdue, the oldest such due_on first
 * (most overdue); the cursor carries that day (days since 1970) and the id. */
static const struct db_statement EPISODE_QUEUE = {
	"episode_queue",
	"SELECT " EPISODE_COLUMNS ", q.key" EPISODE_FROM
	" CROSS JOIN LATERAL (SELECT (" EPISODE_OLDEST_DUE_SQL
	" - date '1970-01-01')::bigint AS key) q" EPISODE_FILTERS " AND q.key IS NOT NULL"
	" AND ($7::bigint IS NULL OR (q.key, e.id) > ($7::bigint, $8::uuid))"
	" ORDER BY q.key, e.id LIMIT $9::int"};

/* The list's extra column: the queue's sort key. */
#define EPISODE_QUEUE_KEY EPISODE_COLUMN_COUNT

static const struct db_statement EPISODE_TODAY_OF_PARTICIPANT = {
	"episode_today_of_participant",
	"SELECT to_char(peerd_organization_today(p.organization_id), 'YYYY-MM-DD')"
	" FROM participants p WHERE p.id = $1"};

static const struct db_statement EPISODE_INSERT = {
	"episode_insert",
	"INSERT INTO episodes (organization_id, participant_id, program, started_on, ended_on,"
	" end_reason, created_by) SELECT p.organization_id, p.id, $2, $3::date, $4::date,"
	" $5::episode_end_reason, $6 FROM participants p WHERE p.id = $1 RETURNING id"};

static const struct db_statement EPISODE_UPDATE = {
	"episode_update",
	"UPDATE episodes SET program = $2, started_on = $3::date, ended_on = $4::date,"
	" end_reason = $5::episode_end_reason, version = version + 1, updated_at = now()"
	" WHERE id = $1"};

static const struct row_json_member EPISODE_JSON[] = {EPISODE_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

json_t *episode_render(const PGresult *res, int row)
{
	return row_json_render(EPISODE_JSON, sizeof EPISODE_JSON / sizeof *EPISODE_JSON, res, row);
}

/* An episode row's days, schedule and live assessments, as the rule takes them. */
struct episode_days {
	struct assessment_schedule schedule;
	struct assessment_episode episode;
	struct civil_date today;
	json_t *live_rows; /* [[timepoint, slot, id, administered_on], ...], owned */
	struct assessment_filled *live;
	size_t live_count;
};

static void episode_days_free(struct episode_days *days)
{
	json_decref(days->live_rows);
	free(days->live);
}

/* Reads row of res (EPISODE_COLUMNS); false when the row does not hold what the database
 * makes (or out of memory), after freeing what it took. */
static bool episode_days_read(const PGresult *res, int row, struct episode_days *days)
{
	*days = (struct episode_days){0};
	json_t *numbers = db_json(res, row, EPISODE_SCHEDULE_DAYS);
	int *fields[] = {&days->schedule.baseline_days, &days->schedule.interval_days,
			 &days->schedule.window_days, &days->schedule.discharge_days};
	bool read = json_array_size(numbers) == 4;
	for (size_t i = 0; read && i < 4; i++)
		*fields[i] = (int)json_integer_value(json_array_get(numbers, i));
	json_decref(numbers);
	const char *ended = db_text(res, row, EPISODE_ENDED_ON);
	days->episode.ended = ended != NULL;
	read = read && days->schedule.interval_days > 0 &&
	       civil_date_parse(db_text(res, row, EPISODE_STARTED_ON), &days->episode.started_on) &&
	       (!ended || civil_date_parse(ended, &days->episode.ended_on)) &&
	       civil_date_parse(db_text(res, row, EPISODE_TODAY), &days->today);
	days->live_rows = read ? db_json(res, row, EPISODE_SCHEDULE) : NULL;
	days->live_count = json_array_size(days->live_rows);
	days->live = calloc(days->live_count + 1, sizeof *days->live);
	read = read && days->live_rows && days->live;
	for (size_t i = 0; read && i < days->live_count; i++) {
		const json_t *item = json_array_get(days->live_rows, i);
		read = assessment_timepoint_parse(json_string_value(json_array_get(item, 0)),
						  &days->live[i].timepoint);
		days->live[i].slot = (int)json_integer_value(json_array_get(item, 1));
	}
	if (!read)
		episode_days_free(days);
	return read;
}

static json_t *slot_json(const struct assessment_slot *slot, const json_t *live_rows)
{
	char due[11], opens[11], closes[11];
	civil_date_format(slot->due_on, due, sizeof due);
	civil_date_format(slot->window_opens_on, opens, sizeof opens);
	civil_date_format(slot->window_closes_on, closes, sizeof closes);
	json_t *filler = slot->filled_by < 0
				 ? json_null()
				 : json_incref(json_array_get(
					   json_array_get(live_rows, (size_t)slot->filled_by), 2));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "timepoint",
			 assessment_timepoint_name(slot->timepoint), "slot", slot->slot, "due_on",
			 due, "window_opens_on", opens, "window_closes_on", closes, "state",
			 assessment_slot_state_name(slot->state), "assessment_id", filler);
}

json_t *episode_schedule_member(const PGresult *res, int row, int column)
{
	(void)column;
	struct episode_days days;
	if (!episode_days_read(res, row, &days))
		return json_null();
	size_t count = assessment_schedule_count(&days.schedule, &days.episode, days.today);
	struct assessment_slot *slots = calloc(count, sizeof *slots);
	json_t *schedule = slots ? json_array() : NULL;
	if (schedule)
		assessment_schedule_slots(&days.schedule, &days.episode, days.today, days.live,
					  days.live_count, slots, count);
	for (size_t i = 0; schedule && i < count; i++)
		if (json_array_append_new(schedule, slot_json(&slots[i], days.live_rows)) != 0) {
			json_decref(schedule);
			schedule = NULL;
		}
	free(slots);
	episode_days_free(&days);
	return schedule;
}

bool episode_slot_choose(const PGresult *episode, enum assessment_timepoint timepoint,
			 struct civil_date day, int *slot)
{
	struct episode_days days;
	if (!episode_days_read(episode, 0, &days))
		return false;
	bool found = assessment_slot_choose(&days.schedule, &days.episode, days.today, days.live,
					    days.live_count, timepoint, day, slot);
	episode_days_free(&days);
	return found;
}

PGresult *episode_find(struct request *request, struct db_conn *db, const char *id, bool lock)
{
	return participant_record_find(
		request, db, lock ? &EPISODE_SELECT_FOR_UPDATE : &EPISODE_SELECT, id, "episode");
}

/* Reads episode id as the caller may see it, and records the read; NULL after answering. */
static PGresult *episode_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = episode_find(request, db, id, false);
	if (res)
		audit_record(request, AUDIT_READ, "episode", id,
			     db_text(res, 0, EPISODE_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource EPISODE_REPLAY = {"episode", episode_read};

void episodes_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? episode_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, episode_render(res, 0), db_integer(res, 0, EPISODE_VERSION));
	PQclear(res);
}

static const struct participant_record_page EPISODE_PAGE = {"episode", ROW_JSON_TABLE(EPISODE_JSON),
							    EPISODE_ID, EPISODE_ORGANIZATION_ID};

/* One page of episodes (of participant_id, or NULL: every episode the caller may see),
 * with the query's filters, each row's read recorded. */
static void episodes_list_of(struct request *request, const char *participant_id)
{
	struct page_request page;
	const char *organization_id = NULL, *program, *status_filter, *due;
	if (!query_page(request, &page) ||
	    (!participant_id && !query_read(request, "organization_id", &organization_id)) ||
	    !query_read(request, "program", &program) ||
	    !query_read(request, "status", &status_filter) ||
	    !query_read(request, "assessment_due", &due))
		return;
	bool queue = due && strcmp(due, "true") == 0;
	if (queue && page.since) {
		/* The work queue has its own order, most overdue first. */
		problem_send(request, 400, "updated_since does not apply to assessment_due=true");
		return;
	}
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status =
		queue ? db_read(db, &EPISODE_QUEUE,
				DB_ARGS(participant_id, scope, subject, organization_id, program,
					status_filter, PAGE_SQL_ARGS(page)),
				&res)
		      : db_read(db, PAGE_STATEMENT(EPISODE_LIST, page),
				DB_ARGS(participant_id, scope, subject, organization_id, program,
					status_filter, due, PAGE_SYNC_ARGS(page)),
				&res);
	participant_records_page(request, db, participant_id, status, res, &page, &EPISODE_PAGE,
				 queue ? EPISODE_QUEUE_KEY : EPISODE_POSITION);
}

void episodes_list_for_participant(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	if (participant_id)
		episodes_list_of(request, participant_id);
}

void episodes_list(struct request *request)
{
	episodes_list_of(request, NULL);
}

/* How far back an episode may start. Its schedule lists a slot per interval from the
 * start: an episode dated centuries back would make every read of it, and the work queue,
 * list hundreds of thousands of slots. Ten years covers any back-filled record. */
enum { EPISODE_MAX_YEARS_BACK = 10 };

/* Whether started (a valid date) is more than EPISODE_MAX_YEARS_BACK years before today. */
static bool started_too_early(const char *started, const char *today_text)
{
	struct civil_date day, today;
	return civil_date_parse(started, &day) && civil_date_parse(today_text, &today) &&
	       civil_date_compare(day, civil_date_minus_years(today, EPISODE_MAX_YEARS_BACK)) < 0;
}

/* Adds to errors what is wrong with doc's days (already of the right types) on today:
 * started_on and ended_on not after it, ended_on not before started_on nor before the last
 * live assessment (last_administered, or NULL), and an end with its reason. Days compare
 * as text: YYYY-MM-DD sorts in calendar order, and the members were validated as dates. */
static void episode_days_errors(const json_t *doc, const char *today_text,
				const char *last_administered, struct field_errors *errors)
{
	const char *started = member_text(doc, "started_on");
	const char *ended = member_text(doc, "ended_on");
	bool reason = member_text(doc, "end_reason") != NULL;
	if (started && strcmp(started, today_text) > 0)
		field_error(errors, "started_on", "cannot be after today (%s)", today_text);
	else if (started && started_too_early(started, today_text))
		field_error(errors, "started_on",
			    "cannot be more than %d years before today (%s): an episode's schedule "
			    "is computed from it",
			    EPISODE_MAX_YEARS_BACK, today_text);
	if (ended && strcmp(ended, today_text) > 0)
		field_error(errors, "ended_on", "cannot be after today (%s)", today_text);
	else if (ended && started && strcmp(ended, started) < 0)
		field_error(errors, "ended_on", "cannot be before started_on (%s)", started);
	else if (ended && last_administered && strcmp(ended, last_administered) < 0)
		field_error(errors, "ended_on",
			    "cannot be before the episode's last assessment (administered on %s)",
			    last_administered);
	if (ended && !reason)
		field_error(errors, "end_reason", "is required with ended_on");
	if (reason && !ended)
		field_error(errors, "ended_on", "is required with end_reason");
}

/* Checks the body's episode of participant_id against its organization's today, writes it
 * in the open transaction and commits it with the answer for claim. False after
 * answering. */
static bool episode_create(struct request *request, struct db_conn *db, const char *participant_id,
			   const struct idempotency *claim)
{
	if (!participant_records_visible(request, db, participant_id, "participant") ||
	    !request_valid(request, request->body, EPISODE_FIELDS))
		return false;
	PGresult *today = NULL;
	enum db_status status =
		db_exec(db, &EPISODE_TODAY_OF_PARTICIPANT, DB_ARGS(participant_id), &today);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	struct field_errors errors;
	field_errors_init(&errors);
	episode_days_errors(request->body, db_text(today, 0, 0), NULL, &errors);
	PQclear(today);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	if (!valid)
		return false;
	const json_t *body = request->body;
	PGresult *res = NULL;
	status = db_exec(db, &EPISODE_INSERT,
			 DB_ARGS(participant_id, member_text(body, "program"),
				 member_text(body, "started_on"), member_text(body, "ended_on"),
				 member_text(body, "end_reason"), request->caller.subject),
			 &res);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, EPISODE_CONSTRAINTS);
		return false;
	}
	char id[UUID_TEXT_SIZE];
	snprintf(id, sizeof id, "%s", db_text(res, 0, 0));
	PQclear(res);
	PGresult *episode = episode_find(request, db, id, false);
	if (!episode)
		return false;
	audit_record(request, AUDIT_CREATE, "episode", id,
		     db_text(episode, 0, EPISODE_ORGANIZATION_ID));
	char location[96];
	snprintf(location, sizeof location, "/v1/episodes/%s", id);
	struct idempotency_answer answer = {201, location, 0, episode_render(episode, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(episode);
	return answered;
}

void episodes_create(struct request *request)
{
	const char *participant_id = request_id_param(request, "id");
	struct db_conn *db = participant_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &EPISODE_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!episode_create(request, db, participant_id, &claim))
		idempotency_release(db);
}

/* Only an open episode changes, and only one whose participant the caller may see. */
static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	if (!participant_records_visible(request, db, db_text(current, 0, EPISODE_PARTICIPANT_ID),
					 "episode"))
		return false;
	if (!db_text(current, 0, EPISODE_ENDED_ON))
		return true;
	problem_send(request, 409, "the episode is closed; a closed episode never changes");
	return false;
}

/* The last administered_on of the row's live assessments, or NULL (borrowed from live). */
static const char *last_administered(const json_t *live)
{
	size_t count = json_array_size(live);
	return count ? json_string_value(json_array_get(json_array_get(live, count - 1), 3)) : NULL;
}

/* The days of the closed or changed episode on the organization's today; started_on
 * stays while live assessments fill slots that it placed. */
static bool episode_change_valid(struct request *request, const PGresult *current,
				 const json_t *before, const json_t *after)
{
	json_t *live = db_json(current, 0, EPISODE_SCHEDULE);
	if (json_array_size(live) > 0 && !json_equal(json_object_get(before, "started_on"),
						     json_object_get(after, "started_on"))) {
		json_decref(live);
		problem_send(request, 409,
			     "started_on places the slots its live assessments fill; void them "
			     "before moving it");
		return false;
	}
	struct field_errors errors;
	field_errors_init(&errors);
	episode_days_errors(after, db_text(current, 0, EPISODE_TODAY), last_administered(live),
			    &errors);
	json_decref(live);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return valid;
}

static PGresult *write_episode(struct request *request, struct db_conn *db, const char *id,
			       const json_t *doc)
{
	enum db_status status =
		db_exec(db, &EPISODE_UPDATE,
			DB_ARGS(id, member_text(doc, "program"), member_text(doc, "started_on"),
				member_text(doc, "ended_on"), member_text(doc, "end_reason")),
			NULL);
	PGresult *res = NULL;
	if (status == DB_OK)
		status = db_exec(db, &EPISODE_LOCK_BY_ID, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, EPISODE_CONSTRAINTS);
	return res;
}

static const struct patch_target EPISODE_PATCH = {
	.noun = "episode",
	.lock = &EPISODE_LOCK_BY_ID,
	.fields = EPISODE_FIELDS,
	.render = episode_render,
	.version_column = EPISODE_VERSION,
	.admit = admit_patch,
	.check = episode_change_valid,
	.audit_type = "episode",
	.organization_column = EPISODE_ORGANIZATION_ID,
	.write = write_episode,
};

void episodes_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &EPISODE_PATCH);
}
