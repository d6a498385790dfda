-- One person, one record (API.md "Participants: one person, one record"): intake reuses
-- the provider's participant with the same case-folded names and birth date, a
-- supervisor merges a duplicate into the record that stays, and a merged participant
-- keeps reading but is never written again.

ALTER TABLE participants
    ADD COLUMN merged_into uuid,
    ADD CONSTRAINT participants_merged_into_other CHECK (merged_into <> id),
    -- Only into a participant of the same organization.
    ADD CONSTRAINT participants_merged_into_fkey FOREIGN KEY (merged_into, organization_id)
        REFERENCES participants (id, organization_id);

-- Intake's exact match and possible-duplicates' birth date and family name.
CREATE INDEX participants_by_person ON participants
    (organization_id, birth_date, lower(family_name)) WHERE merged_into IS NULL;

-- The person intake serves: the provider's participant (not merged away) with the same
-- case-folded given and family names and birth date, locked, or NULL (then the intake
-- makes one). Without a birth date nothing matches. A transaction-scoped advisory lock
-- on the person's key comes first, so two intakes of one new person at once run one
-- after the other and the second finds the first's participant (READ COMMITTED: the
-- select after the lock sees what the first committed). A unique index cannot do it:
-- a supervisor may knowingly record two people with one name and birth date, and
-- older records may already repeat. SECURITY DEFINER because a partner's scope cannot
-- see the provider's people; it answers only the server, which never shows the partner
-- whether the person was found. The row lock (FOR UPDATE: the transaction's own xmax)
-- is what peerd_intake_part2_consent accepts as "this intake's participant", and keeps
-- a merge from taking the person away mid-intake.
CREATE FUNCTION peerd_intake_participant(provider uuid, given text, family text, born date)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
DECLARE
    found uuid;
BEGIN
    IF born IS NULL OR given IS NULL OR family IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(
        concat_ws(':', 'peerd.intake', provider, lower(given), lower(family), born), 0));
    SELECT p.id INTO found FROM participants p
    WHERE p.organization_id = provider AND p.merged_into IS NULL AND p.birth_date = born
      AND lower(p.family_name) = lower(family) AND lower(p.given_name) = lower(given)
    ORDER BY p.created_at, p.id
    LIMIT 1
    FOR UPDATE;
    RETURN found;
END
$$;

-- As sql/027's, for a participant this transaction made or, reused at intake, locked
-- (peerd_intake_participant: xmax is this transaction's), never one merged away.
CREATE OR REPLACE FUNCTION peerd_intake_part2_consent(participant uuid, provider uuid,
                                                      signed_on date, created_by text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
DECLARE
    recipient uuid := peerd_scope_organization();
    signed date := coalesce(signed_on, peerd_organization_today(provider));
    current_xid text := (txid_current() % 4294967296)::text;
    made uuid;
BEGIN
    IF recipient IS NULL OR NOT EXISTS (
        SELECT FROM participants p
        WHERE p.id = participant AND p.organization_id = provider AND p.merged_into IS NULL
          AND (p.xmin::text = current_xid OR p.xmax::text = current_xid)) THEN
        RAISE EXCEPTION 'an intake consent is made only with the intake of its participant'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO consents (organization_id, participant_id, kind, recipients, purpose,
                          information, signed_on, signed_by, expires_on, created_by)
    VALUES (provider, participant, 'part2',
            jsonb_build_array(jsonb_build_object('organization_id', recipient::text)),
            'Disclosure of the referral''s status to the organization that made it, so that '
            'it can follow the referral it made (consent given at referral, 42 CFR Part 2).',
            '{referral_status}', signed, 'participant', (signed + interval '1 year')::date,
            created_by)
    RETURNING id INTO made;
    RETURN made;
END
$$;

-- Whether a trigger's row change is a merge's move (op, the old and new rows as jsonb):
-- an UPDATE that changes participant_id from a participant merged into the new one and
-- nothing else (but version and updated_at), or the DELETE of a group attendance of the
-- merged participant at a session the surviving one attended too (one person attends
-- once). The guarded triggers below let exactly that through, so signed, closed and
-- revoke-only rows move with their person and stay otherwise as they were. No setting
-- a client could send opens it: the participant must already be merged into the target.
CREATE FUNCTION peerd_merge_moves(op text, old_row jsonb, new_row jsonb)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = public, pg_catalog
AS $$
    SELECT CASE
        WHEN old_row->>'participant_id' IS NULL THEN false
        WHEN op = 'UPDATE' THEN
            (new_row->>'participant_id') IS DISTINCT FROM (old_row->>'participant_id')
            AND (new_row - '{participant_id,version,updated_at}'::text[])
                = (old_row - '{participant_id,version,updated_at}'::text[])
            AND EXISTS (SELECT FROM participants p
                        WHERE p.id = (old_row->>'participant_id')::uuid
                          AND p.merged_into = (new_row->>'participant_id')::uuid)
        WHEN op = 'DELETE' AND old_row ? 'group_session_id' THEN
            EXISTS (SELECT FROM participants p
                    JOIN group_session_attendance a ON a.participant_id = p.merged_into
                    WHERE p.id = (old_row->>'participant_id')::uuid
                      AND a.group_session_id = (old_row->>'group_session_id')::uuid)
        ELSE false
    END
$$;

CREATE OR REPLACE FUNCTION public.assessments_void_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept text[] := ARRAY['voided_at', 'void_reason', 'voided_by', 'version', 'updated_at',
                         'score'];
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an assessment is never deleted: void it'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_void_only';
    END IF;
    IF OLD.voided_at IS NOT NULL THEN
        RAISE EXCEPTION 'the assessment is already voided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_voided_once';
    END IF;
    IF NEW.voided_at IS NULL OR (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept) THEN
        RAISE EXCEPTION 'an assessment is never changed, only voided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessments_void_only';
    END IF;
    RETURN NEW;
END
$function$;

CREATE OR REPLACE FUNCTION public.authorizations_cover_billed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    used integer;
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an authorization is never deleted'
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_never_deleted';
    END IF;
    used := peerd_authorization_units_used(NEW.id);
    IF NEW.units_authorized < used THEN
        RAISE EXCEPTION '% units were already billed under the authorization', used
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_cover_units_used';
    END IF;
    IF EXISTS (SELECT 1 FROM session_notes WHERE billing_authorization_id = NEW.id
               AND billing_day NOT BETWEEN NEW.starts_on AND NEW.ends_on) THEN
        RAISE EXCEPTION 'notes were billed under the authorization outside those dates'
            USING ERRCODE = 'check_violation', TABLE = 'authorizations',
                  CONSTRAINT = 'authorizations_cover_billed_days';
    END IF;
    RETURN NEW;
END
$function$;

CREATE OR REPLACE FUNCTION public.consents_revoke_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept text[] := ARRAY['revoked_on', 'revocation_reason', 'revoked_by', 'revoked_at',
                         'version', 'updated_at'];
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a consent is never deleted: revoke it'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoke_only';
    END IF;
    IF OLD.revoked_on IS NOT NULL THEN
        RAISE EXCEPTION 'the consent is already revoked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoked_once';
    END IF;
    IF NEW.revoked_on IS NULL OR (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept) THEN
        RAISE EXCEPTION 'a consent is never changed after it is made, only revoked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_revoke_only';
    END IF;
    RETURN NEW;
END
$function$;

CREATE OR REPLACE FUNCTION public.episodes_keep_closed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.ended_on IS NOT NULL THEN
        RAISE EXCEPTION 'a closed episode never changes'
            USING ERRCODE = 'check_violation', TABLE = 'episodes',
                  CONSTRAINT = 'episodes_keep_closed';
    END IF;
    RETURN NEW;
END
$function$;

CREATE OR REPLACE FUNCTION public.group_session_parts_keep_closed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    session uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.group_session_id
                               ELSE NEW.group_session_id END;
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF (SELECT status FROM group_sessions WHERE id = session) <> 'draft'
       OR (TG_OP = 'UPDATE' AND OLD.group_session_id <> NEW.group_session_id
           AND (SELECT status FROM group_sessions WHERE id = OLD.group_session_id) <> 'draft') THEN
        RAISE EXCEPTION 'a signed or cancelled group session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$function$;

CREATE OR REPLACE FUNCTION public.plan_goals_keep_signed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF (TG_OP <> 'INSERT'
        AND (SELECT status FROM plans WHERE id = OLD.plan_id) <> 'draft')
       OR (TG_OP <> 'DELETE'
           AND (SELECT status FROM plans WHERE id = NEW.plan_id) <> 'draft') THEN
        RAISE EXCEPTION 'a signed plan cannot change; revise it with a new plan'
            USING ERRCODE = 'check_violation', TABLE = 'plan_goals',
                  CONSTRAINT = 'plans_keep_signed';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$function$;

CREATE OR REPLACE FUNCTION public.plans_keep_signed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'active' AND NEW.status = 'superseded'
       AND (NEW.id, NEW.organization_id, NEW.participant_id, NEW.kind, NEW.sections,
            NEW.revises, NEW.participant_signed_on, NEW.staff_signed_by, NEW.staff_signed_at,
            NEW.next_review_on, NEW.created_by, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.organization_id, OLD.participant_id, OLD.kind, OLD.sections,
            OLD.revises, OLD.participant_signed_on, OLD.staff_signed_by, OLD.staff_signed_at,
            OLD.next_review_on, OLD.created_by, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a signed plan cannot change; revise it with a new plan'
        USING ERRCODE = 'check_violation', TABLE = 'plans', CONSTRAINT = 'plans_keep_signed';
END
$function$;

CREATE OR REPLACE FUNCTION public.session_notes_keep_signed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept text[] := ARRAY['cosigned_by', 'cosigned_at', 'version', 'updated_at'];
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'a signed session note cannot be deleted'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'signed' AND (
        (to_jsonb(NEW) - kept) IS DISTINCT FROM (to_jsonb(OLD) - kept)
        OR (OLD.cosigned_by IS NOT NULL
            AND (NEW.cosigned_by, NEW.cosigned_at) IS DISTINCT FROM
                (OLD.cosigned_by, OLD.cosigned_at))) THEN
        RAISE EXCEPTION 'a signed session note cannot change; add an addendum'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$function$;

CREATE OR REPLACE FUNCTION public.session_notes_occurred_in_bounds()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    since timestamptz;
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.occurred_at, NEW.participant_id)
                            IS NOT DISTINCT FROM (OLD.occurred_at, OLD.participant_id) THEN
        RETURN NEW;
    END IF;
    since := peerd_participant_since(NEW.participant_id);
    IF NEW.occurred_at < since THEN
        RAISE EXCEPTION 'a session note cannot have occurred before its participant was '
                        'first referred or registered (%)', since
            USING ERRCODE = 'check_violation', TABLE = 'session_notes',
                  COLUMN = 'occurred_at', CONSTRAINT = 'session_notes_occurred_at_bounds';
    END IF;
    IF NEW.occurred_at > clock_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION 'a session note cannot have occurred in the future'
            USING ERRCODE = 'check_violation', TABLE = 'session_notes',
                  COLUMN = 'occurred_at', CONSTRAINT = 'session_notes_occurred_at_bounds';
    END IF;
    RETURN NEW;
END
$function$;


-- A merged participant reads but is never written again: nothing new under it, and
-- the row itself stays as the merge left it. SQLSTATE 55M01 (object not in prerequisite
-- state) is answered 409 (service/db_result.c). SECURITY DEFINER so a partner's intake,
-- whose scope cannot see the person, is checked too.
CREATE FUNCTION peerd_participant_not_merged()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    IF TG_TABLE_NAME = 'participants' THEN
        IF OLD.merged_into IS NOT NULL THEN
            RAISE EXCEPTION 'participant % was merged into %', OLD.id, OLD.merged_into
                USING ERRCODE = '55M01';
        END IF;
    ELSIF EXISTS (SELECT FROM participants p
                  WHERE p.id = NEW.participant_id AND p.merged_into IS NOT NULL) THEN
        RAISE EXCEPTION 'participant % was merged into another', NEW.participant_id
            USING ERRCODE = '55M01';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER participants_not_merged BEFORE UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER referrals_not_merged BEFORE INSERT OR UPDATE ON referrals
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER goals_not_merged BEFORE INSERT OR UPDATE ON goals
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER group_session_attendance_not_merged BEFORE INSERT OR UPDATE
    ON group_session_attendance
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER consents_not_merged BEFORE INSERT OR UPDATE ON consents
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER plans_not_merged BEFORE INSERT OR UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER plan_goals_not_merged BEFORE INSERT OR UPDATE ON plan_goals
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER session_notes_not_merged BEFORE INSERT OR UPDATE ON session_notes
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER episodes_not_merged BEFORE INSERT OR UPDATE ON episodes
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER assessments_not_merged BEFORE INSERT OR UPDATE ON assessments
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER coverages_not_merged BEFORE INSERT OR UPDATE ON coverages
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();
CREATE TRIGGER authorizations_not_merged BEFORE INSERT OR UPDATE ON authorizations
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();

-- The foreign keys that pair a record with its participant's other records: a merge
-- moves both sides in one transaction, one table after another, so they are checked
-- once all have moved (peerd_merge_participant), as every other writer still has them
-- checked at once (INITIALLY IMMEDIATE).
ALTER TABLE session_notes ALTER CONSTRAINT session_notes_authorization_fkey
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE plans ALTER CONSTRAINT plans_revises_same_participant_and_kind
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE plan_goals ALTER CONSTRAINT plan_goals_plan_id_participant_id_organization_id_fkey
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE plan_goals ALTER CONSTRAINT plan_goals_goal_of_participant
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE assessments ALTER CONSTRAINT assessments_episode_fkey
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE authorizations ALTER CONSTRAINT authorizations_coverage_fkey
    DEFERRABLE INITIALLY IMMEDIATE;

-- Merges duplicate into survivor in the caller's transaction and scope (row-level
-- security applies: SECURITY INVOKER): 'merged', or why not and nothing changed:
-- 'missing' (either not seen, or of other organizations), 'merged_already' (either
-- merged away), 'open_episodes' (both have an open episode of one program: close one
-- first). Every record of the duplicate moves to survivor, signed ones unchanged but for
-- participant_id (peerd_merge_moves); an active plan of a kind survivor also has active
-- is superseded first (one active plan per kind); an attendance at a group session both
-- attended is dropped, survivor's kept (one person attends once; the survivor's row is
-- the one its notes and billing already count).
CREATE FUNCTION peerd_merge_participant(survivor uuid, duplicate uuid)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = public, pg_catalog
AS $$
BEGIN
    -- Both locked, in id order so two merges of one pair cannot deadlock.
    PERFORM FROM participants WHERE id IN (survivor, duplicate) ORDER BY id FOR UPDATE;
    IF (SELECT count(DISTINCT organization_id) FILTER (WHERE TRUE) FROM participants
        WHERE id IN (survivor, duplicate)) <> 1
       OR (SELECT count(*) FROM participants WHERE id IN (survivor, duplicate)) <> 2 THEN
        RETURN 'missing';
    END IF;
    IF EXISTS (SELECT FROM participants WHERE id IN (survivor, duplicate)
               AND merged_into IS NOT NULL) THEN
        RETURN 'merged_already';
    END IF;
    IF EXISTS (SELECT FROM episodes d JOIN episodes s ON s.program = d.program
               WHERE d.participant_id = duplicate AND s.participant_id = survivor
                 AND d.ended_on IS NULL AND s.ended_on IS NULL) THEN
        RETURN 'open_episodes';
    END IF;
    SET CONSTRAINTS session_notes_authorization_fkey, plans_revises_same_participant_and_kind,
        plan_goals_plan_id_participant_id_organization_id_fkey, plan_goals_goal_of_participant,
        assessments_episode_fkey, authorizations_coverage_fkey DEFERRED;
    -- Before the duplicate is marked merged: from then on nothing under it is written
    -- but the moves.
    UPDATE plans SET status = 'superseded', version = version + 1, updated_at = now()
    WHERE participant_id = duplicate AND status = 'active'
      AND kind IN (SELECT kind FROM plans WHERE participant_id = survivor AND status = 'active');
    UPDATE participants SET merged_into = survivor, version = version + 1, updated_at = now()
    WHERE id = duplicate;
    DELETE FROM group_session_attendance d
    WHERE d.participant_id = duplicate
      AND EXISTS (SELECT FROM group_session_attendance s
                  WHERE s.participant_id = survivor AND s.group_session_id = d.group_session_id);
    UPDATE referrals SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE goals SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE consents SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE plans SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE plan_goals SET participant_id = survivor WHERE participant_id = duplicate;
    UPDATE episodes SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE assessments SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE coverages SET participant_id = survivor, version = version + 1, updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE authorizations SET participant_id = survivor, version = version + 1,
        updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE session_notes SET participant_id = survivor, version = version + 1,
        updated_at = now()
    WHERE participant_id = duplicate;
    UPDATE group_session_attendance SET participant_id = survivor
    WHERE participant_id = duplicate;
    UPDATE participants SET version = version + 1, updated_at = now() WHERE id = survivor;
    -- Checked here, not at commit: a broken pair fails the merge, not the COMMIT.
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN 'merged';
END
$$;

-- A merge is its own audited action (API.md "Audit"), recorded for both participants.
ALTER TYPE audit_action ADD VALUE 'merge';
