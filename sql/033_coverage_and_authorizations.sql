-- Coverage, authorizations and claims (API.md "Coverage, authorizations and claims"): who
-- pays for a participant's peer support, the units a payer authorized, and the billing
-- rules that draw on them at signing. Units used are never a counter: they are the
-- billing_units of the signed notes that name the authorization, which never change
-- once signed. The database holds what it can: a coverage and an authorization belong to
-- one participant, a note bills only under an authorization of its own participant whose
-- dates hold its day, and never beyond the units authorized, whoever writes.

-- The organization's billing settings (API.md "The program's obligations").
ALTER TABLE organizations
    ADD COLUMN require_authorization boolean NOT NULL DEFAULT false,
    -- Per participant per calendar year; NULL: no cap. 35,136 is every quarter hour of a
    -- leap year.
    ADD COLUMN max_units_per_year integer CHECK (max_units_per_year BETWEEN 1 AND 35136),
    ADD COLUMN telehealth_modifier_video text NOT NULL DEFAULT '95'
        CHECK (telehealth_modifier_video ~ '^[A-Z0-9]{2}$'),
    ADD COLUMN telehealth_modifier_phone text NOT NULL DEFAULT '93'
        CHECK (telehealth_modifier_phone ~ '^[A-Z0-9]{2}$');

CREATE TYPE coverage_kind AS ENUM ('medicaid', 'medicaid_managed_care', 'medicare',
                                   'commercial', 'grant', 'self_pay');

CREATE TABLE coverages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    payer text NOT NULL CHECK (char_length(payer) BETWEEN 1 AND 200),
    kind coverage_kind NOT NULL,
    member_id text CHECK (char_length(member_id) BETWEEN 1 AND 80),
    effective_on date NOT NULL,
    ends_on date,
    eligibility_verified_on date,
    priority integer NOT NULL DEFAULT 1 CHECK (priority BETWEEN 1 AND 9),
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT coverages_participant_organization_fkey FOREIGN KEY (participant_id, organization_id)
        REFERENCES participants (id, organization_id),
    CONSTRAINT coverages_id_participant UNIQUE (id, participant_id),
    CONSTRAINT coverages_ends_after_effective CHECK (ends_on >= effective_on),
    -- An insurer's claim names the member; a grant or self pay has none to name.
    CONSTRAINT coverages_member_id_required
        CHECK (member_id IS NOT NULL OR kind IN ('grant', 'self_pay'))
);

CREATE INDEX coverages_by_participant ON coverages (participant_id, created_at DESC, id DESC);

CREATE TABLE authorizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    coverage_id uuid NOT NULL,
    number text NOT NULL CHECK (char_length(number) BETWEEN 1 AND 50),
    code text NOT NULL DEFAULT 'H0038' CHECK (code = 'H0038'),
    units_authorized integer NOT NULL CHECK (units_authorized BETWEEN 1 AND 10000),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authorizations_participant_organization_fkey
        FOREIGN KEY (participant_id, organization_id) REFERENCES participants (id, organization_id),
    -- The coverage is the same participant's.
    CONSTRAINT authorizations_coverage_fkey FOREIGN KEY (coverage_id, participant_id)
        REFERENCES coverages (id, participant_id),
    CONSTRAINT authorizations_id_participant UNIQUE (id, participant_id),
    CONSTRAINT authorizations_number_once UNIQUE (coverage_id, number),
    CONSTRAINT authorizations_ends_after_starts CHECK (ends_on >= starts_on)
);

CREATE INDEX authorizations_by_participant
    ON authorizations (participant_id, created_at DESC, id DESC);
-- Signing looks for the authorizations that hold a participant's day.
CREATE INDEX authorizations_by_participant_dates
    ON authorizations (participant_id, ends_on, starts_on);

-- The authorization a signed note billed under; the same participant's (the key), and
-- fixed with the rest of the signed note (session_notes_keep_signed below).
ALTER TABLE session_notes
    ADD COLUMN billing_authorization_id uuid,
    ADD CONSTRAINT session_notes_authorization_fkey
        FOREIGN KEY (billing_authorization_id, participant_id)
        REFERENCES authorizations (id, participant_id),
    ADD CONSTRAINT session_notes_authorization_when_signed
        CHECK (billing_authorization_id IS NULL OR status = 'signed');

CREATE INDEX session_notes_by_authorization ON session_notes (billing_authorization_id)
    INCLUDE (billing_units, billing_day) WHERE billing_authorization_id IS NOT NULL;

-- Signed notes that existed before: billed under no authorization, and their place of
-- service as signing now fixes it (a group's note takes its session's modality).
ALTER TABLE session_notes DISABLE TRIGGER session_notes_keep_signed;
UPDATE session_notes n
SET billing = n.billing || jsonb_build_object(
        'authorization_id', NULL,
        'place_of_service',
        CASE coalesce((SELECT g.modality::text FROM group_sessions g
                       WHERE g.id = n.group_session_id), n.modality::text)
            WHEN 'in_person' THEN '11' WHEN 'home_visit' THEN '12'
            WHEN 'video' THEN '10' WHEN 'phone' THEN '10' WHEN 'community' THEN '99' END)
WHERE n.status = 'signed';
ALTER TABLE session_notes ENABLE TRIGGER session_notes_keep_signed;

-- A signed note is a record Medicaid audits (sql/006): nothing of it changes but its
-- co-signature (once), its version and updated_at (an addendum), and it is never
-- deleted. Compared whole, so a column added later is kept without naming it here.
CREATE OR REPLACE FUNCTION session_notes_keep_signed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept text[] := ARRAY['cosigned_by', 'cosigned_at', 'version', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'a signed session note cannot be deleted'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'signed' AND (
        (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept)
        OR (OLD.cosigned_by IS NOT NULL
            AND (NEW.cosigned_by, NEW.cosigned_at) IS DISTINCT FROM
                (OLD.cosigned_by, OLD.cosigned_at))) THEN
        RAISE EXCEPTION 'a signed session note cannot change; add an addendum'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

-- Units billed by signed notes under an authorization.
CREATE FUNCTION peerd_authorization_units_used(authorization_id uuid) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(billing_units), 0)::integer FROM session_notes
    WHERE billing_authorization_id = authorization_id
$$;

-- An authorization's status (API.md) on the organization's today: future before it
-- starts; exhausted once nothing remains, whatever the day; expired after it ends; else
-- active.
CREATE FUNCTION peerd_authorization_status(starts_on date, ends_on date, units_remaining integer,
                                           organization uuid)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN starts_on > peerd_organization_today(organization) THEN 'future'
        WHEN units_remaining <= 0 THEN 'exhausted'
        WHEN ends_on < peerd_organization_today(organization) THEN 'expired'
        ELSE 'active'
    END
$$;

-- A note billed under an authorization: the authorization's dates hold the note's day,
-- and its signed notes never bill more than it authorized. The authorization's row lock
-- makes signings under it take turns (the handler takes the participant's lock before,
-- so this lock is never the one waited on there); an authorization's change takes the
-- same lock (authorizations_cover_billed), so neither sees the other half done.
CREATE FUNCTION session_notes_within_authorization() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    held authorizations%ROWTYPE;
    used integer;
BEGIN
    IF NEW.billing_authorization_id IS NULL OR (TG_OP = 'UPDATE'
            AND OLD.billing_authorization_id IS NOT DISTINCT FROM NEW.billing_authorization_id) THEN
        RETURN NEW;
    END IF;
    SELECT * INTO held FROM authorizations WHERE id = NEW.billing_authorization_id FOR UPDATE;
    IF NEW.billing_day NOT BETWEEN held.starts_on AND held.ends_on THEN
        RAISE EXCEPTION 'the note''s day is outside its authorization''s dates'
            USING ERRCODE = 'check_violation', TABLE = 'session_notes',
                  CONSTRAINT = 'session_notes_within_authorization';
    END IF;
    used := peerd_authorization_units_used(held.id);
    IF used + NEW.billing_units > held.units_authorized THEN
        RAISE EXCEPTION 'the authorization has % units left, not %',
                        held.units_authorized - used, NEW.billing_units
            USING ERRCODE = 'check_violation', TABLE = 'session_notes',
                  CONSTRAINT = 'session_notes_within_authorization';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER session_notes_within_authorization
BEFORE INSERT OR UPDATE OF billing_authorization_id ON session_notes
FOR EACH ROW EXECUTE FUNCTION session_notes_within_authorization();

-- An authorization's change keeps what was billed under it: as many units authorized as
-- were used, dates that still hold every billed day, and the same participant (the
-- billed notes' key holds that).
CREATE FUNCTION authorizations_cover_billed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    used integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an authorization is never deleted'
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_never_deleted';
    END IF;
    used := peerd_authorization_units_used(NEW.id);
    IF NEW.units_authorized < used THEN
        RAISE EXCEPTION '% units were already billed under the authorization', used
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_cover_units_used';
    END IF;
    IF EXISTS (SELECT 1 FROM session_notes WHERE billing_authorization_id = NEW.id
               AND billing_day NOT BETWEEN NEW.starts_on AND NEW.ends_on) THEN
        RAISE EXCEPTION 'notes were billed under the authorization outside those dates'
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_cover_billed_days';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER authorizations_cover_billed BEFORE UPDATE OR DELETE ON authorizations
FOR EACH ROW EXECUTE FUNCTION authorizations_cover_billed();

CREATE FUNCTION coverages_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a coverage is never deleted: end it'
        USING ERRCODE = 'check_violation', TABLE = 'coverages',
              CONSTRAINT = 'coverages_never_deleted';
END
$$;

CREATE TRIGGER coverages_never_deleted BEFORE DELETE ON coverages
FOR EACH ROW EXECUTE FUNCTION coverages_never_deleted();

ALTER TABLE coverages ENABLE ROW LEVEL SECURITY;
CREATE POLICY coverages_in_scope ON coverages USING (peerd_in_scope(organization_id));
ALTER TABLE authorizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY authorizations_in_scope ON authorizations USING (peerd_in_scope(organization_id));

-- Ended, never deleted.
GRANT SELECT, INSERT, UPDATE ON coverages, authorizations TO peerd_service;
