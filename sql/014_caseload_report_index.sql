-- GET /v1/reports/caseloads counts each specialist's signed notes of the last 30 days,
-- and nothing indexed notes by specialist: on the benchmark's 1,000,000 notes
-- (bench/seed.sql) the report scanned them once per specialist and ran into the 15 s
-- statement timeout (a subagent found it while checking the data set). With this index
-- each specialist's month is a range of it.
CREATE INDEX session_notes_signed_by_specialist ON session_notes (specialist_id, billing_day)
    INCLUDE (billing_units) WHERE status = 'signed';
