-- An Idempotency-Key belongs to its caller, and replaying its answer is a read.
--
-- A key was scoped to an organization and a role: a second supervisor sending the first
-- one's key and body got the first one's referral, and a specialist a colleague's note
-- about someone not assigned to them, neither checked nor recorded in the audit trail.
-- Now the scope names the caller too, `organization:<id>:<role>:<sub>` (an admin without
-- an organization keeps `subject:<sub>`), so another caller's key is simply another key;
-- and a key keeps the record its answer discloses, so that peerd authorizes a replay as a
-- read of that record now and records it as one (service/idempotency.c).

-- The record's type as the audit trail names it ("referral", "session_note").
ALTER TABLE idempotency_keys
    ADD COLUMN resource_type text CHECK (resource_type ~ '^[a-z_]{1,23}$'),
    ADD COLUMN resource_id uuid;

-- The keys answered so far, each the caller's who made the record, named by the record:
-- a referral keeps its key and its submitter; a note's answer is at its Location, and the
-- note keeps who wrote it.
UPDATE idempotency_keys k
SET resource_type = 'referral', resource_id = r.id,
    scope = CASE WHEN k.scope LIKE 'organization:%' THEN k.scope || ':' || r.submitted_by
                 ELSE k.scope END
FROM referrals r
WHERE r.idempotency_scope = k.scope AND r.idempotency_key = k.key
  AND k.response_status IS NOT NULL;

UPDATE idempotency_keys k
SET resource_type = 'session_note', resource_id = n.id,
    scope = CASE WHEN k.scope LIKE 'organization:%' THEN k.scope || ':' || n.created_by
                 ELSE k.scope END
FROM session_notes n
WHERE k.response_location = '/v1/session-notes/' || n.id::text
  AND k.response_status IS NOT NULL;

-- A referral's own copy of its key, which keeps one referral per key after the key is
-- purged, in the same form.
UPDATE referrals SET idempotency_scope = idempotency_scope || ':' || submitted_by
WHERE idempotency_scope LIKE 'organization:%';

-- What is left in the old form is a claim never answered, which no caller can take up
-- again; and an answer that names no record cannot be authorized as a read. Neither is
-- kept.
DELETE FROM idempotency_keys
WHERE scope !~ '^(organization:[0-9a-f-]{36}:[a-z]+:|subject:).'
   OR (response_status IS NOT NULL AND resource_id IS NULL);

ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_scope_names_the_caller
        CHECK (scope ~ '^(organization:[0-9a-f-]{36}:[a-z]+:|subject:).'),
    ADD CONSTRAINT idempotency_keys_answer_names_its_record
        CHECK (response_status IS NULL
               OR (resource_type IS NOT NULL AND resource_id IS NOT NULL));
