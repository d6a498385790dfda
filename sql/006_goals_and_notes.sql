-- Wellness goals and session notes: the specialist's daily work, and what Medicaid audits.

-- May a caller see (and work on) a participant's records? org: the caller's organization,
-- NULL for an admin; specialist_subject: a specialist caller's sub, NULL for other roles,
-- who then sees only people whose referral is assigned to them and still open (assigned
-- or engaged): a closed, withdrawn or completed referral ends their access. The one
-- definition used by participants, goals and notes.
CREATE FUNCTION peerd_participant_visible(participant uuid, org uuid, specialist_subject text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT 1 FROM participants p
                   WHERE p.id = participant AND (org IS NULL OR p.organization_id = org))
       AND (specialist_subject IS NULL OR EXISTS (
               SELECT 1 FROM referrals r JOIN specialists s ON s.id = r.assigned_specialist_id
               WHERE r.participant_id = participant AND s.subject = specialist_subject
                 AND s.organization_id = org AND r.status IN ('assigned', 'engaged')))
$$;

CREATE TYPE goal_status AS ENUM ('active', 'achieved', 'paused', 'discontinued');

-- steps: [{"text": "...", "done": false}], checked here so no writer can store another shape.
CREATE FUNCTION peerd_goal_steps_are_valid(steps jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) <= 50
       AND coalesce(bool_and(jsonb_typeof(step) = 'object'
                             AND jsonb_typeof(step -> 'text') = 'string'
                             AND char_length(step ->> 'text') BETWEEN 1 AND 500
                             AND jsonb_typeof(step -> 'done') = 'boolean'
                             AND (SELECT count(*) FROM jsonb_object_keys(step)) = 2), true)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(steps) = 'array' THEN steps
                                   ELSE '[]'::jsonb END) AS step
$$;

CREATE TABLE goals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    participant_id uuid NOT NULL REFERENCES participants (id),
    domain wellness_domain NOT NULL,
    -- In the participant's own words.
    statement text NOT NULL CHECK (char_length(statement) BETWEEN 1 AND 2000),
    strengths text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(strengths) <= 20 AND peerd_names_are_valid(strengths, 500)),
    steps jsonb NOT NULL DEFAULT '[]' CHECK (peerd_goal_steps_are_valid(steps)),
    target_date date,
    status goal_status NOT NULL DEFAULT 'active',
    achieved_on date,
    status_reason text CHECK (char_length(status_reason) BETWEEN 1 AND 2000),
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT goals_achieved_on_with_achieved CHECK ((status = 'achieved') = (achieved_on IS NOT NULL)),
    CONSTRAINT goals_reason_when_stopped
        CHECK (status NOT IN ('paused', 'discontinued') OR status_reason IS NOT NULL)
);

CREATE INDEX goals_by_participant ON goals (participant_id, created_at DESC, id DESC);

CREATE TABLE goal_progress (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    goal_id uuid NOT NULL REFERENCES goals (id),
    recorded_on date NOT NULL,
    rating integer NOT NULL CHECK (rating BETWEEN 0 AND 10),
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    recorded_by text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX goal_progress_by_goal ON goal_progress (goal_id, created_at DESC, id DESC);

CREATE TYPE session_modality AS ENUM ('in_person', 'phone', 'video', 'text', 'group',
                                      'home_visit', 'community');
CREATE TYPE session_note_status AS ENUM ('draft', 'signed');

CREATE TABLE session_notes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The participant's organization, kept on the note for scoping; it never changes.
    organization_id uuid NOT NULL REFERENCES organizations (id),
    participant_id uuid NOT NULL REFERENCES participants (id),
    specialist_id uuid NOT NULL REFERENCES specialists (id),
    occurred_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    modality session_modality NOT NULL,
    location text CHECK (char_length(location) BETWEEN 1 AND 200),
    goal_ids uuid[] NOT NULL CHECK (cardinality(goal_ids) BETWEEN 1 AND 20),
    summary text CHECK (char_length(summary) <= 10000),
    response text CHECK (char_length(response) <= 10000),
    plan text CHECK (char_length(plan) <= 10000),
    status session_note_status NOT NULL DEFAULT 'draft',
    signed_at timestamptz,
    signed_by text,
    -- Fixed at signing (rules/billing.c); billing_day is the organization's day of
    -- occurred_at, the day the daily cap counts on.
    billing jsonb,
    billing_units integer CHECK (billing_units >= 0),
    billing_day date,
    cosigned_by text,
    cosigned_at timestamptz,
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT session_notes_signed_whole CHECK (
        (status = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL
                               AND billing IS NOT NULL AND billing_units IS NOT NULL
                               AND billing_day IS NOT NULL)),
    CONSTRAINT session_notes_cosigned_after_signing
        CHECK (cosigned_by IS NULL OR status = 'signed'),
    CONSTRAINT session_notes_cosigned_whole CHECK ((cosigned_by IS NULL) = (cosigned_at IS NULL))
);

CREATE INDEX session_notes_by_organization
    ON session_notes (organization_id, created_at DESC, id DESC);
CREATE INDEX session_notes_by_participant
    ON session_notes (participant_id, created_at DESC, id DESC);
CREATE INDEX session_notes_billed_per_day ON session_notes (participant_id, billing_day)
    WHERE status = 'signed';
CREATE INDEX session_notes_to_cosign ON session_notes (organization_id)
    WHERE status = 'signed' AND cosigned_by IS NULL;

-- A signed note is a record Medicaid audits: nothing of it changes but its co-signature
-- (once), and it is never deleted. Corrections are addenda. The handlers refuse first;
-- this holds against any other writer.
CREATE FUNCTION session_notes_keep_signed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'a signed session note cannot be deleted'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'signed' AND (
        (NEW.organization_id, NEW.participant_id, NEW.specialist_id, NEW.occurred_at,
         NEW.duration_minutes, NEW.modality, NEW.location, NEW.goal_ids, NEW.summary,
         NEW.response, NEW.plan, NEW.status, NEW.signed_at, NEW.signed_by, NEW.billing,
         NEW.billing_units, NEW.billing_day, NEW.created_by, NEW.created_at)
        IS DISTINCT FROM
        (OLD.organization_id, OLD.participant_id, OLD.specialist_id, OLD.occurred_at,
         OLD.duration_minutes, OLD.modality, OLD.location, OLD.goal_ids, OLD.summary,
         OLD.response, OLD.plan, OLD.status, OLD.signed_at, OLD.signed_by, OLD.billing,
         OLD.billing_units, OLD.billing_day, OLD.created_by, OLD.created_at)
        OR (OLD.cosigned_by IS NOT NULL
            AND (NEW.cosigned_by, NEW.cosigned_at) IS DISTINCT FROM
                (OLD.cosigned_by, OLD.cosigned_at))) THEN
        RAISE EXCEPTION 'a signed session note cannot change; add an addendum'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER session_notes_keep_signed BEFORE UPDATE OR DELETE ON session_notes
FOR EACH ROW EXECUTE FUNCTION session_notes_keep_signed();

CREATE TABLE session_note_addenda (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note_id uuid NOT NULL REFERENCES session_notes (id),
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    by text NOT NULL CHECK (char_length(by) BETWEEN 1 AND 255)
);

CREATE INDEX session_note_addenda_by_note ON session_note_addenda (note_id, id);

-- Addenda are appended, never rewritten.
CREATE FUNCTION session_note_addenda_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'addenda are appended, never changed or removed'
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER session_note_addenda_append_only BEFORE UPDATE OR DELETE ON session_note_addenda
FOR EACH ROW EXECUTE FUNCTION session_note_addenda_append_only();
