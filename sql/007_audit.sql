-- The audit trail (API.md "Audit"): who read or wrote whose record. Append-only, and
-- tamper-evident: each event stores a hash over its content and the previous event's
-- hash, so changing, removing or inserting an event breaks the chain that
-- GET /v1/audit-events/verify walks.

CREATE TYPE audit_action AS ENUM ('read', 'create', 'update', 'transition', 'sign', 'export');

CREATE TABLE audit_events (
    -- Given under the chain's lock: gapless, in chain order.
    id bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    -- Whose data it is: the organization holding the record.
    organization_id uuid,
    action audit_action NOT NULL,
    resource_type text NOT NULL,
    resource_id uuid,
    request_id text NOT NULL,
    status integer NOT NULL,
    previous_hash text NOT NULL,
    hash text NOT NULL
);

CREATE INDEX audit_events_by_organization ON audit_events (organization_id, id DESC);
CREATE INDEX audit_events_by_resource ON audit_events (resource_id, id DESC);

-- The end of the chain: one row, whose lock serializes appends so that concurrent
-- writers cannot fork it.
CREATE TABLE audit_chain_head (
    one_row boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    last_id bigint NOT NULL,
    last_hash text NOT NULL
);
INSERT INTO audit_chain_head (last_id, last_hash) VALUES (0, repeat('0', 64));

-- The hash of one event: SHA-256 over its content, as a JSON array (unambiguous whatever
-- the text holds), and the previous event's hash.
CREATE FUNCTION peerd_audit_hash(id bigint, at timestamptz, actor text, role text,
                                 organization_id uuid, action audit_action,
                                 resource_type text, resource_id uuid, request_id text,
                                 status integer, previous_hash text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT encode(sha256(convert_to(json_build_array(
        id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, role,
        organization_id, action, resource_type, resource_id, request_id, status,
        previous_hash)::text, 'UTF8')), 'hex')
$$;

-- Appends one event per resource id (one without an id when ids is empty), each linked
-- to the one before. Runs in the caller's transaction: a write's events commit or roll
-- back with the write.
CREATE FUNCTION peerd_audit_append(actor text, role text, action audit_action,
                                   resource_type text, resource_ids uuid[],
                                   organization_ids uuid[], request_id text, status integer)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    head audit_chain_head;
    event_at timestamptz;
    event_hash text;
    i integer;
BEGIN
    SELECT * INTO head FROM audit_chain_head FOR UPDATE;
    FOR i IN 1 .. greatest(cardinality(resource_ids), 1) LOOP
        event_at := clock_timestamp();
        event_hash := peerd_audit_hash(head.last_id + 1, event_at, actor, role,
                                       organization_ids[i], action, resource_type,
                                       resource_ids[i], request_id, status, head.last_hash);
        INSERT INTO audit_events (id, at, actor, role, organization_id, action, resource_type,
                                  resource_id, request_id, status, previous_hash, hash)
        VALUES (head.last_id + 1, event_at, actor, role, organization_ids[i], action,
                resource_type, resource_ids[i], request_id, status, head.last_hash,
                event_hash);
        head.last_id := head.last_id + 1;
        head.last_hash := event_hash;
    END LOOP;
    UPDATE audit_chain_head SET last_id = head.last_id, last_hash = head.last_hash;
END
$$;

-- Append-only: the database refuses UPDATE, DELETE and TRUNCATE, to peerd's own role
-- too (it owns the table, but not these rights on it any more).
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER;

-- The first break in the chain, if any: an event whose hash does not match its content,
-- whose previous_hash is not the hash before it, or whose id skips; and the head, which
-- must name the last event (so removing the newest events is seen too).
CREATE FUNCTION peerd_audit_verify(OUT events bigint, OUT broken_at bigint, OUT problem text)
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
                                          event.request_id, event.status,
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
