/* Every endpoint peerd answers, in one place: method, path, the roles admitted (0: no
 * token needed), what the body must be, the handler, and the query parameters it takes
 * (the same as openapi.yaml documents: tests/unit/test_routes.c compares them). The
 * dispatcher (service/dispatch.c) checks the roles, the query's names and the body before
 * the handler runs; a handler reads the values, and checks only what depends on the data
 * (which organization, which state). A route without QUERY ignores a query string. */
#include "routes.h"

#include "assessments.h"
#include "audit_events.h"
#include "auth.h"
#include "authorizations.h"
#include "certifications.h"
#include "consents.h"
#include "continuing_education.h"
#include "coverages.h"
#include "episodes.h"
#include "goal_status.h"
#include "goals.h"
#include "group_sessions.h"
#include "language_tag.h"
#include "ops.h"
#include "organizations.h"
#include "pagination.h"
#include "participants.h"
#include "plan_sections.h"
#include "plans.h"
#include "referral_matches.h"
#include "referral_status.h"
#include "referral_workflow.h"
#include "referrals.h"
#include "reports.h"
#include "session_note_signing.h"
#include "session_notes.h"
#include "specialists.h"
#include "subscriptions.h"

const struct route api_routes[] = {
	/* Operations: liveness, readiness, metrics, the API description. All but /readyz
	 * answer from memory on the I/O thread, so that a load balancer's check never waits
	 * behind handlers waiting on the database. */
	ROUTE_INLINE("GET", "/healthz", 0, ROUTE_BODY_NONE, ops_healthz),
	ROUTE("GET", "/readyz", 0, ROUTE_BODY_NONE, ops_readyz),
	ROUTE_INLINE("GET", "/metrics", 0, ROUTE_BODY_NONE, ops_metrics),
	ROUTE_INLINE("GET", "/openapi.yaml", 0, ROUTE_BODY_NONE, ops_openapi),
	ROUTE_INLINE("GET", "/docs", 0, ROUTE_BODY_NONE, ops_docs),
	ROUTE_INLINE("GET", "/docs/{file}", 0, ROUTE_BODY_NONE, ops_docs_file),

	/* Organizations */
	ROUTE("GET", "/v1/organizations", ROLES_ANY, ROUTE_BODY_NONE, organizations_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("kind", ORGANIZATION_KINDS))),
	ROUTE("POST", "/v1/organizations", ROLE_ADMIN, ROUTE_BODY_JSON, organizations_create),
	ROUTE("GET", "/v1/organizations/{id}", ROLES_ANY, ROUTE_BODY_NONE, organizations_get),
	ROUTE("PATCH", "/v1/organizations/{id}", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_MERGE_PATCH, organizations_patch),

	/* Specialists: /me before /{id}, so "me" is not taken for an id. */
	ROUTE("GET", "/v1/specialists", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      specialists_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("organization_id"),
		    QUERY_CHOICE("kind", SPECIALIST_KINDS),
		    QUERY_TEXT("language", LANGUAGE_TAG_MAX), QUERY_TEXT("county", 100),
		    QUERY_CHOICE("lived_experience", LIVED_EXPERIENCES), QUERY_BOOLEAN("certified"),
		    QUERY_BOOLEAN("accepting"), QUERY_BOOLEAN("active"), QUERY_TEXT("q", 100))),
	ROUTE("POST", "/v1/specialists", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_JSON,
	      specialists_create),
	ROUTE("GET", "/v1/specialists/me", ROLE_SPECIALIST, ROUTE_BODY_NONE, specialists_get_me),
	ROUTE("PATCH", "/v1/specialists/me", ROLE_SPECIALIST, ROUTE_BODY_MERGE_PATCH,
	      specialists_patch_me),
	ROUTE("GET", "/v1/specialists/{id}", ROLES_STAFF, ROUTE_BODY_NONE, specialists_get),
	ROUTE("PATCH", "/v1/specialists/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH,
	      specialists_patch),

	/* Certifications and their continuing education */
	ROUTE("GET", "/v1/specialists/{id}/certifications", ROLES_STAFF, ROUTE_BODY_NONE,
	      certifications_list_for_specialist, QUERY(QUERY_SYNC_PAGE)),
	ROUTE("POST", "/v1/specialists/{id}/certifications", ROLES_STAFF, ROUTE_BODY_JSON,
	      certifications_create),
	ROUTE("GET", "/v1/certifications", ROLES_STAFF, ROUTE_BODY_NONE, certifications_list,
	      QUERY(QUERY_SYNC_PAGE,
		    QUERY_INTEGER("expiring_within_days", 0, EXPIRING_WITHIN_DAYS_MAX),
		    QUERY_UUID("organization_id"), QUERY_UUID("specialist_id"),
		    QUERY_CHOICE("status", CERTIFICATION_STATUSES))),
	ROUTE("GET", "/v1/certifications/{id}", ROLES_STAFF, ROUTE_BODY_NONE, certifications_get),
	ROUTE("PATCH", "/v1/certifications/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH,
	      certifications_patch),
	ROUTE("POST", "/v1/certifications/{id}/verify", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_NONE, certifications_verify),
	ROUTE("GET", "/v1/certifications/{id}/ceus", ROLES_STAFF, ROUTE_BODY_NONE,
	      continuing_education_list, QUERY(QUERY_SYNC_PAGE)),
	ROUTE("POST", "/v1/certifications/{id}/ceus", ROLES_STAFF, ROUTE_BODY_JSON,
	      continuing_education_create),
	ROUTE("GET", "/v1/certifications/{id}/ceus/{ceu_id}", ROLES_STAFF, ROUTE_BODY_NONE,
	      continuing_education_get),

	/* Participants: a partner or reporter never reads them. */
	ROUTE("GET", "/v1/participants", ROLES_STAFF, ROUTE_BODY_NONE, participants_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("organization_id"), QUERY_TEXT("q", 100),
		    QUERY_TEXT("county", 100))),
	ROUTE("POST", "/v1/participants", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_JSON,
	      participants_create),
	ROUTE("GET", "/v1/participants/{id}", ROLES_STAFF, ROUTE_BODY_NONE, participants_get),
	ROUTE("PATCH", "/v1/participants/{id}", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_MERGE_PATCH, participants_patch),
	ROUTE("GET", "/v1/participants/{id}/possible-duplicates", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_NONE, participants_possible_duplicates, QUERY(QUERY_PAGE)),
	ROUTE("POST", "/v1/participants/{id}/merge", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_JSON,
	      participants_merge),

	/* Referrals: intake, the loop back to the referrer, assignment */
	ROUTE("GET", "/v1/referrals", ROLES_STAFF | ROLE_PARTNER, ROUTE_BODY_NONE, referrals_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("status", REFERRAL_STATUSES),
		    QUERY_BOOLEAN("overdue"), QUERY_CHOICE("urgency", URGENCIES),
		    QUERY_CHOICE("service_type", SERVICE_TYPES),
		    QUERY_UUID("assigned_specialist_id"), QUERY_UUID("provider_organization_id"),
		    QUERY_UUID("referring_organization_id"), QUERY_UUID("participant_id"),
		    QUERY_TEXT("external_id", 100))),
	ROUTE("POST", "/v1/referrals", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER, ROUTE_BODY_JSON,
	      referrals_create),
	ROUTE("GET", "/v1/referrals/{id}", ROLES_STAFF | ROLE_PARTNER, ROUTE_BODY_NONE,
	      referrals_get),
	ROUTE("POST", "/v1/referrals/{id}/transitions", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_JSON, referral_transition),
	ROUTE("POST", "/v1/referrals/{id}/assignment", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_JSON, referral_assign),
	ROUTE("GET", "/v1/referrals/{id}/matches", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      referral_matches, QUERY(QUERY_LIMIT)),
	ROUTE("GET", "/v1/referrals/{id}/history", ROLES_STAFF | ROLE_PARTNER, ROUTE_BODY_NONE,
	      referral_history, QUERY_NONE),

	/* Goals: the organization's supervisors and the participant's assigned specialist */
	ROUTE("GET", "/v1/participants/{id}/goals", ROLES_STAFF, ROUTE_BODY_NONE, goals_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("domain", WELLNESS_DOMAINS),
		    QUERY_CHOICE("status", GOAL_STATUSES))),
	ROUTE("POST", "/v1/participants/{id}/goals", ROLES_STAFF, ROUTE_BODY_JSON, goals_create),
	ROUTE("GET", "/v1/goals/{id}", ROLES_STAFF, ROUTE_BODY_NONE, goals_get),
	ROUTE("PATCH", "/v1/goals/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH, goals_patch),
	ROUTE("GET", "/v1/goals/{id}/progress", ROLES_STAFF, ROUTE_BODY_NONE, goal_progress_list,
	      QUERY(QUERY_SYNC_PAGE)),
	ROUTE("POST", "/v1/goals/{id}/progress", ROLES_STAFF, ROUTE_BODY_JSON,
	      goal_progress_create),
	ROUTE("GET", "/v1/goals/{id}/progress/{progress_id}", ROLES_STAFF, ROUTE_BODY_NONE,
	      goal_progress_get),

	/* Session notes: written, signed (locked and billed), amended, co-signed */
	ROUTE("GET", "/v1/session-notes", ROLES_STAFF, ROUTE_BODY_NONE, session_notes_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("participant_id"), QUERY_UUID("specialist_id"),
		    QUERY_DATE("from"), QUERY_DATE("to"), QUERY_CHOICE("status", NOTE_STATUSES),
		    QUERY_BOOLEAN("cosigned"))),
	ROUTE("POST", "/v1/session-notes", ROLES_STAFF, ROUTE_BODY_JSON, session_notes_create),
	ROUTE("GET", "/v1/session-notes/{id}", ROLES_STAFF, ROUTE_BODY_NONE, session_notes_get),
	ROUTE("PATCH", "/v1/session-notes/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH,
	      session_notes_patch),
	ROUTE("POST", "/v1/session-notes/{id}/sign", ROLE_ADMIN | ROLE_SPECIALIST, ROUTE_BODY_NONE,
	      session_note_sign),
	ROUTE("POST", "/v1/session-notes/{id}/addenda", ROLES_STAFF, ROUTE_BODY_JSON,
	      session_note_add_addendum),
	ROUTE("POST", "/v1/session-notes/{id}/cosign", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_NONE, session_note_cosign),

	/* Group sessions: a meeting, its roster, and at signing a billed note per attendee;
	 * a specialist sees and writes the sessions they facilitate, a supervisor signs
	 * none (notes are signed by who delivered them). */
	ROUTE("GET", "/v1/group-sessions", ROLES_STAFF, ROUTE_BODY_NONE, group_sessions_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_DATE("from"), QUERY_DATE("to"),
		    QUERY_UUID("facilitator_id"), QUERY_UUID("participant_id"),
		    QUERY_CHOICE("status", GROUP_SESSION_STATUSES))),
	ROUTE("POST", "/v1/group-sessions", ROLES_STAFF, ROUTE_BODY_JSON, group_sessions_create),
	ROUTE("GET", "/v1/group-sessions/{id}", ROLES_STAFF, ROUTE_BODY_NONE, group_sessions_get),
	ROUTE("PATCH", "/v1/group-sessions/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH,
	      group_sessions_patch),
	ROUTE("PUT", "/v1/group-sessions/{id}/attendance", ROLES_STAFF, ROUTE_BODY_JSON,
	      group_sessions_put_attendance),
	ROUTE("POST", "/v1/group-sessions/{id}/sign", ROLE_ADMIN | ROLE_SPECIALIST, ROUTE_BODY_NONE,
	      group_session_sign),
	ROUTE("POST", "/v1/group-sessions/{id}/cancel", ROLES_STAFF, ROUTE_BODY_JSON,
	      group_session_cancel),

	/* Consents: made by the participant's supervisors, admins and assigned specialist,
	 * never changed (no PATCH: the dispatcher answers 405 with Allow), revoked once. */
	ROUTE("GET", "/v1/participants/{id}/consents", ROLES_STAFF, ROUTE_BODY_NONE, consents_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("kind", CONSENT_KINDS),
		    QUERY_CHOICE("status", CONSENT_STATUSES))),
	ROUTE("POST", "/v1/participants/{id}/consents", ROLES_STAFF, ROUTE_BODY_JSON,
	      consents_create),
	ROUTE("GET", "/v1/consents/{id}", ROLES_STAFF, ROUTE_BODY_NONE, consents_get),
	ROUTE("POST", "/v1/consents/{id}/revoke", ROLES_STAFF, ROUTE_BODY_JSON, consent_revoke),
	/* Plans: a participant's recovery plan, WRAP or crisis plan; signed into the active
	 * plan of its kind, never changed after, revised by a new draft. */
	ROUTE("GET", "/v1/participants/{id}/plans", ROLES_STAFF, ROUTE_BODY_NONE,
	      plans_list_for_participant,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("kind", PLAN_KINDS),
		    QUERY_CHOICE("status", PLAN_STATUSES), QUERY_BOOLEAN("review_due"))),
	ROUTE("POST", "/v1/participants/{id}/plans", ROLES_STAFF, ROUTE_BODY_JSON, plans_create),
	ROUTE("GET", "/v1/plans", ROLES_STAFF, ROUTE_BODY_NONE, plans_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("organization_id"),
		    QUERY_CHOICE("kind", PLAN_KINDS), QUERY_CHOICE("status", PLAN_STATUSES),
		    QUERY_BOOLEAN("review_due"))),
	ROUTE("GET", "/v1/plans/{id}", ROLES_STAFF, ROUTE_BODY_NONE, plans_get),
	ROUTE("PATCH", "/v1/plans/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH, plans_patch),
	ROUTE("POST", "/v1/plans/{id}/sign", ROLES_STAFF, ROUTE_BODY_JSON, plan_sign),
	/* Episodes: a stretch of service a funder measures, with its schedule of BARC-10
	 * assessments; assessment_due=true is the work queue. */
	ROUTE("GET", "/v1/participants/{id}/episodes", ROLES_STAFF, ROUTE_BODY_NONE,
	      episodes_list_for_participant,
	      QUERY(QUERY_SYNC_PAGE, QUERY_TEXT("program", 100),
		    QUERY_CHOICE("status", EPISODE_STATUSES), QUERY_BOOLEAN("assessment_due"))),
	ROUTE("POST", "/v1/participants/{id}/episodes", ROLES_STAFF, ROUTE_BODY_JSON,
	      episodes_create),
	ROUTE("GET", "/v1/episodes", ROLES_STAFF, ROUTE_BODY_NONE, episodes_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("organization_id"), QUERY_TEXT("program", 100),
		    QUERY_CHOICE("status", EPISODE_STATUSES), QUERY_BOOLEAN("assessment_due"))),
	ROUTE("GET", "/v1/episodes/{id}", ROLES_STAFF, ROUTE_BODY_NONE, episodes_get),
	ROUTE("PATCH", "/v1/episodes/{id}", ROLES_STAFF, ROUTE_BODY_MERGE_PATCH, episodes_patch),
	/* Assessments: never changed (no PATCH: 405), voided once, which frees the slot. */
	ROUTE("GET", "/v1/episodes/{id}/assessments", ROLES_STAFF, ROUTE_BODY_NONE,
	      assessments_list, QUERY(QUERY_SYNC_PAGE)),
	ROUTE("POST", "/v1/episodes/{id}/assessments", ROLES_STAFF, ROUTE_BODY_JSON,
	      assessments_create),
	ROUTE("GET", "/v1/assessments/{id}", ROLES_STAFF, ROUTE_BODY_NONE, assessments_get),
	ROUTE("POST", "/v1/assessments/{id}/void", ROLES_STAFF, ROUTE_BODY_JSON, assessment_void),

	/* Coverages and authorizations: who pays and the units a payer authorized, kept by the
	 * participant's supervisors (and admins); never deleted (DELETE, PUT: 405). */
	ROUTE("GET", "/v1/participants/{id}/coverages", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_NONE, coverages_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("kind", COVERAGE_KINDS),
		    QUERY_DATE("active_on"))),
	ROUTE("POST", "/v1/participants/{id}/coverages", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_JSON, coverages_create),
	ROUTE("GET", "/v1/coverages/{id}", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      coverages_get),
	ROUTE("PATCH", "/v1/coverages/{id}", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_MERGE_PATCH,
	      coverages_patch),
	ROUTE("GET", "/v1/participants/{id}/authorizations", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_NONE, authorizations_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_CHOICE("status", AUTHORIZATION_STATUSES),
		    QUERY_UUID("coverage_id"), QUERY_DATE("active_on"))),
	ROUTE("POST", "/v1/participants/{id}/authorizations", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_JSON, authorizations_create),
	ROUTE("GET", "/v1/authorizations/{id}", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      authorizations_get),
	ROUTE("PATCH", "/v1/authorizations/{id}", ROLE_ADMIN | ROLE_SUPERVISOR,
	      ROUTE_BODY_MERGE_PATCH, authorizations_patch),

	/* Reports and exports: organization-scoped, de-identified */
	ROUTE("GET", "/v1/reports/summary", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_REPORTER,
	      ROUTE_BODY_NONE, reports_summary,
	      QUERY(QUERY_UUID("organization_id"), QUERY_DATE("from"), QUERY_DATE("to"))),
	ROUTE("GET", "/v1/reports/caseloads", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_REPORTER,
	      ROUTE_BODY_NONE, reports_caseloads, QUERY(QUERY_UUID("organization_id"))),
	ROUTE("GET", "/v1/reports/certifications", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_REPORTER,
	      ROUTE_BODY_NONE, reports_certifications,
	      QUERY(QUERY_UUID("organization_id"),
		    QUERY_INTEGER("expiring_within_days", 0, EXPIRING_WITHIN_DAYS_MAX))),
	ROUTE("GET", "/v1/reports/follow-up", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_REPORTER,
	      ROUTE_BODY_NONE, reports_follow_up,
	      QUERY(QUERY_UUID("organization_id"), QUERY_DATE("from"), QUERY_DATE("to"))),
	ROUTE("GET", "/v1/exports/session-notes", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_REPORTER,
	      ROUTE_BODY_NONE, exports_session_notes,
	      QUERY(QUERY_UUID("organization_id"), QUERY_DATE("from"), QUERY_DATE("to"))),
	/* Claim lines name people: no reporter. */
	ROUTE("GET", "/v1/exports/claim-lines", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      exports_claim_lines,
	      QUERY(QUERY_UUID("organization_id"), QUERY_DATE("from"), QUERY_DATE("to"))),

	/* Subscriptions: webhooks to a partner's or a provider's own receiver, and their
	 * delivery log. */
	ROUTE("GET", "/v1/subscriptions", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_NONE, subscriptions_list,
	      QUERY(QUERY_SYNC_PAGE, QUERY_UUID("organization_id"))),
	ROUTE("POST", "/v1/subscriptions", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_JSON, subscriptions_create),
	ROUTE("GET", "/v1/subscriptions/{id}", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_NONE, subscriptions_get),
	ROUTE("PATCH", "/v1/subscriptions/{id}", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_MERGE_PATCH, subscriptions_patch),
	ROUTE("DELETE", "/v1/subscriptions/{id}", ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER,
	      ROUTE_BODY_NONE, subscriptions_delete),
	ROUTE("GET", "/v1/subscriptions/{id}/deliveries",
	      ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_PARTNER, ROUTE_BODY_NONE,
	      subscriptions_deliveries, QUERY(QUERY_PAGE)),

	/* Audit: verify before the list's {id}-free path, so neither shadows the other */
	ROUTE("GET", "/v1/audit-events/verify", ROLE_ADMIN, ROUTE_BODY_NONE, audit_events_verify,
	      QUERY_NONE),
	ROUTE("GET", "/v1/audit-events", ROLE_ADMIN | ROLE_SUPERVISOR, ROUTE_BODY_NONE,
	      audit_events_list,
	      QUERY(QUERY_PAGE, QUERY_CHOICE("resource_type", AUDIT_RESOURCE_TYPES),
		    QUERY_UUID("resource_id"), QUERY_TEXT("actor", 255),
		    QUERY_UUID("organization_id"), QUERY_DATE("from"), QUERY_DATE("to"))),
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
