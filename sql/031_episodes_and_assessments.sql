-- Episodes and assessments (API.md "Episodes and assessments"): a stretch of service a
-- funder measures, and the BARC-10 assessments taken on its schedule. The database holds
-- what it can: one open episode per participant and program, an end with its reason, a
-- closed episode never changed, ten answers of 1..6 and their score, one live assessment
-- per slot, an assessment never changed but for being voided once, and row-level
-- security as for notes. The schedule itself is a pure rule (rules/assessment_schedule.c);
-- peerd_assessment_slots below is its twin for the statements that must sort and count
-- slots (the work queue, the follow-up report), and a test holds the two equal.

-- The organization's schedule (API.md: assessment_schedule), in days.
ALTER TABLE organizations
    ADD COLUMN assessment_baseline_days integer NOT NULL DEFAULT 30
        CHECK (assessment_baseline_days BETWEEN 0 AND 365),
    ADD COLUMN assessment_interval_days integer NOT NULL DEFAULT 90
        CHECK (assessment_interval_days BETWEEN 1 AND 730),
    ADD COLUMN assessment_window_days integer NOT NULL DEFAULT 30
        CHECK (assessment_window_days BETWEEN 0 AND 365),
    ADD COLUMN assessment_discharge_days integer NOT NULL DEFAULT 30
        CHECK (assessment_discharge_days BETWEEN 0 AND 365);

CREATE TYPE episode_end_reason AS ENUM ('completed', 'withdrew', 'lost_contact', 'moved',
                                        'incarcerated', 'deceased', 'other');
CREATE TYPE assessment_instrument AS ENUM ('barc10');
CREATE TYPE assessment_timepoint AS ENUM ('baseline', 'follow_up', 'discharge');

CREATE TABLE episodes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    program text NOT NULL CHECK (char_length(program) BETWEEN 1 AND 100),
    started_on date NOT NULL,
    ended_on date,
    end_reason episode_end_reason,
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT episodes_participant_organization_fkey FOREIGN KEY (participant_id, organization_id)
        REFERENCES participants (id, organization_id),
    CONSTRAINT episodes_id_participant UNIQUE (id, participant_id, organization_id),
    -- An end has its reason, and a reason only comes with an end.
    CONSTRAINT episodes_end_whole CHECK ((ended_on IS NULL) = (end_reason IS NULL)),
    CONSTRAINT episodes_ended_after_started CHECK (ended_on >= started_on)
);

-- One open episode per participant and program.
CREATE UNIQUE INDEX episodes_one_open ON episodes (participant_id, program) WHERE ended_on IS NULL;
CREATE INDEX episodes_by_participant ON episodes (participant_id, created_at DESC, id DESC);
CREATE INDEX episodes_by_organization ON episodes (organization_id, created_at DESC, id DESC);
CREATE INDEX episodes_open_by_organization ON episodes (organization_id) WHERE ended_on IS NULL;

-- A closed episode is the record of what was: its fields never change (its assessments,
-- the discharge above all, are still added).
CREATE FUNCTION episodes_keep_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.ended_on IS NOT NULL THEN
        RAISE EXCEPTION 'a closed episode never changes'
            USING ERRCODE = 'check_violation', TABLE = 'episodes',
                  CONSTRAINT = 'episodes_keep_closed';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER episodes_keep_closed BEFORE UPDATE OR DELETE ON episodes
FOR EACH ROW EXECUTE FUNCTION episodes_keep_closed();

CREATE TABLE assessments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    episode_id uuid NOT NULL,
    instrument assessment_instrument NOT NULL DEFAULT 'barc10',
    timepoint assessment_timepoint NOT NULL,
    -- The slot it fills: k for the k-th follow-up, 0 for the baseline and the discharge.
    slot integer NOT NULL CHECK ((timepoint = 'follow_up') = (slot >= 1) AND slot >= 0),
    administered_on date NOT NULL,
    -- BARC-10: exactly ten answers, each 1..6.
    answers smallint[] NOT NULL
        CHECK (array_ndims(answers) = 1 AND cardinality(answers) = 10
               AND array_position(answers, NULL) IS NULL
               AND 1 <= ALL (answers) AND 6 >= ALL (answers)),
    score smallint GENERATED ALWAYS AS (answers[1] + answers[2] + answers[3] + answers[4]
                                        + answers[5] + answers[6] + answers[7] + answers[8]
                                        + answers[9] + answers[10]) STORED,
    voided_at timestamptz,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 500),
    voided_by text CHECK (char_length(voided_by) BETWEEN 1 AND 255),
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assessments_episode_fkey FOREIGN KEY (episode_id, participant_id, organization_id)
        REFERENCES episodes (id, participant_id, organization_id),
    CONSTRAINT assessments_void_whole
        CHECK ((voided_at IS NULL) = (void_reason IS NULL)
               AND (voided_at IS NULL) = (voided_by IS NULL))
);

-- One live assessment fills a slot; a voided one frees it.
CREATE UNIQUE INDEX assessments_one_per_slot ON assessments (episode_id, timepoint, slot)
    WHERE voided_at IS NULL;
CREATE INDEX assessments_by_episode ON assessments (episode_id, administered_on, id);
CREATE INDEX assessments_by_organization ON assessments (organization_id, administered_on);

-- An assessment is what the person answered that day: never changed nor deleted; a
-- correction voids it (once, with a reason) and adds a new one.
CREATE FUNCTION assessments_void_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept text[] := ARRAY['voided_at', 'void_reason', 'voided_by', 'version', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an assessment is never deleted: void it'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_void_only';
    END IF;
    IF OLD.voided_at IS NOT NULL THEN
        RAISE EXCEPTION 'the assessment is already voided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_voided_once';
    END IF;
    IF NEW.voided_at IS NULL OR (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept) THEN
        RAISE EXCEPTION 'an assessment is never changed, only voided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_void_only';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER assessments_void_only BEFORE UPDATE OR DELETE ON assessments
FOR EACH ROW EXECUTE FUNCTION assessments_void_only();

ALTER TABLE episodes ENABLE ROW LEVEL SECURITY;
CREATE POLICY episodes_in_scope ON episodes USING (peerd_in_scope(organization_id));
ALTER TABLE assessments ENABLE ROW LEVEL SECURITY;
CREATE POLICY assessments_in_scope ON assessments USING (peerd_in_scope(organization_id));

-- Closed or voided, never deleted.
GRANT SELECT, INSERT, UPDATE ON episodes, assessments TO peerd_service;

-- The slots of an episode (API.md): the baseline, due baseline_days after the start, its
-- window from the start to window_days after that; the k-th follow-up, due k *
-- interval_days after the start, window_days either side, listed while it falls due on or
-- before the end (closed) or within an interval of today (open); the discharge of a
-- closed episode, due discharge_days after the end, its window from the end to
-- window_days after that. In order: baseline, follow-ups by k, discharge.
CREATE FUNCTION peerd_assessment_slots(started_on date, ended_on date, today date,
                                       baseline_days integer, interval_days integer,
                                       window_days integer, discharge_days integer)
RETURNS TABLE (timepoint assessment_timepoint, slot integer, due_on date,
               window_opens_on date, window_closes_on date)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 'baseline'::assessment_timepoint, 0, started_on + baseline_days, started_on,
           started_on + baseline_days + window_days
    UNION ALL
    SELECT 'follow_up'::assessment_timepoint, k, started_on + k * interval_days,
           started_on + k * interval_days - window_days,
           started_on + k * interval_days + window_days
    FROM generate_series(1, greatest(0, (coalesce(ended_on, today + interval_days) - started_on)
                                        / interval_days)) AS k
    UNION ALL
    SELECT 'discharge'::assessment_timepoint, 0, ended_on + discharge_days, ended_on,
           ended_on + discharge_days + window_days
    WHERE ended_on IS NOT NULL
$$;

-- A slot's state on today (API.md): done when filled, else upcoming before its window,
-- due while the window is open up to the due day, overdue after it while the window is
-- still open, missed once the window has closed.
CREATE FUNCTION peerd_assessment_slot_state(filled boolean, window_opens_on date, due_on date,
                                            window_closes_on date, today date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN filled THEN 'done'
        WHEN today < window_opens_on THEN 'upcoming'
        WHEN today <= due_on THEN 'due'
        WHEN today <= window_closes_on THEN 'overdue'
        ELSE 'missed'
    END
$$;
