-- A disclosure is its own kind of event (contract 1.1, "Consents"): when a partner reads
-- a substance use referral under a 42 CFR Part 2 consent, the trail records `disclose`
-- and the consent that allowed it, so that an accounting of disclosures (42 CFR 2.24)
-- is a query. consent_id is null on every other event. No foreign key: the trail
-- outlives whatever it names, and is written without locking what it names.
--
-- ADD VALUE runs inside the migration's transaction; nothing below uses the new value
-- before it commits (plpgsql bodies are checked only when they run).
ALTER TYPE audit_action ADD VALUE 'disclose';

ALTER TABLE audit_inbox ADD COLUMN consent_id uuid;
ALTER TABLE audit_events ADD COLUMN consent_id uuid;

-- The hash of an event with a consent covers it, right after server_request_id; an event
-- without one hashes as before (sql/021), so every event already on the chain verifies.
CREATE FUNCTION peerd_audit_hash(id bigint, at timestamptz, actor text, role text,
                                 organization_id uuid, action audit_action,
                                 resource_type text, resource_id uuid, request_id text,
                                 server_request_id uuid, consent_id uuid, status integer,
                                 previous_hash text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN consent_id IS NULL
        THEN peerd_audit_hash(id, at, actor, role, organization_id, action, resource_type,
                              resource_id, request_id, server_request_id, status,
                              previous_hash)
        ELSE encode(sha256(convert_to(json_build_array(
            id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, role,
            organization_id, action, resource_type, resource_id, request_id,
            server_request_id, consent_id, status, previous_hash)::text, 'UTF8')), 'hex')
    END
$$;

-- sql/021's chainer, carrying and hashing consent_id. Its settings are given again:
-- CREATE OR REPLACE keeps none of those ALTER FUNCTION set.
CREATE OR REPLACE FUNCTION peerd_audit_chain(batch integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog
SET enable_seqscan = off
SET jit = off
AS $$
DECLARE
    head audit_chain_head;
    event audit_inbox;
    taken bigint[] := '{}';
    previous_hashes text[] := '{}';
    hashes text[] := '{}';
    previous text;
BEGIN
    SELECT * INTO head FROM audit_chain_head FOR UPDATE;
    previous := head.last_hash;
    FOR event IN SELECT * FROM audit_inbox ORDER BY id LIMIT batch LOOP
        previous_hashes := previous_hashes || previous;
        previous := peerd_audit_hash(head.last_id + cardinality(taken) + 1, event.at,
                                     event.actor, event.role, event.organization_id,
                                     event.action, event.resource_type, event.resource_id,
                                     event.request_id, event.server_request_id,
                                     event.consent_id, event.status, previous);
        taken := taken || event.id;
        hashes := hashes || previous;
    END LOOP;
    IF cardinality(taken) = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO audit_events (id, at, actor, role, organization_id, action, resource_type,
                              resource_id, request_id, server_request_id, consent_id, status,
                              previous_hash, hash)
    SELECT head.last_id + chained.n, i.at, i.actor, i.role, i.organization_id, i.action,
           i.resource_type, i.resource_id, i.request_id, i.server_request_id, i.consent_id,
           i.status, chained.previous_hash, chained.hash
    FROM unnest(taken, previous_hashes, hashes)
         WITH ORDINALITY AS chained(inbox_id, previous_hash, hash, n)
    JOIN audit_inbox i ON i.id = chained.inbox_id
    ORDER BY chained.n;
    DELETE FROM audit_inbox WHERE id = ANY (taken);
    UPDATE audit_chain_head SET last_id = head.last_id + cardinality(taken), last_hash = previous;
    RETURN cardinality(taken);
END
$$;

-- sql/021's walk, with the hash above.
CREATE OR REPLACE FUNCTION peerd_audit_verify(OUT events bigint, OUT broken_at bigint,
                                              OUT problem text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    head audit_chain_head;
    event record;
    expected_previous text := repeat('0', 64);
    expected_id bigint := 1;
BEGIN
    events := 0;
    FOR event IN SELECT * FROM audit_events ORDER BY id LOOP
        IF event.id <> expected_id THEN
            broken_at := expected_id;
            problem := format('event %s is missing', expected_id);
            RETURN;
        END IF;
        IF event.previous_hash <> expected_previous THEN
            broken_at := event.id;
            problem := 'its previous_hash is not the hash of the event before it';
            RETURN;
        END IF;
        IF event.hash <> peerd_audit_hash(event.id, event.at, event.actor, event.role,
                                          event.organization_id, event.action,
                                          event.resource_type, event.resource_id,
                                          event.request_id, event.server_request_id,
                                          event.consent_id, event.status,
                                          event.previous_hash) THEN
            broken_at := event.id;
            problem := 'its content does not match its hash';
            RETURN;
        END IF;
        expected_previous := event.hash;
        expected_id := event.id + 1;
        events := events + 1;
    END LOOP;
    SELECT * INTO head FROM audit_chain_head;
    IF head.last_id <> events OR head.last_hash <> expected_previous THEN
        broken_at := events + 1;
        problem := format('the chain ends at event %s but its head names event %s',
                          events, head.last_id);
    END IF;
END
$$;

-- sql/024's read recorded by the statement that reads, for a row shown under a consent:
-- `disclose` with the consent when consent_id is given, else the plain `read`.
CREATE FUNCTION peerd_audit_read_shown(actor text, role text, request_id text,
                                       resource_type text, resource_id uuid,
                                       organization_id uuid, server_request_id uuid,
                                       consent_id uuid)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO audit_inbox (actor, role, action, resource_type, resource_id, organization_id,
                             request_id, status, server_request_id, consent_id)
    VALUES (peerd_audit_read_shown.actor, peerd_audit_read_shown.role,
            CASE WHEN peerd_audit_read_shown.consent_id IS NULL THEN 'read'
                 ELSE 'disclose' END::audit_action,
            peerd_audit_read_shown.resource_type, peerd_audit_read_shown.resource_id,
            peerd_audit_read_shown.organization_id, peerd_audit_read_shown.request_id, 200,
            peerd_audit_read_shown.server_request_id, peerd_audit_read_shown.consent_id);
END
$$;
