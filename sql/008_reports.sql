-- What reports and exports read by: notes per organization in the order they happened.
CREATE INDEX session_notes_by_occurrence ON session_notes (organization_id, occurred_at, id);
CREATE INDEX referrals_by_submission ON referrals (provider_organization_id, submitted_at);
