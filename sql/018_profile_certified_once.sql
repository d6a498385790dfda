-- A profile read computed "certified" twice: once for the column and once inside
-- "accepting". The planner pulls the view's LATERAL sub-select up into the outer query
-- and copies its expression into every place that names it, so the organization's time
-- zone was looked up and today's date worked out two times a row (EXPLAIN: SubPlan 1 and
-- SubPlan 2). OFFSET 0 keeps the sub-select a step of its own, evaluated once a row.
-- pgbench, one client, GET /v1/specialists/{id}'s statement: 50.4 µs of backend CPU a
-- read before, 47.4 after. Still no join: SELECT ... FOR UPDATE of a profile locks the
-- specialist's row and nothing else (checked in pg_locks).
CREATE OR REPLACE VIEW specialist_profiles WITH (security_invoker = true) AS
SELECT s.id, s.organization_id, s.subject, s.given_name, s.family_name, s.kind,
       s.lived_experience, s.languages, s.counties, s.specialties, s.bio, s.max_caseload,
       s.active, s.version, s.created_at, s.updated_at,
       s.caseload,
       today.certified,
       s.active AND today.certified AND s.caseload < s.max_caseload AS accepting
FROM specialists s
CROSS JOIN LATERAL (
    SELECT s.certified_days @> (now() AT TIME ZONE (SELECT o.time_zone FROM organizations o
                                                    WHERE o.id = s.organization_id))::date
           AS certified
    OFFSET 0
) today;
