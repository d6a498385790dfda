-- GET /v1/reports/summary on the benchmark's data set (bench/seed.sql: 1,000,000 goals and
-- notes) took 0.5 s of database CPU for an organization's last 30 days, most of it the
-- goals set in the range: they were found through the organization's 25,000 participants,
-- every goal of each read and filtered by day (126,000 buffers). A goal carries its
-- participant's organization (goals_participant_organization_fkey), so the range is one
-- slice of this index, read without the table.
CREATE INDEX goals_by_organization_created ON goals (organization_id, created_at)
    INCLUDE (domain, status);

-- The summary's sessions are the signed notes that occurred in the range: with this index
-- they are read without the table (a year of one organization: 155,000 notes, 0.75 s of
-- database CPU before, 0.53 s after). It costs an index entry when a note is signed; a
-- draft is not in it.
CREATE INDEX session_notes_signed_by_occurrence ON session_notes (organization_id, occurred_at)
    INCLUDE (modality, billing_units, participant_id) WHERE status = 'signed';

-- The follow-up report looks up each due slot's live assessment and reads every live
-- assessment of the organization in episode order for the change from baseline: both
-- from this index, without the table (30 days of one organization: 158 -> 76 ms of
-- database CPU). It costs an index entry per assessment recorded; a voided one leaves it.
CREATE INDEX assessments_live_by_organization
    ON assessments (organization_id, episode_id, timepoint, slot)
    INCLUDE (administered_on, score) WHERE voided_at IS NULL;
