-- Sync (API.md "Subscriptions": ?updated_since=) finds what changed by updated_at, so every
-- change must move it, those the server makes itself included: a specialist's caseload and
-- certified days kept by the triggers of 012, a referral engaged by its first note, a
-- certification's status, a participant merged away. One trigger per table sets it when the
-- row really changed; an UPDATE that changes nothing (a PATCH that changes nothing does not
-- write at all) leaves it, and version, alone. version stays the client's: it moves only
-- where the handlers move it, so a change the server makes never fails a client's If-Match.
-- Named to run after the tables' other BEFORE UPDATE triggers (alphabetical order), which
-- already allow updated_at to change on signed notes, consents and assessments.
-- The trigger's arguments name the table's generated columns: a BEFORE trigger sees them
-- unset in NEW, so they are left out of the comparison.
CREATE FUNCTION peerd_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    generated text[] := coalesce(TG_ARGV, '{}'); -- NULL, not empty, without arguments
BEGIN
    IF to_jsonb(NEW) - generated IS DISTINCT FROM to_jsonb(OLD) - generated THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

DO $$
DECLARE
    name text;
    generated text;
BEGIN
    FOREACH name IN ARRAY ARRAY['assessments', 'authorizations', 'certifications', 'consents',
                                'continuing_education', 'coverages', 'episodes',
                                'goal_progress', 'goals', 'group_sessions', 'organizations',
                                'participants', 'plans', 'referrals', 'session_notes',
                                'specialists'] LOOP
        SELECT string_agg(quote_literal(attname), ', ') INTO generated FROM pg_attribute
        WHERE attrelid = name::regclass AND attgenerated <> '' AND NOT attisdropped;
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW'
                       ' EXECUTE FUNCTION peerd_touch_updated_at(%s)',
                       'zz_' || name || '_touch_updated_at', name, coalesce(generated, ''));
    END LOOP;
END
$$;

-- A sync reads a scope's rows from updated_since on in (updated_at, id) order: these serve
-- it on the big tables, as the created_at indexes serve the newest-first pages.
CREATE INDEX participants_by_change ON participants (organization_id, updated_at, id);
CREATE INDEX referrals_by_change ON referrals (provider_organization_id, updated_at, id);
CREATE INDEX referrals_by_referrer_change ON referrals (referring_organization_id, updated_at, id);
CREATE INDEX goals_by_change ON goals (participant_id, updated_at, id);
CREATE INDEX session_notes_by_change ON session_notes (organization_id, updated_at, id);
