-- Plans (API.md "Plans"): a person's own recovery plan, WRAP or crisis (Stanley-Brown)
-- safety plan, in their words. A draft is written and rewritten; signing makes it the
-- participant's active plan of its kind and turns the one before superseded; a revision
-- is a new draft that names the plan it revises. The database holds what it can: the
-- sections of each kind (a check that knows their keys, so no client and no bug in C can
-- store another shape), goals of the same participant (foreign keys), one active plan per
-- participant and kind, a signed plan never changed but for being superseded, and
-- row-level security as for notes.

-- Days from the participant's signature to the plan's review (a payer's rule: 90 in
-- most Medicaid peer-support manuals).
ALTER TABLE organizations ADD COLUMN plan_review_days integer NOT NULL DEFAULT 90
    CHECK (plan_review_days BETWEEN 1 AND 730);

CREATE TYPE plan_kind AS ENUM ('recovery', 'wrap', 'crisis');
CREATE TYPE plan_status AS ENUM ('draft', 'active', 'superseded');

-- Each kind's sections and their shape: 'text' (a JSON string of 1..4000 characters) or
-- 'people' (1..50 of {name 1..200, phone 1..50}). rules/plan_sections.c holds the same
-- table for the API's 422s; tests/integration/test_plan_database.c checks they agree.
CREATE FUNCTION plan_section_keys(kind plan_kind)
RETURNS TABLE (key text, shape text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT s.key, s.shape FROM (VALUES
        ('recovery'::plan_kind, 'strengths', 'text'),
        ('recovery', 'needs', 'text'),
        ('recovery', 'supports', 'text'),
        ('wrap', 'wellness_toolbox', 'text'),
        ('wrap', 'daily_maintenance', 'text'),
        ('wrap', 'triggers', 'text'),
        ('wrap', 'early_warning_signs', 'text'),
        ('wrap', 'when_things_are_breaking_down', 'text'),
        ('wrap', 'crisis_plan', 'text'),
        ('wrap', 'post_crisis_plan', 'text'),
        ('crisis', 'warning_signs', 'text'),
        ('crisis', 'coping_strategies', 'text'),
        ('crisis', 'people_and_places', 'text'),
        ('crisis', 'people_to_ask_for_help', 'people'),
        ('crisis', 'professionals', 'people'),
        ('crisis', 'making_the_environment_safe', 'text'),
        ('crisis', 'reasons_for_living', 'text')) AS s(kind, key, shape)
    WHERE s.kind = plan_section_keys.kind
$$;

-- A JSON string of 1..max characters.
CREATE FUNCTION plan_text_is_valid(value jsonb, max integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT jsonb_typeof(value) = 'string' AND char_length(value #>> '{}') BETWEEN 1 AND max
$$;

-- 1..50 people, each {name (required), phone (optional)} and nothing else.
CREATE FUNCTION plan_people_are_valid(value jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    person jsonb;
BEGIN
    IF jsonb_typeof(value) <> 'array' OR jsonb_array_length(value) NOT BETWEEN 1 AND 50 THEN
        RETURN false;
    END IF;
    FOR person IN SELECT * FROM jsonb_array_elements(value) LOOP
        IF jsonb_typeof(person) <> 'object'
           OR NOT coalesce(plan_text_is_valid(person -> 'name', 200), false)
           OR (person ? 'phone' AND NOT plan_text_is_valid(person -> 'phone', 50))
           OR EXISTS (SELECT 1 FROM jsonb_object_keys(person) k
                      WHERE k NOT IN ('name', 'phone')) THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$$;

-- sections is an object with at least one of kind's keys, only those, each of its shape.
CREATE FUNCTION plan_sections_are_valid(kind plan_kind, sections jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(sections) <> 'object' OR sections = '{}'::jsonb THEN
        RETURN false;
    END IF;
    RETURN NOT EXISTS (
        SELECT 1 FROM jsonb_each(sections) e
        LEFT JOIN plan_section_keys(kind) k ON k.key = e.key
        WHERE k.key IS NULL
           OR (k.shape = 'text' AND NOT plan_text_is_valid(e.value, 4000))
           OR (k.shape = 'people' AND NOT plan_people_are_valid(e.value)));
END
$$;

ALTER TABLE goals ADD CONSTRAINT goals_id_participant UNIQUE (id, participant_id);

CREATE TABLE plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    kind plan_kind NOT NULL,
    sections jsonb NOT NULL,
    status plan_status NOT NULL DEFAULT 'draft',
    revises uuid,
    participant_signed_on date,
    staff_signed_by text CHECK (char_length(staff_signed_by) BETWEEN 1 AND 255),
    staff_signed_at timestamptz,
    next_review_on date,
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plans_id_participant UNIQUE (id, participant_id, organization_id),
    CONSTRAINT plans_id_participant_kind UNIQUE (id, participant_id, kind),
    FOREIGN KEY (participant_id, organization_id) REFERENCES participants (id, organization_id),
    -- A revision is of the same participant's plan of the same kind.
    CONSTRAINT plans_revises_same_participant_and_kind
        FOREIGN KEY (revises, participant_id, kind)
        REFERENCES plans (id, participant_id, kind),
    CONSTRAINT plans_revises_another CHECK (revises <> id),
    CONSTRAINT plans_sections_valid CHECK (plan_sections_are_valid(kind, sections)),
    -- The signature is whole, and only a draft lacks it.
    CONSTRAINT plans_signed_whole
        CHECK ((status = 'draft') = (participant_signed_on IS NULL)
               AND (status = 'draft') = (staff_signed_by IS NULL)
               AND (status = 'draft') = (staff_signed_at IS NULL)
               AND (status = 'draft') = (next_review_on IS NULL)),
    CONSTRAINT plans_review_after_signing CHECK (next_review_on > participant_signed_on)
);

-- One plan of each kind is the participant's own at a time.
CREATE UNIQUE INDEX plans_one_active ON plans (participant_id, kind) WHERE status = 'active';
CREATE INDEX plans_by_participant ON plans (participant_id, created_at DESC, id DESC);
CREATE INDEX plans_by_organization ON plans (organization_id, created_at DESC, id DESC);
CREATE INDEX plans_review_queue ON plans (organization_id, next_review_on)
    WHERE status = 'active';

-- The goals a plan works towards, in the client's order: goals of the plan's participant
-- (any status: a revision copies goals that may since have been achieved).
CREATE TABLE plan_goals (
    plan_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    goal_id uuid NOT NULL,
    position integer NOT NULL CHECK (position BETWEEN 1 AND 20),
    PRIMARY KEY (plan_id, goal_id),
    UNIQUE (plan_id, position),
    FOREIGN KEY (plan_id, participant_id, organization_id)
        REFERENCES plans (id, participant_id, organization_id),
    CONSTRAINT plan_goals_goal_of_participant FOREIGN KEY (goal_id, participant_id)
        REFERENCES goals (id, participant_id)
);

CREATE INDEX plan_goals_by_goal ON plan_goals (goal_id);

-- A signed plan is what the person agreed to: it never changes, nor is deleted; the one
-- move left to an active plan is to be superseded (with its version and updated_at), and
-- a superseded plan is history. The handlers refuse first (409); this holds against any
-- other writer.
CREATE FUNCTION plans_keep_signed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'active' AND NEW.status = 'superseded'
       AND (NEW.id, NEW.organization_id, NEW.participant_id, NEW.kind, NEW.sections,
            NEW.revises, NEW.participant_signed_on, NEW.staff_signed_by, NEW.staff_signed_at,
            NEW.next_review_on, NEW.created_by, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.organization_id, OLD.participant_id, OLD.kind, OLD.sections,
            OLD.revises, OLD.participant_signed_on, OLD.staff_signed_by, OLD.staff_signed_at,
            OLD.next_review_on, OLD.created_by, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a signed plan cannot change; revise it with a new plan'
        USING ERRCODE = 'check_violation', TABLE = 'plans', CONSTRAINT = 'plans_keep_signed';
END
$$;

CREATE TRIGGER plans_keep_signed BEFORE UPDATE OR DELETE ON plans
FOR EACH ROW EXECUTE FUNCTION plans_keep_signed();

-- A plan's goals are the plan's: fixed with it.
CREATE FUNCTION plan_goals_keep_signed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT'
        AND (SELECT status FROM plans WHERE id = OLD.plan_id) <> 'draft')
       OR (TG_OP <> 'DELETE'
           AND (SELECT status FROM plans WHERE id = NEW.plan_id) <> 'draft') THEN
        RAISE EXCEPTION 'a signed plan cannot change; revise it with a new plan'
            USING ERRCODE = 'check_violation', TABLE = 'plan_goals',
                  CONSTRAINT = 'plans_keep_signed';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER plan_goals_keep_signed BEFORE INSERT OR UPDATE OR DELETE ON plan_goals
FOR EACH ROW EXECUTE FUNCTION plan_goals_keep_signed();

ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY plans_in_scope ON plans USING (peerd_in_scope(organization_id));

ALTER TABLE plan_goals ENABLE ROW LEVEL SECURITY;
CREATE POLICY plan_goals_in_scope ON plan_goals USING (peerd_in_scope(organization_id));

-- A plan is never deleted; a draft's goals are replaced whole.
GRANT SELECT, INSERT, UPDATE ON plans TO peerd_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON plan_goals TO peerd_service;
