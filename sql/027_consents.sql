-- Consents (API.md "Consents"): a participant's written permission to disclose, kept by
-- the provider that serves them. A consent never changes after it is made: the only
-- change ever allowed is its revocation, once. The part2 consents are also the gate on
-- what a partner may read of a referral about substance use (42 CFR Part 2): the gate is
-- peerd_part2_consent_for, which the C reads (through peerd_referral_visible) and the
-- row-level security of referrals and their history (through peerd_referral_in_scope)
-- both ask, in each statement, so a revocation takes effect at once.

CREATE TYPE consent_kind AS ENUM ('part2', 'release_of_information', 'text_messages');
CREATE TYPE consent_information AS ENUM ('referral_status', 'attendance', 'goals',
                                         'session_summaries', 'all');
CREATE TYPE consent_signer AS ENUM ('participant', 'guardian', 'personal_representative');

-- Recipients: an ordered list of 1..50 items, each exactly {"organization_id": "<uuid in
-- lower case>"} or {"name": "<1..200 characters>"}. Kept as jsonb so the order is the
-- client's, checked here so that no writer can store another shape; the gate finds an
-- organization among them by containment (@>), which needs the one spelling of a UUID.
CREATE FUNCTION peerd_consent_recipients_are_valid(recipients jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT jsonb_typeof(recipients) = 'array'
       AND (SELECT count(*) BETWEEN 1 AND 50
                   AND coalesce(bool_and(
                       jsonb_typeof(e) = 'object'
                       AND CASE (SELECT array_agg(k) FROM jsonb_object_keys(e) k)
                           WHEN '{organization_id}' THEN
                               jsonb_typeof(e -> 'organization_id') = 'string'
                               AND e ->> 'organization_id'
                                   ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                           WHEN '{name}' THEN
                               jsonb_typeof(e -> 'name') = 'string'
                               AND char_length(e ->> 'name') BETWEEN 1 AND 200
                           ELSE false
                       END), false)
            FROM jsonb_array_elements(CASE jsonb_typeof(recipients)
                                      WHEN 'array' THEN recipients ELSE '[]' END) e)
$$;

CREATE TABLE consents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    participant_id uuid NOT NULL,
    kind consent_kind NOT NULL,
    recipients jsonb NOT NULL CHECK (peerd_consent_recipients_are_valid(recipients)),
    purpose text NOT NULL CHECK (char_length(purpose) BETWEEN 1 AND 500),
    information consent_information[] NOT NULL
        CHECK (cardinality(information) BETWEEN 1 AND 5
               AND array_position(information, NULL) IS NULL
               AND peerd_items_are_distinct(information)),
    signed_on date NOT NULL,
    signed_by consent_signer NOT NULL,
    expires_on date,
    expiry_event text CHECK (char_length(expiry_event) BETWEEN 1 AND 200),
    revoked_on date,
    revocation_reason text CHECK (char_length(revocation_reason) BETWEEN 1 AND 500),
    revoked_by text CHECK (char_length(revoked_by) BETWEEN 1 AND 255),
    revoked_at timestamptz,
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_participant_organization_fkey FOREIGN KEY (participant_id, organization_id)
        REFERENCES participants (id, organization_id),
    CONSTRAINT consents_expires_after_signed CHECK (expires_on > signed_on),
    CONSTRAINT consents_revoked_not_before_signed CHECK (revoked_on >= signed_on),
    -- 42 CFR 2.31(a)(6): a Part 2 consent says when it ends.
    CONSTRAINT consents_part2_expiry
        CHECK (kind <> 'part2' OR expires_on IS NOT NULL OR expiry_event IS NOT NULL),
    CONSTRAINT consents_revocation_whole
        CHECK ((revoked_on IS NULL) = (revocation_reason IS NULL)
               AND (revoked_on IS NULL) = (revoked_by IS NULL)
               AND (revoked_on IS NULL) = (revoked_at IS NULL))
);

CREATE INDEX consents_by_participant ON consents (participant_id, created_at DESC, id DESC);

-- A consent is evidence of what the person agreed to: it is never edited nor deleted.
-- The one change is its revocation, once (the handler answers 409 first; this holds
-- against any other writer).
CREATE FUNCTION consents_revoke_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept text[] := ARRAY['revoked_on', 'revocation_reason', 'revoked_by', 'revoked_at',
                         'version', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a consent is never deleted: revoke it'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoke_only';
    END IF;
    IF OLD.revoked_on IS NOT NULL THEN
        RAISE EXCEPTION 'the consent is already revoked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoked_once';
    END IF;
    IF NEW.revoked_on IS NULL OR (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept) THEN
        RAISE EXCEPTION 'a consent is never changed after it is made, only revoked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoke_only';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER consents_revoke_only BEFORE UPDATE OR DELETE ON consents
FOR EACH ROW EXECUTE FUNCTION consents_revoke_only();

-- A consent's status (API.md): revoked once revoked_on is set, else expired when the
-- organization's today is after expires_on, else active. expiry_event is recorded, not
-- evaluated: staff revoke the consent when it happens.
CREATE FUNCTION peerd_consent_status(revoked_on date, expires_on date, organization uuid)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN revoked_on IS NOT NULL THEN 'revoked'
        WHEN expires_on < peerd_organization_today(organization) THEN 'expired'
        ELSE 'active'
    END
$$;

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
CREATE POLICY consents_in_scope ON consents USING (peerd_in_scope(organization_id));

-- Revoked, never deleted.
GRANT SELECT, INSERT, UPDATE ON consents TO peerd_service;

-- THE GATE (42 CFR Part 2): the active part2 consent of participant that names recipient
-- (an organization) with referral_status or all, the most recently signed when several
-- do; NULL when none does. SECURITY DEFINER because the one asking is the recipient's
-- connection, whose row-level security cannot see the provider's consents (and must
-- not: it learns only the id it is disclosed under). STABLE: evaluated in each statement,
-- never cached across them, so a revocation closes the gate for the next statement.
CREATE FUNCTION peerd_part2_consent_for(participant uuid, recipient uuid) RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
    SELECT c.id FROM consents c
    WHERE c.participant_id = participant AND c.kind = 'part2'
      AND c.information && '{referral_status,all}'::consent_information[]
      AND c.recipients @> jsonb_build_array(jsonb_build_object('organization_id', recipient::text))
      AND peerd_consent_status(c.revoked_on, c.expires_on, c.organization_id) = 'active'
    ORDER BY c.signed_on DESC, c.created_at DESC, c.id
    LIMIT 1
$$;

-- May the referring organization see a referral of participant? Always, unless it is
-- about substance use: then only under a consent (the gate).
CREATE FUNCTION peerd_referral_disclosable(participant uuid, substance_use boolean,
                                           recipient uuid)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NOT substance_use OR peerd_part2_consent_for(participant, recipient) IS NOT NULL $$;

-- The consent a partner's read of a referral discloses under, for its audit event
-- (action disclose); NULL for a read that discloses nothing protected: any other role
-- (the provider's staff keep the record), or a referral not about substance use.
CREATE FUNCTION peerd_referral_disclosed_under(participant uuid, substance_use boolean,
                                               referring_organization uuid)
RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN substance_use AND current_setting('peerd.role', true) = 'partner'
                THEN peerd_part2_consent_for(participant, referring_organization) END
$$;

-- Who may see a referral (sql/024), now with the gate in the partner's branch: the
-- referral's participant and substance_use join its side of the arguments.
DROP FUNCTION peerd_referral_visible(uuid, uuid, referral_status, text, uuid, text, uuid, text);
CREATE FUNCTION peerd_referral_visible(provider_organization uuid, referring_organization uuid,
                                       status referral_status, assigned_subject text,
                                       assigned_organization uuid, participant uuid,
                                       substance_use boolean, caller_role text,
                                       caller_organization uuid, caller_subject text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE caller_role
        WHEN 'admin' THEN true
        WHEN 'supervisor' THEN provider_organization = caller_organization
        WHEN 'partner' THEN referring_organization = caller_organization
                            AND peerd_referral_disclosable(participant, substance_use,
                                                           caller_organization)
        WHEN 'specialist' THEN assigned_subject = caller_subject
                               AND assigned_organization = caller_organization
                               AND status IN ('assigned', 'engaged')
        ELSE false
    END
$$;

-- The row-level-security bound of a referral, for the referrals and their history: the
-- provider's scope, or the referrer's through the gate. A forgotten check in C still
-- cannot show a referrer a referral about substance use without a consent.
CREATE FUNCTION peerd_referral_in_scope(provider_organization uuid, referring_organization uuid,
                                        participant uuid, substance_use boolean)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT peerd_in_scope(provider_organization)
        OR (peerd_in_scope(referring_organization)
            AND peerd_referral_disclosable(participant, substance_use, referring_organization))
$$;

ALTER POLICY referrals_in_scope ON referrals
    USING (peerd_referral_in_scope(provider_organization_id, referring_organization_id,
                                   participant_id, substance_use));

ALTER POLICY referral_events_in_scope ON referral_events
    USING (EXISTS (SELECT FROM referrals r
                   WHERE r.id = referral_id
                     AND peerd_referral_in_scope(r.provider_organization_id,
                                                 r.referring_organization_id,
                                                 r.participant_id, r.substance_use)));

-- The participants' policy (sql/010) lets a referrer see a person through a referral it
-- made; that subquery reads referrals under their policy above, so the gate holds there
-- too.

-- The part2 consent a referral's intake makes (API.md): the referring organization as
-- recipient, referral_status, signed by the participant on signed_on (the provider's
-- today when NULL), expiring a year later. SECURITY DEFINER because a partner's intake
-- runs under the partner's scope while the consent is the provider's record: the
-- partner's row-level security would refuse it. What it may write is bounded here, not
-- by the caller: only for a participant of provider made in this very transaction (the
-- intake's), and only naming the caller's own organization.
CREATE FUNCTION peerd_intake_part2_consent(participant uuid, provider uuid, signed_on date,
                                           created_by text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
DECLARE
    recipient uuid := peerd_scope_organization();
    signed date := coalesce(signed_on, peerd_organization_today(provider));
    made uuid;
BEGIN
    IF recipient IS NULL OR NOT EXISTS (
        SELECT FROM participants p
        WHERE p.id = participant AND p.organization_id = provider
          AND p.xmin::text = (txid_current() % 4294967296)::text) THEN
        RAISE EXCEPTION 'an intake consent is made only with the intake of its participant'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO consents (organization_id, participant_id, kind, recipients, purpose,
                          information, signed_on, signed_by, expires_on, created_by)
    VALUES (provider, participant, 'part2',
            jsonb_build_array(jsonb_build_object('organization_id', recipient::text)),
            'Disclosure of the referral''s status to the organization that made it, so that '
            'it can follow the referral it made (consent given at referral, 42 CFR Part 2).',
            '{referral_status}', signed, 'participant', (signed + interval '1 year')::date,
            created_by)
    RETURNING id INTO made;
    RETURN made;
END
$$;
