-- Participants, the referrals that bring them, each referral's history, and the keys that
-- make a partner's retry safe.

CREATE TYPE wellness_domain AS ENUM ('emotional', 'financial', 'social', 'spiritual',
                                     'occupational', 'physical', 'intellectual',
                                     'environmental');
CREATE TYPE service_type AS ENUM ('peer', 'family');
CREATE TYPE referral_urgency AS ENUM ('routine', 'urgent');
CREATE TYPE referral_status AS ENUM ('submitted', 'accepted', 'declined', 'assigned', 'engaged',
                                     'completed', 'withdrawn', 'closed');

-- The person served, kept by a provider organization.
CREATE TABLE participants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    organization_kind organization_kind NOT NULL DEFAULT 'provider'
        CHECK (organization_kind = 'provider'),
    given_name text NOT NULL
        CHECK (char_length(given_name) BETWEEN 1 AND 100 AND given_name !~ '[[:cntrl:]]'),
    family_name text NOT NULL
        CHECK (char_length(family_name) BETWEEN 1 AND 100 AND family_name !~ '[[:cntrl:]]'),
    preferred_name text
        CHECK (char_length(preferred_name) BETWEEN 1 AND 100 AND preferred_name !~ '[[:cntrl:]]'),
    birth_date date CHECK (birth_date >= DATE '1900-01-01'),
    phone text CHECK (phone ~ '^\+?[0-9 ().-]{7,20}$'),
    email text CHECK (char_length(email) <= 254 AND email ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+\.[^@[:space:][:cntrl:]]+$'),
    county text CHECK (char_length(county) BETWEEN 1 AND 100 AND county !~ '[[:cntrl:]]'),
    preferred_language text
        CHECK (preferred_language IS NULL
               OR peerd_language_tags_are_valid(ARRAY[preferred_language])),
    -- For family support: the youth whose parent or caregiver is the participant.
    youth_given_name text
        CHECK (char_length(youth_given_name) BETWEEN 1 AND 100 AND youth_given_name !~ '[[:cntrl:]]'),
    youth_birth_date date CHECK (youth_birth_date >= DATE '1900-01-01'),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT participants_youth_whole
        CHECK ((youth_given_name IS NULL) = (youth_birth_date IS NULL)),
    CONSTRAINT participants_organization_fkey FOREIGN KEY (organization_id, organization_kind)
        REFERENCES organizations (id, kind)
);

CREATE INDEX participants_by_organization
    ON participants (organization_id, created_at DESC, id DESC);

CREATE TRIGGER participants_keep_organization BEFORE UPDATE OF organization_id ON participants
FOR EACH ROW EXECUTE FUNCTION peerd_keep_organization();

CREATE TABLE referrals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_organization_id uuid NOT NULL,
    provider_kind organization_kind NOT NULL DEFAULT 'provider'
        CHECK (provider_kind = 'provider'),
    -- The caller's organization: the partner that referred, or the provider itself for a
    -- referral its own staff recorded. NULL only when an admin without one recorded it.
    referring_organization_id uuid REFERENCES organizations (id),
    participant_id uuid NOT NULL REFERENCES participants (id),
    service_type service_type NOT NULL,
    reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 4000),
    needs wellness_domain[] NOT NULL DEFAULT '{}' CHECK (peerd_items_are_distinct(needs)),
    urgency referral_urgency NOT NULL,
    substance_use boolean NOT NULL,
    consent_obtained boolean NOT NULL CHECK (consent_obtained),
    consent_obtained_on date,
    consent_part2 boolean NOT NULL,
    external_id text CHECK (char_length(external_id) BETWEEN 1 AND 100
                            AND external_id !~ '[[:cntrl:]]'),
    status referral_status NOT NULL DEFAULT 'submitted',
    assigned_specialist_id uuid REFERENCES specialists (id),
    first_contact_at timestamptz,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    respond_by timestamptz NOT NULL,
    submitted_by text NOT NULL CHECK (char_length(submitted_by) BETWEEN 1 AND 255),
    -- The Idempotency-Key it was created with, and whose key it was (an organization, or
    -- an admin's subject): one referral per key, whatever races.
    idempotency_scope text,
    idempotency_key text,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- 42 CFR Part 2: substance use information moves only with Part 2 consent.
    CONSTRAINT referrals_part2_consent CHECK (NOT substance_use OR consent_part2),
    CONSTRAINT referrals_assigned_has_specialist
        CHECK (status NOT IN ('assigned', 'engaged') OR assigned_specialist_id IS NOT NULL),
    CONSTRAINT referrals_provider_fkey FOREIGN KEY (provider_organization_id, provider_kind)
        REFERENCES organizations (id, kind),
    CONSTRAINT referrals_idempotency_key UNIQUE (idempotency_scope, idempotency_key)
);

CREATE INDEX referrals_by_provider
    ON referrals (provider_organization_id, created_at DESC, id DESC);
CREATE INDEX referrals_by_referrer
    ON referrals (referring_organization_id, created_at DESC, id DESC);
CREATE INDEX referrals_by_participant ON referrals (participant_id);
CREATE INDEX referrals_caseload ON referrals (assigned_specialist_id)
    WHERE status IN ('assigned', 'engaged');
CREATE INDEX referrals_waiting ON referrals (respond_by) WHERE status = 'submitted';

-- Every status change and (re)assignment, in order. Written in the same transaction as
-- the change it records.
CREATE TABLE referral_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals (id),
    from_status referral_status,
    to_status referral_status NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 255),
    actor_role text NOT NULL,
    reason text CHECK (char_length(reason) BETWEEN 1 AND 2000),
    specialist_id uuid REFERENCES specialists (id)
);

CREATE INDEX referral_events_by_referral ON referral_events (referral_id, id);

-- Idempotency-Key of POST /v1/referrals (API.md): claimed before the work starts and
-- committed at once, so a second request with the key sees it in flight; completed with
-- the answer to replay.
CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    response_status integer,
    response_location text,
    response_body text,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (claimed_at);

-- The referrals assigned to or engaged with a specialist (replaces 003's placeholder).
CREATE OR REPLACE FUNCTION peerd_specialist_caseload(specialist uuid) RETURNS integer
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT count(*)::integer FROM referrals
    WHERE assigned_specialist_id = specialist AND status IN ('assigned', 'engaged')
$$;
