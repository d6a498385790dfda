-- peerd_audit_chain ran three statements per event (an insert, a delete and the hash's
-- own query): about 100 µs of PostgreSQL's CPU an event, 10,000 events a second at most.
-- A page of 50 goals records 50 reads, so the inbox grew faster than it was chained. Now
-- a batch costs three statements whatever its size: one pass over the inbox computes the
-- hashes in order (the chain is sequential; nothing but expressions runs per event), then
-- one INSERT moves the batch onto the chain and one DELETE empties it from the inbox. The
-- ids, hashes and order are those the old function gave.

CREATE OR REPLACE FUNCTION peerd_audit_chain(batch integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog
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
                                     event.request_id, event.status, previous);
        taken := taken || event.id;
        hashes := hashes || previous;
    END LOOP;
    IF cardinality(taken) = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO audit_events (id, at, actor, role, organization_id, action, resource_type,
                              resource_id, request_id, status, previous_hash, hash)
    SELECT head.last_id + chained.n, i.at, i.actor, i.role, i.organization_id, i.action,
           i.resource_type, i.resource_id, i.request_id, i.status,
           chained.previous_hash, chained.hash
    FROM unnest(taken, previous_hashes, hashes)
         WITH ORDINALITY AS chained(inbox_id, previous_hash, hash, n)
    JOIN audit_inbox i ON i.id = chained.inbox_id
    ORDER BY chained.n;
    DELETE FROM audit_inbox WHERE id = ANY (taken);
    UPDATE audit_chain_head SET last_id = head.last_id + cardinality(taken), last_hash = previous;
    RETURN cardinality(taken);
END
$$;

-- The inbox is a queue: every row is deleted within a second of its insert. Vacuumed by
-- the number of dead rows rather than by a share of a table that is nearly always empty,
-- so that its index does not fill with dead entries between vacuums.
ALTER TABLE audit_inbox SET (autovacuum_vacuum_scale_factor = 0,
                             autovacuum_vacuum_threshold = 20000,
                             autovacuum_vacuum_insert_scale_factor = 0,
                             autovacuum_vacuum_insert_threshold = 20000);
