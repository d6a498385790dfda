-- The chain's hash (sql/007, 021, 026) was declared IMMUTABLE over json_build_array and
-- to_char, which are STABLE: PostgreSQL inlines a SQL function only when its body is no
-- more volatile than it says, so each event's hash ran as three nested SQL function calls
-- through the function executor. A list page records 50 events; chaining them was the
-- largest part of the database's work for the page. STABLE is what the body is (the same
-- text for the same arguments, as before: only how it is evaluated changes), and lets the
-- three calls inline into peerd_audit_chain's and peerd_audit_verify's expressions.
-- Measured on the bench data set: 5,000 calls 335-395 ms -> 71-95 ms; chaining 5,000
-- events 840-1,535 ms -> 237-371 ms (a loaded 2-core machine).
ALTER FUNCTION peerd_audit_hash(bigint, timestamptz, text, text, uuid, audit_action, text,
                                uuid, text, integer, text) STABLE;
ALTER FUNCTION peerd_audit_hash(bigint, timestamptz, text, text, uuid, audit_action, text,
                                uuid, text, uuid, integer, text) STABLE;
ALTER FUNCTION peerd_audit_hash(bigint, timestamptz, text, text, uuid, audit_action, text,
                                uuid, text, uuid, uuid, integer, text) STABLE;
