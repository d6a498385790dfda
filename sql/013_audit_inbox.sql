-- Appending to the audit chain took its head's row lock until commit, in the request's
-- own transaction: every audited request in every organization queued behind the one
-- before it. pgbench calling peerd_audit_append alone: 5,300 appends/s from one client,
-- 3,300 from eight, a ceiling on every audited read however many CPUs. Now a request only
-- inserts its events into audit_inbox, which takes no lock but its own rows, and
-- peerd_audit_chain() moves them, in the order they were written, onto the chain: the
-- same gapless ids and hashes, by one chainer at a time. peerd runs it in the background
-- a few times a second and before any read of the trail (GET /v1/audit-events and its
-- verify), so a reader of the trail never misses an event committed before its request.
-- A write's events still commit with the write, in its transaction.

CREATE TABLE audit_inbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL,
    role text NOT NULL,
    organization_id uuid,
    action audit_action NOT NULL,
    resource_type text NOT NULL,
    resource_id uuid,
    request_id text NOT NULL,
    status integer NOT NULL
);

-- peerd_service writes events and nothing else: it can neither read nor remove one
-- before it is chained, and the chain itself is now written by peerd_audit_chain alone.
GRANT INSERT ON audit_inbox TO peerd_service;
REVOKE INSERT ON audit_events FROM peerd_service;
REVOKE UPDATE ON audit_chain_head FROM peerd_service;

-- One event per resource id (one without an id when ids is empty), in their order.
CREATE OR REPLACE FUNCTION peerd_audit_append(actor text, role text, action audit_action,
                                              resource_type text, resource_ids uuid[],
                                              organization_ids uuid[], request_id text,
                                              status integer)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO audit_inbox (actor, role, organization_id, action, resource_type,
                             resource_id, request_id, status)
    SELECT actor, role, organization_ids[i], action, resource_type, resource_ids[i],
           request_id, status
    FROM generate_series(1, greatest(cardinality(resource_ids), 1)) AS i
    ORDER BY i;
END
$$;

-- Chains up to batch events from the inbox (all when NULL), oldest first, and returns how
-- many. Committed events only: one committing later is chained by a later call.
CREATE FUNCTION peerd_audit_chain(batch integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
DECLARE
    head audit_chain_head;
    event audit_inbox;
    event_hash text;
    chained integer := 0;
BEGIN
    SELECT * INTO head FROM audit_chain_head FOR UPDATE;
    FOR event IN SELECT * FROM audit_inbox ORDER BY id LIMIT batch LOOP
        event_hash := peerd_audit_hash(head.last_id + 1, event.at, event.actor, event.role,
                                       event.organization_id, event.action,
                                       event.resource_type, event.resource_id,
                                       event.request_id, event.status, head.last_hash);
        INSERT INTO audit_events (id, at, actor, role, organization_id, action, resource_type,
                                  resource_id, request_id, status, previous_hash, hash)
        VALUES (head.last_id + 1, event.at, event.actor, event.role, event.organization_id,
                event.action, event.resource_type, event.resource_id, event.request_id,
                event.status, head.last_hash, event_hash);
        DELETE FROM audit_inbox WHERE id = event.id;
        head.last_id := head.last_id + 1;
        head.last_hash := event_hash;
        chained := chained + 1;
    END LOOP;
    IF chained > 0 THEN
        UPDATE audit_chain_head SET last_id = head.last_id, last_hash = head.last_hash;
    END IF;
    RETURN chained;
END
$$;

-- The inbox of a database migrated while events were being written: chained at once.
SELECT peerd_audit_chain();
