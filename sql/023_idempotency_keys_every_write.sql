-- Every POST that changes something takes an Idempotency-Key (service/idempotency.c), so a
-- key now names the request it came with, not only its body: sign, co-sign and verify take
-- no body, and the key a client used to sign one note, sent again to sign another, is a
-- new request (422), not a replay of the first. A replay answers the first answer whole,
-- so a key keeps its ETag too.

-- The method and the path as the route read it ("POST /v1/session-notes/<id>/sign"), and
-- the ETag the first answer carried (none for a creation).
ALTER TABLE idempotency_keys
    ADD COLUMN request_target text
        CHECK (request_target ~ '^POST /v1/[a-z0-9/-]+$' AND char_length(request_target) <= 600),
    ADD COLUMN response_etag text CHECK (response_etag ~ '^"[0-9]{1,19}"$');

-- The keys so far came with the two routes that took one. A claim not answered is never
-- committed (its transaction is the work's), so every row names its record.
UPDATE idempotency_keys SET request_target = CASE resource_type
    WHEN 'referral' THEN 'POST /v1/referrals'
    WHEN 'session_note' THEN 'POST /v1/session-notes' END;
DELETE FROM idempotency_keys WHERE request_target IS NULL;

ALTER TABLE idempotency_keys ALTER COLUMN request_target SET NOT NULL;
