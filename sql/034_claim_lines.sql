-- Claim lines and the summary's billing figures (API.md "Coverage, authorizations and
-- claims", "Reports"): both read an organization's billable signed notes by service day,
-- and the summary an organization's authorizations not yet ended.

-- The claim-lines export reads an organization's billable notes in (billing_day, id)
-- chunks; the summary sums their units by authorization over a range of days. The partial
-- index holds only what is billed, a fraction of the notes.
CREATE INDEX session_notes_billed_by_day ON session_notes (organization_id, billing_day, id)
    INCLUDE (billing_units, billing_authorization_id)
    WHERE status = 'signed' AND billing_units > 0;

-- The summary's authorizations running out: an organization's that end today or later.
CREATE INDEX authorizations_by_organization_ends ON authorizations (organization_id, ends_on);
