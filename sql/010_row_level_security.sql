-- Row-level security on the tables that hold people's data, as a second wall behind the
-- checks in C: a statement run by peerd_service sees and writes only rows of the
-- organization its request was made for, so even a wrong WHERE in a handler cannot cross
-- organizations. peerd sets the scope on each borrowed connection from the token
-- (service/request.c, service/db.c): `peerd.organization` is the caller's organization
-- id (empty when they have none) and `peerd.role` their role; an admin's scope is every
-- organization. The login role that owns the tables (migrations, seed-demo) is not
-- subject to it.

CREATE FUNCTION peerd_scope_organization() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('peerd.organization', true), '')::uuid $$;

CREATE FUNCTION peerd_scope_is_everyone() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('peerd.role', true) = 'admin', false) $$;

-- Written as `column = value OR ...` (these functions are inlined) so that the planner
-- estimates it from the column's statistics like any equality, instead of guessing it
-- keeps almost nothing and choosing to scan and sort a whole table.
CREATE FUNCTION peerd_in_scope(organization uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT organization = peerd_scope_organization() OR peerd_scope_is_everyone() $$;

-- The view reads its tables as the caller, so their policies apply through it.
ALTER VIEW specialist_profiles SET (security_invoker = true);

ALTER TABLE specialists ENABLE ROW LEVEL SECURITY;
CREATE POLICY specialists_in_scope ON specialists
    USING (peerd_in_scope(organization_id));

ALTER TABLE certifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY certifications_in_scope ON certifications
    USING (EXISTS (SELECT FROM specialists s
                   WHERE s.id = specialist_id AND peerd_in_scope(s.organization_id)));

ALTER TABLE continuing_education ENABLE ROW LEVEL SECURITY;
CREATE POLICY continuing_education_in_scope ON continuing_education
    USING (EXISTS (SELECT FROM certifications c JOIN specialists s ON s.id = c.specialist_id
                   WHERE c.id = certification_id AND peerd_in_scope(s.organization_id)));

ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
-- The provider keeps the person; the partner that referred them sees the fields a referral
-- shows about them.
CREATE POLICY participants_in_scope ON participants
    USING (peerd_in_scope(organization_id)
           OR EXISTS (SELECT FROM referrals r
                      WHERE r.participant_id = participants.id
                        AND peerd_in_scope(r.referring_organization_id)));
-- A partner's referral brings the person to the provider it names.
CREATE POLICY participants_referred_by_partner ON participants FOR INSERT
    WITH CHECK (current_setting('peerd.role', true) = 'partner');

ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
CREATE POLICY referrals_in_scope ON referrals
    USING (peerd_in_scope(provider_organization_id)
           OR peerd_in_scope(referring_organization_id));

ALTER TABLE referral_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY referral_events_in_scope ON referral_events
    USING (EXISTS (SELECT FROM referrals r
                   WHERE r.id = referral_id
                     AND (peerd_in_scope(r.provider_organization_id)
                          OR peerd_in_scope(r.referring_organization_id))));

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
-- Scopes are `organization:<id>:<role>` or, for an admin without one, `subject:<sub>`.
CREATE POLICY idempotency_keys_in_scope ON idempotency_keys
    USING (split_part(scope, ':', 2) = current_setting('peerd.organization', true)
           OR peerd_scope_is_everyone());

-- Goals and their progress are many and are read in bulk by reports: they carry their
-- participant's organization, so their policy is one comparison instead of a lookup of
-- the participant per row (which made a report over 20,000 goals five times slower).
-- A trigger fills it from the parent, and a foreign key keeps it equal to the parent's.
ALTER TABLE participants ADD CONSTRAINT participants_id_organization UNIQUE (id, organization_id);
ALTER TABLE goals ADD COLUMN organization_id uuid;
UPDATE goals g SET organization_id = p.organization_id FROM participants p
WHERE p.id = g.participant_id;
ALTER TABLE goals ALTER COLUMN organization_id SET NOT NULL,
    ADD CONSTRAINT goals_participant_organization_fkey FOREIGN KEY (participant_id, organization_id)
        REFERENCES participants (id, organization_id),
    ADD CONSTRAINT goals_id_organization UNIQUE (id, organization_id);

ALTER TABLE goal_progress ADD COLUMN organization_id uuid;
UPDATE goal_progress x SET organization_id = g.organization_id FROM goals g WHERE g.id = x.goal_id;
ALTER TABLE goal_progress ALTER COLUMN organization_id SET NOT NULL,
    ADD CONSTRAINT goal_progress_goal_organization_fkey FOREIGN KEY (goal_id, organization_id)
        REFERENCES goals (id, organization_id);

-- Run as the writer, so a parent it may not see gives NULL, which NOT NULL refuses.
CREATE FUNCTION goals_take_organization() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.organization_id := (SELECT organization_id FROM participants WHERE id = NEW.participant_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER goals_take_organization BEFORE INSERT OR UPDATE OF participant_id ON goals
FOR EACH ROW EXECUTE FUNCTION goals_take_organization();

CREATE FUNCTION goal_progress_take_organization() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.organization_id := (SELECT organization_id FROM goals WHERE id = NEW.goal_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER goal_progress_take_organization BEFORE INSERT OR UPDATE OF goal_id
ON goal_progress FOR EACH ROW EXECUTE FUNCTION goal_progress_take_organization();

ALTER TABLE goals ENABLE ROW LEVEL SECURITY;
CREATE POLICY goals_in_scope ON goals USING (peerd_in_scope(organization_id));

ALTER TABLE goal_progress ENABLE ROW LEVEL SECURITY;
CREATE POLICY goal_progress_in_scope ON goal_progress USING (peerd_in_scope(organization_id));

ALTER TABLE session_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_notes_in_scope ON session_notes
    USING (peerd_in_scope(organization_id));

ALTER TABLE session_note_addenda ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_note_addenda_in_scope ON session_note_addenda
    USING (EXISTS (SELECT FROM session_notes n
                   WHERE n.id = note_id AND peerd_in_scope(n.organization_id)));

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_events_read_in_scope ON audit_events FOR SELECT
    USING (peerd_in_scope(organization_id));
-- Every request leaves its trace, whichever organization the record belongs to (a partner
-- reading the referral it made is an event of the provider's).
CREATE POLICY audit_events_appended ON audit_events FOR INSERT
    WITH CHECK (true);

-- A specialist's caseload is a count the matching and the profile need for every
-- specialist listed; counted under the referrals' policy it cost a policy check per
-- referral (ten times slower for a long caseload). It reveals a number, never a row, and
-- is called only for specialists the caller's own policies let through.
ALTER FUNCTION peerd_specialist_caseload(uuid) SECURITY DEFINER SET search_path = public, pg_catalog;
