-- Group sessions (API.md "Group sessions"): one meeting led by one to three specialists
-- for several participants, its roster, and at signing one signed session note per
-- attendee who came (api/group_session_signing.c). The database holds what it can: the
-- facilitators and attendees belong to the session's organization (foreign keys over
-- (id, organization_id)), one row per participant per session, minutes only with
-- left_early and within the duration, a note and goals for whoever came, a signed or
-- cancelled session never changes, and row-level security as for notes.

-- Attendees present at once per facilitator (a state's rule: Virginia 10, North
-- Carolina 12).
ALTER TABLE organizations ADD COLUMN max_group_size integer NOT NULL DEFAULT 12
    CHECK (max_group_size BETWEEN 1 AND 100);

ALTER TABLE specialists ADD CONSTRAINT specialists_id_organization UNIQUE (id, organization_id);

CREATE TYPE group_session_modality AS ENUM ('in_person', 'video', 'phone', 'community');
CREATE TYPE group_session_status AS ENUM ('draft', 'signed', 'cancelled');
CREATE TYPE attendance_status AS ENUM ('present', 'left_early', 'absent', 'excused');

CREATE TABLE group_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    occurred_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    modality group_session_modality NOT NULL,
    location text CHECK (char_length(location) BETWEEN 1 AND 200),
    topic text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 200),
    domain wellness_domain NOT NULL,
    status group_session_status NOT NULL DEFAULT 'draft',
    signed_at timestamptz,
    signed_by text,
    cancel_reason text CHECK (char_length(cancel_reason) BETWEEN 1 AND 500),
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_sessions_id_organization UNIQUE (id, organization_id),
    CONSTRAINT group_sessions_signed_whole
        CHECK ((status = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL)),
    CONSTRAINT group_sessions_cancel_reason_when_cancelled
        CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);

CREATE INDEX group_sessions_by_organization
    ON group_sessions (organization_id, created_at DESC, id DESC);

-- position 1 leads (the signed notes are theirs); at most three.
CREATE TABLE group_session_facilitators (
    group_session_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    specialist_id uuid NOT NULL,
    position integer NOT NULL CHECK (position BETWEEN 1 AND 3),
    PRIMARY KEY (group_session_id, position),
    UNIQUE (group_session_id, specialist_id),
    FOREIGN KEY (group_session_id, organization_id)
        REFERENCES group_sessions (id, organization_id),
    FOREIGN KEY (specialist_id, organization_id) REFERENCES specialists (id, organization_id)
);

CREATE INDEX group_session_facilitators_by_specialist
    ON group_session_facilitators (specialist_id);

CREATE TABLE group_session_attendance (
    group_session_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    -- The roster's order, as the client wrote it: errors name attendance[position - 1].
    position integer NOT NULL CHECK (position >= 1),
    status attendance_status NOT NULL,
    minutes integer CHECK (minutes BETWEEN 1 AND 480),
    note text CHECK (char_length(note) BETWEEN 1 AND 4000),
    goal_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(goal_ids) <= 20),
    PRIMARY KEY (group_session_id, participant_id),
    UNIQUE (group_session_id, position),
    FOREIGN KEY (group_session_id, organization_id)
        REFERENCES group_sessions (id, organization_id),
    FOREIGN KEY (participant_id, organization_id) REFERENCES participants (id, organization_id),
    -- "present" means the whole session; only left_early says how long.
    CONSTRAINT group_session_attendance_minutes_with_left_early
        CHECK ((status = 'left_early') = (minutes IS NOT NULL)),
    CONSTRAINT group_session_attendance_note_when_came
        CHECK (status IN ('absent', 'excused')
               OR (note IS NOT NULL AND cardinality(goal_ids) >= 1))
);

CREATE INDEX group_session_attendance_by_participant
    ON group_session_attendance (participant_id);

-- Minutes within the session's duration: a rule across two tables, checked from both
-- sides.
CREATE FUNCTION group_session_attendance_within_duration() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.minutes > (SELECT duration_minutes FROM group_sessions WHERE id = NEW.group_session_id) THEN
        RAISE EXCEPTION 'an attendee cannot stay longer than the session'
            USING ERRCODE = 'check_violation', TABLE = 'group_session_attendance',
                  COLUMN = 'minutes', CONSTRAINT = 'group_session_attendance_within_duration';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER group_session_attendance_within_duration
BEFORE INSERT OR UPDATE ON group_session_attendance
FOR EACH ROW EXECUTE FUNCTION group_session_attendance_within_duration();

-- A signed session is a record Medicaid audits, and a cancelled one is closed: neither
-- changes again, nor is deleted. The handlers refuse first (409); this holds against any
-- other writer. A draft's duration cannot drop below the minutes of its roster.
CREATE FUNCTION group_sessions_keep_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'draft' THEN
        RAISE EXCEPTION 'a signed or cancelled group session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND EXISTS (SELECT FROM group_session_attendance a
                                    WHERE a.group_session_id = NEW.id
                                      AND a.minutes > NEW.duration_minutes) THEN
        RAISE EXCEPTION 'an attendee cannot stay longer than the session'
            USING ERRCODE = 'check_violation', TABLE = 'group_sessions',
                  COLUMN = 'duration_minutes',
                  CONSTRAINT = 'group_session_attendance_within_duration';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER group_sessions_keep_closed BEFORE UPDATE OR DELETE ON group_sessions
FOR EACH ROW EXECUTE FUNCTION group_sessions_keep_closed();

-- The facilitators and the roster are the session's: fixed with it.
CREATE FUNCTION group_session_parts_keep_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    session uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.group_session_id
                               ELSE NEW.group_session_id END;
BEGIN
    IF (SELECT status FROM group_sessions WHERE id = session) <> 'draft'
       OR (TG_OP = 'UPDATE' AND OLD.group_session_id <> NEW.group_session_id
           AND (SELECT status FROM group_sessions WHERE id = OLD.group_session_id) <> 'draft') THEN
        RAISE EXCEPTION 'a signed or cancelled group session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER group_session_facilitators_keep_closed
BEFORE INSERT OR UPDATE OR DELETE ON group_session_facilitators
FOR EACH ROW EXECUTE FUNCTION group_session_parts_keep_closed();

CREATE TRIGGER group_session_attendance_keep_closed
BEFORE INSERT OR UPDATE OR DELETE ON group_session_attendance
FOR EACH ROW EXECUTE FUNCTION group_session_parts_keep_closed();

-- Who may see a group session: an admin every one, a supervisor their organization's, a
-- specialist those they facilitate; org NULL for an admin, specialist_subject a
-- specialist caller's sub (NULL for other roles). The one definition the reads, lists
-- and locks of api/group_sessions.c use.
CREATE FUNCTION peerd_group_session_visible(session uuid, org uuid, specialist_subject text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT 1 FROM group_sessions g
                   WHERE g.id = session AND (org IS NULL OR g.organization_id = org))
       AND (specialist_subject IS NULL OR EXISTS (
               SELECT 1 FROM group_session_facilitators f
               JOIN specialists s ON s.id = f.specialist_id
               WHERE f.group_session_id = session AND s.subject = specialist_subject
                 AND s.organization_id = org))
$$;

ALTER TABLE group_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY group_sessions_in_scope ON group_sessions
    USING (peerd_in_scope(organization_id));

ALTER TABLE group_session_facilitators ENABLE ROW LEVEL SECURITY;
CREATE POLICY group_session_facilitators_in_scope ON group_session_facilitators
    USING (peerd_in_scope(organization_id));

ALTER TABLE group_session_attendance ENABLE ROW LEVEL SECURITY;
CREATE POLICY group_session_attendance_in_scope ON group_session_attendance
    USING (peerd_in_scope(organization_id));

-- A draft's facilitators and roster are replaced whole; a session is never deleted.
GRANT SELECT, INSERT, UPDATE ON group_sessions TO peerd_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON group_session_facilitators, group_session_attendance
    TO peerd_service;

-- The notes a signing made name their session; fixed once signed like the rest.
ALTER TABLE session_notes ADD COLUMN group_session_id uuid REFERENCES group_sessions (id);
CREATE INDEX session_notes_by_group_session ON session_notes (group_session_id)
    WHERE group_session_id IS NOT NULL;

CREATE OR REPLACE FUNCTION session_notes_keep_signed() RETURNS trigger
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
         NEW.billing_units, NEW.billing_day, NEW.created_by, NEW.created_at,
         NEW.group_session_id)
        IS DISTINCT FROM
        (OLD.organization_id, OLD.participant_id, OLD.specialist_id, OLD.occurred_at,
         OLD.duration_minutes, OLD.modality, OLD.location, OLD.goal_ids, OLD.summary,
         OLD.response, OLD.plan, OLD.status, OLD.signed_at, OLD.signed_by, OLD.billing,
         OLD.billing_units, OLD.billing_day, OLD.created_by, OLD.created_at,
         OLD.group_session_id)
        OR (OLD.cosigned_by IS NOT NULL
            AND (NEW.cosigned_by, NEW.cosigned_at) IS DISTINCT FROM
                (OLD.cosigned_by, OLD.cosigned_at))) THEN
        RAISE EXCEPTION 'a signed session note cannot change; add an addendum'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
