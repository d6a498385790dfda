/* Reports: every figure is computed by the database (aggregates, percentile_cont) and
 * comes back as one JSON document; nothing is counted in C. A report names organizations
 * and staff by id, never a participant. The export of session notes is in
 * api/exports.c. */
#include "reports.h"

#include <stdio.h>
#include <string.h>

#include "civil_date.h"
#include "db.h"
#include "log.h"
#include "problem.h"
#include "query.h"
#include "report_scope.h"
#include "request.h"
#include "respond.h"

/* $1 the organization, $2/$3 the first and last day (the organization's days). Sessions
 * are signed notes; referrals count by the day they were submitted; goals by the day
 * they were set. Units by authorization status are those of the notes billed for days in
 * the range (session_notes_billed_by_day), by the status their authorization has today;
 * an authorization runs out when what remains lasts 14 days or fewer at the pace of the
 * last 30 days (today included): remaining * 30 <= 14 * units of those days, kept in
 * integers; runs_out_on is today + ceil(remaining / pace). The units under each
 * authorization are read by session_notes_by_authorization. billed_status is
 * MATERIALIZED: inlined, each of the five sums worked out every authorization's status
 * again (1 s on the bench data set with an authorization per participant; 0.2 s so).
 * r, n and g keep only the columns read: each is read more than once, so kept in a
 * tuplestore, and whole rows (a note's text) spilled it to disk. The goals are found by
 * their own organization (goals_by_organization_created), not through its participants. */
static const struct db_statement SUMMARY = {
	"report_summary",
	"WITH bounds AS (SELECT $1::uuid AS org, $2::date AS first, $3::date AS last,"
	" ($2::date)::timestamp AT TIME ZONE o.time_zone AS starts,"
	" ($3::date + 1)::timestamp AT TIME ZONE o.time_zone AS ends,"
	" peerd_organization_today(o.id) AS today"
	" FROM organizations o WHERE o.id = $1),"
	" r AS (SELECT r.status, r.referring_organization_id, r.submitted_at, r.first_contact_at"
	" FROM referrals r, bounds b WHERE r.provider_organization_id = b.org"
	" AND r.submitted_at >= b.starts AND r.submitted_at < b.ends),"
	" n AS (SELECT n.modality, n.billing_units, n.participant_id"
	" FROM session_notes n, bounds b WHERE n.organization_id = b.org"
	" AND n.status = 'signed' AND n.occurred_at >= b.starts AND n.occurred_at < b.ends),"
	" g AS (SELECT g.domain, g.status FROM goals g, bounds b"
	" WHERE g.organization_id = b.org AND g.created_at >= b.starts AND g.created_at < b.ends),"
	" billed AS (SELECT a.id, a.starts_on, a.ends_on, a.units_authorized, d.units"
	" FROM (SELECT n.billing_authorization_id, sum(n.billing_units) AS units"
	" FROM session_notes n, bounds b WHERE n.organization_id = b.org"
	" AND n.status = 'signed' AND n.billing_units > 0"
	" AND n.billing_day BETWEEN b.first AND b.last GROUP BY 1) d"
	" LEFT JOIN authorizations a ON a.id = d.billing_authorization_id),"
	" billed_status AS MATERIALIZED (SELECT CASE WHEN d.id IS NULL THEN 'none'"
	" ELSE peerd_authorization_status(d.starts_on, d.ends_on,"
	" d.units_authorized - peerd_authorization_units_used(d.id), b.org) END AS status,"
	" d.units FROM billed d, bounds b),"
	" running AS (SELECT a.id, a.ends_on, a.units_authorized, u.used,"
	" a.units_authorized - u.used AS remaining, u.recent,"
	" b.today + ((a.units_authorized - u.used) * 30 + u.recent - 1) / u.recent AS runs_out_on"
	" FROM bounds b JOIN authorizations a ON a.organization_id = b.org AND a.ends_on >= b.today"
	" CROSS JOIN LATERAL (SELECT coalesce(sum(s.billing_units), 0)::int AS used,"
	" coalesce(sum(s.billing_units) FILTER (WHERE s.billing_day BETWEEN b.today - 29"
	" AND b.today), 0)::int AS recent FROM session_notes s"
	" WHERE s.billing_authorization_id = a.id) u"
	" WHERE u.recent > 0 AND (a.units_authorized - u.used) * 30 <= 14 * u.recent"
	" AND peerd_authorization_status(a.starts_on, a.ends_on, a.units_authorized - u.used,"
	" b.org) = 'active')"
	" SELECT json_build_object('organization_id', b.org, 'from', b.first, 'to', b.last,"
	" 'referrals', (SELECT count(*) FROM r),"
	" 'referrals_by_status', (SELECT coalesce(json_object_agg(status, count), '{}')"
	" FROM (SELECT status, count(*) FROM r GROUP BY status) x),"
	" 'referrals_by_referring_organization', (SELECT coalesce(json_agg(json_build_object("
	"'organization_id', x.referring_organization_id, 'name', o.name, 'referrals', x.count)"
	" ORDER BY x.count DESC, x.referring_organization_id), '[]')"
	" FROM (SELECT referring_organization_id, count(*) FROM r GROUP BY 1) x"
	" LEFT JOIN organizations o ON o.id = x.referring_organization_id),"
	" 'median_days_to_first_contact', (SELECT round((percentile_cont(0.5) WITHIN GROUP"
	" (ORDER BY extract(epoch FROM first_contact_at - submitted_at) / 86400))::numeric, 2)"
	" FROM r WHERE first_contact_at IS NOT NULL),"
	" 'sessions', (SELECT count(*) FROM n),"
	" 'sessions_by_modality', (SELECT coalesce(json_object_agg(modality, count), '{}')"
	" FROM (SELECT modality, count(*) FROM n GROUP BY modality) x),"
	" 'billable_sessions', (SELECT count(*) FROM n WHERE billing_units > 0),"
	" 'billable_units', (SELECT coalesce(sum(billing_units), 0) FROM n),"
	" 'participants_served', (SELECT count(DISTINCT participant_id) FROM n),"
	" 'goals', (SELECT count(*) FROM g),"
	" 'goals_by_domain', (SELECT coalesce(json_object_agg(domain, statuses), '{}') FROM"
	" (SELECT domain, json_object_agg(status, count) AS statuses FROM"
	" (SELECT domain, status, count(*) FROM g GROUP BY 1, 2) y GROUP BY domain) x),"
	" 'units_by_authorization_status', (SELECT json_build_object("
	"'active', coalesce(sum(units) FILTER (WHERE status = 'active'), 0),"
	" 'exhausted', coalesce(sum(units) FILTER (WHERE status = 'exhausted'), 0),"
	" 'expired', coalesce(sum(units) FILTER (WHERE status = 'expired'), 0),"
	" 'future', coalesce(sum(units) FILTER (WHERE status = 'future'), 0),"
	" 'none', coalesce(sum(units) FILTER (WHERE status = 'none'), 0)) FROM billed_status),"
	" 'authorizations_running_out', (SELECT coalesce(json_agg(json_build_object("
	"'authorization_id', id, 'ends_on', ends_on, 'units_authorized', units_authorized,"
	" 'units_used', used, 'units_remaining', remaining, 'units_last_30_days', recent,"
	" 'runs_out_on', runs_out_on) ORDER BY runs_out_on, id), '[]') FROM running))"
	" FROM bounds b"};

static const struct db_statement CASELOADS = {
	"report_caseloads",
	"SELECT json_build_object('organization_id', $1::uuid, 'items',"
	" coalesce(json_agg(json_build_object('specialist_id', p.id, 'kind', p.kind,"
	" 'active', p.active, 'caseload', p.caseload, 'max_caseload', p.max_caseload,"
	" 'certified', p.certified, 'sessions_last_30_days', x.sessions,"
	" 'units_last_30_days', x.units) ORDER BY p.created_at, p.id), '[]'))"
	" FROM specialist_profiles p CROSS JOIN LATERAL (SELECT count(*) AS sessions,"
	" coalesce(sum(n.billing_units), 0) AS units FROM session_notes n"
	" WHERE n.specialist_id = p.id AND n.status = 'signed'"
	" AND n.billing_day > (SELECT peerd_organization_today($1::uuid)) - 30) x"
	" WHERE p.organization_id = $1"};

static const struct db_statement CERTIFICATIONS = {
	"report_certifications",
	"WITH today AS (SELECT peerd_organization_today($1::uuid) AS day)"
	" SELECT json_build_object('organization_id', $1::uuid, 'expiring_within_days', $2::int,"
	" 'items', coalesce(json_agg(json_build_object('certification_id', c.id,"
	" 'specialist_id', c.specialist_id, 'credential', c.credential, 'state', c.state,"
	" 'status', c.status, 'expires_on', c.expires_on, 'days_left', c.expires_on - t.day)"
	" ORDER BY c.expires_on, c.id), '[]'))"
	" FROM certifications c JOIN specialists s ON s.id = c.specialist_id, today t"
	" WHERE s.organization_id = $1 AND ($2::int IS NULL"
	" OR c.expires_on BETWEEN t.day AND t.day + $2::int)"};

/* $1 the organization, $2/$3 the first and last day. Slots are those of every episode of
 * the organization (peerd_assessment_slots on its schedule and its today) whose due_on
 * falls in the range; a slot is filled by its live assessment (same episode, timepoint and
 * slot number, not voided), done in its window when administered inside it, missed when
 * unfilled and its window closed before today; an open unfilled slot is only due. The
 * change is over every episode with a live baseline and a live follow-up administered on or
 * before the last day: its latest such follow-up's score less the baseline's.
 *
 * Only episodes that can have a slot due in the range are expanded: a baseline is due on
 * started_on + b, a follow-up from started_on + i up to ended_on (today + i while open), a
 * discharge on ended_on + d; the slots' own filter still decides. A slot finds its live
 * assessment by one lookup (assessments_live_by_organization, one row at most by
 * assessments_one_per_slot; LIMIT 1 keeps the planner from hashing every assessment of
 * the organization for a month's few thousand slots), or, over a long range, by hash
 * (FOLLOW_UP_HASHED below). The change reads the organization's live assessments once, in
 * episode order from that index, one group per episode: a
 * baseline (slot 0, one live at most) and the follow-up that is greatest by day then slot,
 * found as the greatest {day, slot, score} array without sorting each episode's rows. An
 * episode without both gives NULL, which percentile_cont leaves out, as the join did. On
 * the bench data set (provider 1, database CPU a call, JIT off): 30 days 158 -> 76 ms, a
 * year 168-218 -> 190 ms by lookups, 156 ms by hash. */
#define FOLLOW_UP_SLOTS                                                                            \
	"WITH scope AS (SELECT o.id AS org, $2::date AS first, $3::date AS last,"                  \
	" peerd_organization_today(o.id) AS today, o.assessment_baseline_days AS b,"               \
	" o.assessment_interval_days AS i, o.assessment_window_days AS w,"                         \
	" o.assessment_discharge_days AS d FROM organizations o WHERE o.id = $1),"                 \
	" slots AS (SELECT s.timepoint, count(*) AS due,"                                          \
	" count(*) FILTER (WHERE a.administered_on BETWEEN s.window_opens_on"                      \
	" AND s.window_closes_on) AS done_in_window,"                                              \
	" count(*) FILTER (WHERE a.episode_id IS NULL AND s.window_closes_on < c.today) AS missed" \
	" FROM scope c JOIN episodes e ON e.organization_id = $1"                                  \
	" AND (e.started_on + c.b BETWEEN c.first AND c.last"                                      \
	" OR (e.started_on + c.i <= c.last AND coalesce(e.ended_on, c.today + c.i) >= c.first)"    \
	" OR e.ended_on + c.d BETWEEN c.first AND c.last)"                                         \
	" CROSS JOIN LATERAL peerd_assessment_slots(e.started_on, e.ended_on, c.today,"            \
	" c.b, c.i, c.w, c.d) s"

/* The statement's rest, after the slot's lookup (below). */
#define FOLLOW_UP_REST                                                                            \
	" WHERE s.due_on BETWEEN c.first AND c.last GROUP BY s.timepoint),"                       \
	" changes AS (SELECT (max(ARRAY[a.administered_on - DATE '0001-01-01', a.slot, a.score])" \
	" FILTER (WHERE a.timepoint = 'follow_up'))[3]"                                           \
	" - min(a.score) FILTER (WHERE a.timepoint = 'baseline') AS change"                       \
	" FROM assessments a WHERE a.organization_id = $1 AND a.voided_at IS NULL"                \
	" AND a.administered_on <= $3::date GROUP BY a.episode_id)"                               \
	" SELECT json_build_object('organization_id', c.org, 'from', c.first, 'to', c.last,"      \
	" 'timepoints', (SELECT json_object_agg(t.timepoint, json_build_object("                  \
	"'due', coalesce(s.due, 0), 'done_in_window', coalesce(s.done_in_window, 0),"             \
	" 'missed', coalesce(s.missed, 0),"                                                       \
	" 'rate', round(s.done_in_window::numeric / nullif(s.due, 0), 4)) ORDER BY t.timepoint)"  \
	" FROM unnest(enum_range(NULL::assessment_timepoint)) AS t(timepoint)"                    \
	" LEFT JOIN slots s ON s.timepoint = t.timepoint),"                                       \
	" 'barc10_median_change', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY change)"    \
	" FROM changes))"                                                                         \
	" FROM scope c"

/* A slot's live assessment: for a range of a few months, looked up slot by slot (LIMIT 1, as
 * above); for a longer one, a hash join with every live assessment of the organization
 * (still one row at most a slot by assessments_one_per_slot, so the same counts). Measured on
 * the bench data set (provider 1, database CPU a call, JIT off): lookups 76 ms for 30 days,
 * 104 for 90, 149 for 180, 200 for a year; the hash join 111, 121, 141, 156. */
static const struct db_statement FOLLOW_UP_LOOKUP = {
	"report_follow_up_lookup", FOLLOW_UP_SLOTS
	" LEFT JOIN LATERAL (SELECT a.episode_id, a.administered_on FROM assessments a"
	" WHERE a.organization_id = $1 AND a.voided_at IS NULL AND a.episode_id = e.id"
	" AND a.timepoint = s.timepoint AND a.slot = s.slot LIMIT 1) a ON true" FOLLOW_UP_REST};
static const struct db_statement FOLLOW_UP_HASHED = {
	"report_follow_up_hashed",
	FOLLOW_UP_SLOTS " LEFT JOIN assessments a ON a.organization_id = $1 AND a.voided_at IS NULL"
			" AND a.episode_id = e.id AND a.timepoint = s.timepoint"
			" AND a.slot = s.slot" FOLLOW_UP_REST};

/* Ranges of more than this many days (last - first >= it, the days counted inclusively)
 * look their slots' assessments up by hash (above). */
#define FOLLOW_UP_HASHED_AFTER_DAYS 120

/* Runs a report statement (one JSON value) and answers with it. PostgreSQL writes json
 * spaced (`"a" : 1, "b" : 2`): it is parsed and written again as every other answer is
 * (respond_json), compact, its numbers as jansson writes them. Measured (-O2, one core):
 * 0.5 ms for a caseload report of 100 specialists (20 KB), 50 ms for 10,000 (2 MB), about
 * nine tenths of it the parse; small beside the statement that aggregated the rows. */
/* JIT compilation off for the report, in the same round trip and only until it ends
 * (set_config's is_local: the two steps are one implicit transaction). A report's plan
 * costs more than jit_above_cost, and PostgreSQL 15 compiled it again at every call: 60 to
 * 100 ms a report on the bench data set, more than the rest of the 30-day summary. */
static const struct db_statement JIT_OFF = {"report_jit_off", "SELECT set_config('jit', $1, true)"};

static void send_report(struct request *request, struct db_conn *db,
			const struct db_statement *stmt, int count, const char *const *values)
{
	PGresult *res = NULL;
	const struct db_step steps[] = {DB_STEP(&JIT_OFF, NULL, "off"),
					{stmt, count, values, &res}};
	/* As db_read: a connection found broken is replaced and the read sent once more, but
	 * only when no transaction was open, which the retry would run outside of. */
	bool alone = db_is_idle(db);
	enum db_status status = db_exec_batch(db, steps, sizeof steps / sizeof steps[0]);
	if (status == DB_UNAVAILABLE && alone && !db_is_idle(db) && db_reset(db))
		status = db_exec_batch(db, steps, sizeof steps / sizeof steps[0]);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return;
	}
	const char *text = db_text(res, 0, 0);
	json_error_t error = {.text = "SQL NULL"};
	json_t *report = text ? json_loads(text, 0, &error) : NULL;
	PQclear(res);
	if (!report) {
		log_write(LOG_LEVEL_ERROR, "a report's JSON could not be read",
			  json_pack("{s:s, s:s}", "statement", stmt->name, "reason", error.text));
		problem_send(request, 500, "the report could not be written (request id %s)",
			     request->id);
		return;
	}
	respond_json(request, 200, report);
}

/* A report over the scope's organization and range: stmt takes $1 the organization, $2/$3
 * the first and last day. */
static void send_range_report(struct request *request, const struct db_statement *stmt)
{
	struct report_scope scope;
	if (!report_scope_read(request, REPORT_READS_REPLICA, &scope))
		return;
	send_report(request, scope.db, stmt,
		    DB_ARGS(scope.organization_id, scope.first_day, scope.last_day));
}

void reports_summary(struct request *request)
{
	send_range_report(request, &SUMMARY);
}

void reports_caseloads(struct request *request)
{
	struct report_scope scope;
	if (!report_scope_read(request, REPORT_READS_REPLICA, &scope))
		return;
	send_report(request, scope.db, &CASELOADS, DB_ARGS(scope.organization_id));
}

void reports_certifications(struct request *request)
{
	struct report_scope scope;
	char days_text[24];
	const char *days;
	if (!query_integer(request, "expiring_within_days", days_text, sizeof days_text, &days) ||
	    !report_scope_read(request, REPORT_READS_REPLICA, &scope))
		return;
	send_report(request, scope.db, &CERTIFICATIONS, DB_ARGS(scope.organization_id, days));
}

void reports_follow_up(struct request *request)
{
	struct report_scope scope;
	if (!report_scope_read(request, REPORT_READS_REPLICA, &scope))
		return;
	struct civil_date first, last;
	bool long_range = civil_date_parse(scope.first_day, &first) &&
			  civil_date_parse(scope.last_day, &last) &&
			  civil_date_days_between(first, last) >= FOLLOW_UP_HASHED_AFTER_DAYS;
	send_report(request, scope.db, long_range ? &FOLLOW_UP_HASHED : &FOLLOW_UP_LOOKUP,
		    DB_ARGS(scope.organization_id, scope.first_day, scope.last_day));
}
