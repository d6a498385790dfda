-- Webhook subscriptions and their outbox (API.md "Subscriptions: the loop back to
-- partners, pushed"). The contract between the writers of events (this migration's
-- triggers, the API) and the delivery worker:
--
-- * An event is written by peerd_webhook_emit, in the same transaction as the change it
--   is about (the triggers below call it), so a change that rolls back leaves no event
--   and one that commits cannot lose its event when peerd stops. It writes one
--   webhook_events row (its payload is the body exactly as sent: {"type", "timestamp",
--   "data"}) and, in the same statement, one webhook_deliveries row per active
--   subscription that takes the type and may see the event (fan-out at write time: a
--   subscription made or re-activated later does not receive older events). An event
--   nobody subscribes to is not written. The worker calls peerd_webhook_emit too, for
--   certification.expiring (referral NULL).
-- * The Standard Webhooks `webhook-id` is webhook_events.id (a UUID as text); retries of a
--   delivery send the same id, so a receiver can drop duplicates (delivery is at least
--   once).
-- * The worker claims due rows with
--     SELECT ... FROM webhook_deliveries d
--     WHERE d.status = 'pending' AND d.next_attempt_at <= now()
--       AND NOT EXISTS (SELECT FROM webhook_deliveries e
--                       WHERE e.subscription_id = d.subscription_id
--                         AND e.referral_id = d.referral_id
--                         AND e.status = 'pending' AND e.event_seq < d.event_seq)
--     ORDER BY d.next_attempt_at, d.event_seq
--     FOR UPDATE SKIP LOCKED LIMIT n
--   (webhook_deliveries_due and webhook_deliveries_earlier serve it): order per referral
--   is kept because a delivery is not taken while an earlier pending delivery of the same
--   subscription and referral exists; deliveries without a referral are not ordered.
-- * After each attempt the worker, in one transaction, inserts a webhook_attempts row
--   (the delivery log the API reads) and updates the delivery: on a 2xx status
--   'delivered' and delivered_at; otherwise attempts + 1, last_status_code, last_error and
--   the next next_attempt_at, or, when the schedule is spent, status 'failed' and the
--   subscription's active = false with its disabled_reason (its other pending deliveries
--   are then marked 'failed' too, so they neither block nor go out).
-- * The worker derives each subscription's signing key again from secret_nonce:
--   HMAC-SHA256(key = PEERD_WEBHOOK_KEY, message = secret_nonce); the secret shown once at
--   creation is "whsec_" + base64(that key). The database alone holds no key.
-- * Tables are read and written by peerd_service under row-level security scoped to the
--   subscription's organization; the worker's connection sets the admin scope
--   (peerd.role = 'admin') to see every organization.

CREATE TYPE webhook_event_type AS ENUM ('referral.status_changed', 'referral.assigned',
                                        'note.signed', 'certification.expiring');
CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'failed');

CREATE TABLE subscriptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    url text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048 AND url ~ '^https?://'
                             AND url !~ '[[:cntrl:][:space:]]'),
    events webhook_event_type[] NOT NULL
        CHECK (cardinality(events) BETWEEN 1 AND 4
               AND array_position(events, NULL) IS NULL
               AND peerd_items_are_distinct(events)),
    active boolean NOT NULL DEFAULT true,
    disabled_reason text CHECK (char_length(disabled_reason) BETWEEN 1 AND 500),
    -- The signing key is HMAC-SHA256(PEERD_WEBHOOK_KEY, secret_nonce): a dump of the
    -- database alone cannot sign.
    secret_nonce bytea NOT NULL CHECK (octet_length(secret_nonce) = 32),
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 255),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Re-activating clears the reason it was disabled for.
    CONSTRAINT subscriptions_reason_only_when_inactive
        CHECK (NOT active OR disabled_reason IS NULL)
);

CREATE INDEX subscriptions_by_organization ON subscriptions (organization_id, created_at DESC, id DESC);

-- A partner hears only about the status of the referrals it made (the handler answers
-- 422 first; this holds against any other writer).
CREATE FUNCTION subscriptions_partner_events() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    IF (SELECT kind FROM organizations WHERE id = NEW.organization_id) = 'partner'
       AND NEW.events <> '{referral.status_changed}'::webhook_event_type[] THEN
        RAISE EXCEPTION 'a partner''s subscription takes only referral.status_changed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'subscriptions_partner_events';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER subscriptions_partner_events BEFORE INSERT OR UPDATE OF events, organization_id
    ON subscriptions FOR EACH ROW EXECUTE FUNCTION subscriptions_partner_events();

-- The outbox: one row per event, its payload the body as it will be sent.
CREATE TABLE webhook_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq bigserial NOT NULL UNIQUE,
    type webhook_event_type NOT NULL,
    -- The organization whose data the event is about (the provider, for a referral).
    organization_id uuid NOT NULL REFERENCES organizations (id),
    -- The ordering key: events about one referral go out in seq order.
    referral_id uuid,
    payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    -- The subscription's organization (row-level security).
    organization_id uuid NOT NULL REFERENCES organizations (id),
    -- Copies of the event's, so that the worker's order check reads one table.
    event_seq bigint NOT NULL,
    referral_id uuid,
    status webhook_delivery_status NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_status_code integer CHECK (last_status_code BETWEEN 100 AND 599),
    last_error text CHECK (char_length(last_error) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, subscription_id),
    CONSTRAINT webhook_deliveries_delivered_at
        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, event_seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_earlier ON webhook_deliveries (subscription_id, referral_id, event_seq)
    WHERE status = 'pending';

-- The delivery log: one row per attempt, written by the worker, read by
-- GET /v1/subscriptions/{id}/deliveries (newest first).
CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    type webhook_event_type NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    -- NULL when no answer came (refused, timed out, blocked address).
    status_code integer CHECK (status_code BETWEEN 100 AND 599),
    error text CHECK (char_length(error) BETWEEN 1 AND 1000)
);

CREATE INDEX webhook_attempts_by_subscription
    ON webhook_attempts (subscription_id, attempted_at DESC, id DESC);

-- Writes one event and its deliveries; returns the event's id, or NULL when no
-- subscription takes it. SECURITY DEFINER: the change that causes an event is made in one
-- organization's scope, while its subscribers may be another's (a partner's), whose rows
-- the caller may neither see nor write.
--
-- Who receives it: the active subscriptions of `organization` (the provider, about its
-- own data) that take `type`; and, for referral.status_changed, the active subscriptions
-- of the organization that referred `referral`, which for a substance_use referral only
-- while the Part 2 consent gate (peerd_part2_consent_for, sql/027) is open for it.
CREATE FUNCTION peerd_webhook_emit(organization uuid, type webhook_event_type, referral uuid,
                                   data jsonb) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog
AS $$
DECLARE
    partner uuid;
    receivers uuid[];
    event webhook_events%ROWTYPE;
BEGIN
    IF type = 'referral.status_changed' AND referral IS NOT NULL THEN
        SELECT r.referring_organization_id INTO partner
        FROM referrals r
        WHERE r.id = referral AND r.referring_organization_id IS NOT NULL
          AND (NOT r.substance_use
               OR peerd_part2_consent_for(r.participant_id, r.referring_organization_id)
                  IS NOT NULL);
    END IF;
    SELECT array_agg(s.id) INTO receivers
    FROM subscriptions s
    WHERE s.active AND type = ANY (s.events)
      AND (s.organization_id = organization OR s.organization_id = partner);
    IF receivers IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, organization_id, referral_id, payload)
    VALUES (type, organization, referral,
            jsonb_build_object('type', type, 'timestamp', peerd_timestamp(now()), 'data', data))
    RETURNING * INTO event;
    INSERT INTO webhook_deliveries (event_id, subscription_id, organization_id, event_seq,
                                    referral_id, next_attempt_at)
    SELECT event.id, s.id, s.organization_id, event.seq, referral, now()
    FROM subscriptions s WHERE s.id = ANY (receivers);
    RETURN event.id;
END
$$;

REVOKE EXECUTE ON FUNCTION peerd_webhook_emit(uuid, webhook_event_type, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION peerd_webhook_emit(uuid, webhook_event_type, uuid, jsonb) TO peerd_service;

-- Events about referrals, from the row itself so that every writer (the API, a future
-- job) makes them: submission (previous_status null), each change of status, and each
-- assignment. Minimal payloads: ids, statuses, times, the partner's external_id; never a
-- name nor a note.
CREATE FUNCTION referrals_webhook_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM peerd_webhook_emit(NEW.provider_organization_id, 'referral.status_changed', NEW.id,
        jsonb_build_object('referral_id', NEW.id, 'external_id', NEW.external_id,
                           'status', NEW.status,
                           'previous_status', CASE TG_OP WHEN 'UPDATE' THEN OLD.status END,
                           'at', peerd_timestamp(CASE TG_OP WHEN 'INSERT' THEN NEW.submitted_at
                                                 ELSE now() END)));
    RETURN NULL;
END
$$;

CREATE FUNCTION referrals_webhook_assigned() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM peerd_webhook_emit(NEW.provider_organization_id, 'referral.assigned', NEW.id,
        jsonb_build_object('referral_id', NEW.id, 'specialist_id', NEW.assigned_specialist_id,
                           'at', peerd_timestamp(now())));
    RETURN NULL;
END
$$;

-- Triggers of one event fire in name order: the status change (to assigned) goes out
-- before the assignment.
CREATE TRIGGER referrals_webhook_1_submitted AFTER INSERT ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_webhook_status();
CREATE TRIGGER referrals_webhook_2_status AFTER UPDATE OF status ON referrals
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION referrals_webhook_status();
CREATE TRIGGER referrals_webhook_3_assigned AFTER INSERT ON referrals FOR EACH ROW
    WHEN (NEW.assigned_specialist_id IS NOT NULL)
    EXECUTE FUNCTION referrals_webhook_assigned();
CREATE TRIGGER referrals_webhook_4_reassigned AFTER UPDATE OF assigned_specialist_id
    ON referrals FOR EACH ROW
    WHEN (NEW.assigned_specialist_id IS NOT NULL
          AND OLD.assigned_specialist_id IS DISTINCT FROM NEW.assigned_specialist_id)
    EXECUTE FUNCTION referrals_webhook_assigned();

-- note.signed: the note's id, its participant's, and what billing decided at signing
-- (a note signed alone or with its group session).
CREATE FUNCTION session_notes_webhook_signed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM peerd_webhook_emit(NEW.organization_id, 'note.signed', NULL,
        jsonb_build_object('note_id', NEW.id, 'participant_id', NEW.participant_id,
                           'billable', coalesce((NEW.billing ->> 'billable')::boolean, false),
                           'units', NEW.billing_units));
    RETURN NULL;
END
$$;

CREATE TRIGGER session_notes_webhook_signed AFTER INSERT ON session_notes FOR EACH ROW
    WHEN (NEW.status = 'signed')
    EXECUTE FUNCTION session_notes_webhook_signed();
CREATE TRIGGER session_notes_webhook_signed_later AFTER UPDATE OF status ON session_notes
    FOR EACH ROW WHEN (NEW.status = 'signed' AND OLD.status <> 'signed')
    EXECUTE FUNCTION session_notes_webhook_signed();

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_in_scope ON subscriptions USING (peerd_in_scope(organization_id));
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_events_in_scope ON webhook_events USING (peerd_in_scope(organization_id));
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_in_scope ON webhook_deliveries
    USING (peerd_in_scope(organization_id));
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_attempts_in_scope ON webhook_attempts
    USING (peerd_in_scope(organization_id));

-- The API writes subscriptions; events and deliveries are written only through
-- peerd_webhook_emit; the worker reads events, updates deliveries and subscriptions and
-- logs attempts.
GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions TO peerd_service;
GRANT SELECT ON webhook_events TO peerd_service;
GRANT SELECT, UPDATE ON webhook_deliveries TO peerd_service;
GRANT SELECT, INSERT ON webhook_attempts TO peerd_service;
