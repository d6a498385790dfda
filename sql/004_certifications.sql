-- State certifications of specialists, their continuing education, and the one rule of
-- what "certified on a day" means: peerd_certified_on, used by the specialist profile,
-- its filters, assignment and billing alike.

CREATE TYPE certification_status AS ENUM ('pending', 'active', 'suspended', 'revoked');
CREATE TYPE ceu_category AS ENUM ('peer_specific', 'ethics', 'suicide_prevention', 'other');

CREATE TABLE certifications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    specialist_id uuid NOT NULL REFERENCES specialists (id),
    credential text NOT NULL
        CHECK (char_length(credential) BETWEEN 1 AND 40 AND credential !~ '[[:cntrl:]]'),
    issuing_authority text NOT NULL
        CHECK (char_length(issuing_authority) BETWEEN 1 AND 200
               AND issuing_authority !~ '[[:cntrl:]]'),
    state text NOT NULL REFERENCES us_states (code),
    number text NOT NULL CHECK (char_length(number) BETWEEN 1 AND 64 AND number !~ '[[:cntrl:]]'),
    issued_on date NOT NULL,
    expires_on date NOT NULL,
    training_hours numeric(7, 2) CHECK (training_hours BETWEEN 0 AND 10000),
    ceu_hours numeric(7, 2) CHECK (ceu_hours BETWEEN 0 AND 10000),
    status certification_status NOT NULL DEFAULT 'pending',
    verified_by text CHECK (char_length(verified_by) <= 255),
    verified_at timestamptz,
    -- The state's renewal rule (ceu_requirement), all three or none.
    required_total_hours numeric(6, 2) CHECK (required_total_hours BETWEEN 0 AND 1000),
    required_ethics_hours numeric(6, 2) CHECK (required_ethics_hours BETWEEN 0 AND 1000),
    required_peer_specific_hours numeric(6, 2)
        CHECK (required_peer_specific_hours BETWEEN 0 AND 1000),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT certifications_expires_after_issued CHECK (expires_on > issued_on),
    CONSTRAINT certifications_active_is_verified
        CHECK (status <> 'active' OR (verified_by IS NOT NULL AND verified_at IS NOT NULL)),
    CONSTRAINT certifications_requirement_whole
        CHECK (num_nulls(required_total_hours, required_ethics_hours,
                         required_peer_specific_hours) IN (0, 3))
);

-- One credential number per state and credential, whoever holds it.
CREATE UNIQUE INDEX certifications_credential_key
    ON certifications (lower(credential), state, lower(number));
CREATE INDEX certifications_by_specialist
    ON certifications (specialist_id, created_at DESC, id DESC);
CREATE INDEX certifications_by_expiry ON certifications (expires_on, id);

-- Did the specialist hold a certification that was active and unexpired on day? A
-- certification counts from its issue day through its expiry day. The status is today's:
-- a suspension or revocation also takes back the days before it.
CREATE FUNCTION peerd_certified_on(specialist uuid, day date) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT 1 FROM certifications c
                   WHERE c.specialist_id = specialist AND c.status = 'active'
                     AND c.issued_on <= day AND c.expires_on >= day)
$$;

CREATE TABLE continuing_education (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    certification_id uuid NOT NULL REFERENCES certifications (id),
    completed_on date NOT NULL,
    hours numeric(5, 2) NOT NULL CHECK (hours > 0 AND hours <= 100),
    category ceu_category NOT NULL,
    title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200 AND title !~ '[[:cntrl:]]'),
    provider text CHECK (char_length(provider) BETWEEN 1 AND 200 AND provider !~ '[[:cntrl:]]'),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX continuing_education_by_certification
    ON continuing_education (certification_id, created_at DESC, id DESC);

-- A specialist as the API shows them: with the computed caseload, certified (today, in
-- the organization's zone) and accepting. Every read of a profile goes through here, so
-- these are defined once.
CREATE VIEW specialist_profiles AS
SELECT s.id, s.organization_id, s.subject, s.given_name, s.family_name, s.kind,
       s.lived_experience, s.languages, s.counties, s.specialties, s.bio, s.max_caseload,
       s.active, s.version, s.created_at, s.updated_at,
       computed.caseload, computed.certified,
       s.active AND computed.certified AND computed.caseload < s.max_caseload AS accepting
FROM specialists s
CROSS JOIN LATERAL (
    SELECT peerd_specialist_caseload(s.id) AS caseload,
           peerd_certified_on(s.id, peerd_organization_today(s.organization_id)) AS certified
) computed;
