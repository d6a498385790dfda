-- The merge guards of sql/038 made every note 1.3-1.6 ms slower in PostgreSQL (EXPLAIN
-- ANALYZE of the draft note's INSERT, trigger session_notes_occurred_in_bounds, warm
-- session): peerd_merge_moves was a SQL function with a SET clause, so it is never
-- inlined and its query was parsed and planned again in every transaction that called
-- it, on INSERT too, where no merge ever moves a row. As PL/pgSQL its statements keep
-- their plans for the session, and an INSERT answers before any of them runs. The
-- answer is the same for every op and row as before.
CREATE OR REPLACE FUNCTION peerd_merge_moves(op text, old_row jsonb, new_row jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = public, pg_catalog
AS $$
BEGIN
    IF old_row->>'participant_id' IS NULL THEN
        RETURN false;
    END IF;
    IF op = 'UPDATE' THEN
        RETURN (new_row->>'participant_id') IS DISTINCT FROM (old_row->>'participant_id')
            AND (new_row - '{participant_id,version,updated_at}'::text[])
                = (old_row - '{participant_id,version,updated_at}'::text[])
            AND EXISTS (SELECT FROM participants p
                        WHERE p.id = (old_row->>'participant_id')::uuid
                          AND p.merged_into = (new_row->>'participant_id')::uuid);
    END IF;
    IF op = 'DELETE' AND old_row ? 'group_session_id' THEN
        RETURN EXISTS (SELECT FROM participants p
                       JOIN group_session_attendance a ON a.participant_id = p.merged_into
                       WHERE p.id = (old_row->>'participant_id')::uuid
                         AND a.group_session_id = (old_row->>'group_session_id')::uuid);
    END IF;
    RETURN false;
END
$$;

-- The draft note's other triggers, each a PL/pgSQL call per insert whose answer the row
-- alone decides (pg_stat_user_functions over a run of draft notes): a note without an
-- authorization is never checked against one, so the trigger does not fire for it; the
-- merge's move is an UPDATE, so an INSERT does not ask about it.
DROP TRIGGER session_notes_within_authorization ON session_notes;
CREATE TRIGGER session_notes_within_authorization
BEFORE INSERT OR UPDATE OF billing_authorization_id ON session_notes
FOR EACH ROW WHEN (NEW.billing_authorization_id IS NOT NULL)
EXECUTE FUNCTION session_notes_within_authorization();

CREATE OR REPLACE FUNCTION public.session_notes_occurred_in_bounds()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    since timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.occurred_at, NEW.participant_id)
           IS NOT DISTINCT FROM (OLD.occurred_at, OLD.participant_id) THEN
            RETURN NEW;
        END IF;
        -- A merge moves the row to the surviving participant, unchanged otherwise
        -- (sql/038).
        IF peerd_merge_moves(TG_OP, to_jsonb(OLD), to_jsonb(NEW)) THEN
            RETURN NEW;
        END IF;
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

-- A new referral counts in a caseload only when it arrives assigned (never at intake):
-- the INSERT's trigger fires for that row alone; UPDATE and DELETE as before.
DROP TRIGGER referrals_keep_caseload ON referrals;
CREATE TRIGGER referrals_keep_caseload
AFTER UPDATE OF status, assigned_specialist_id OR DELETE ON referrals
FOR EACH ROW EXECUTE FUNCTION referrals_keep_caseload();
CREATE TRIGGER referrals_keep_caseload_new
AFTER INSERT ON referrals
FOR EACH ROW WHEN (NEW.status IN ('assigned', 'engaged'))
EXECUTE FUNCTION referrals_keep_caseload();

-- A referral's events were made whole (payload, partner and consent gate) before
-- peerd_webhook_emit found that no subscription takes them: on this bench's intake 224 us
-- a referral in the two functions (pg_stat_user_functions, loaded machine). Whether any
-- active subscription of the provider or of the referrer takes the type is asked first,
-- in the same transaction: every organization emit could deliver to is one of those two,
-- so an event a subscriber would receive is still written with the change (API.md
-- "Subscriptions": the outbox), and the rest is unchanged. SECURITY DEFINER as emit: a
-- partner's scope does not see the provider's subscriptions.
CREATE FUNCTION peerd_webhook_wanted(organization uuid, type webhook_event_type,
                                     referrer uuid)
RETURNS boolean
LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM subscriptions s
                   WHERE s.active AND type = ANY (s.events)
                     AND (s.organization_id = organization OR s.organization_id = referrer));
END
$$;

CREATE OR REPLACE FUNCTION referrals_webhook_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    IF NOT peerd_webhook_wanted(NEW.provider_organization_id, 'referral.status_changed',
                                NEW.referring_organization_id) THEN
        RETURN NULL;
    END IF;
    PERFORM peerd_webhook_emit(NEW.provider_organization_id, 'referral.status_changed', NEW.id,
        jsonb_build_object('referral_id', NEW.id, 'external_id', NEW.external_id,
                           'status', NEW.status,
                           'previous_status', CASE TG_OP WHEN 'UPDATE' THEN OLD.status END,
                           'at', peerd_timestamp(CASE TG_OP WHEN 'INSERT' THEN NEW.submitted_at
                                                 ELSE now() END))
        || CASE WHEN NEW.substance_use
                THEN jsonb_build_object('redisclosure_notice', peerd_redisclosure_notice())
                ELSE '{}'::jsonb END);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION referrals_webhook_assigned() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    IF NOT peerd_webhook_wanted(NEW.provider_organization_id, 'referral.assigned', NULL) THEN
        RETURN NULL;
    END IF;
    PERFORM peerd_webhook_emit(NEW.provider_organization_id, 'referral.assigned', NEW.id,
        jsonb_build_object('referral_id', NEW.id, 'specialist_id', NEW.assigned_specialist_id,
                           'at', peerd_timestamp(now())));
    RETURN NULL;
END
$$;

-- Three helpers of CHECK constraints and of the intake's INSERT were SQL functions with an
-- aggregate, so never inlined: their query was parsed and planned again in every
-- statement that wrote a participant, a referral or a specialist (55-100 us each a call,
-- pg_stat_user_functions, intake run, loaded machine). As PL/pgSQL the same query keeps
-- its plan for the session; the answers are the same, NULLs included.
CREATE OR REPLACE FUNCTION peerd_language_tags_are_valid(tags text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN (SELECT coalesce(bool_and(char_length(tag) <= 35
                                     AND tag ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'), true)
                   AND count(*) = count(DISTINCT lower(tag))
            FROM unnest(tags) AS tag);
END
$$;

CREATE OR REPLACE FUNCTION peerd_text_array(items json)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(item ORDER BY ordinality), '{}')
            FROM json_array_elements_text(items) WITH ORDINALITY AS element(item, ordinality));
END
$$;

CREATE OR REPLACE FUNCTION peerd_items_are_distinct(items anyarray)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN (SELECT count(*) = count(DISTINCT item) FROM unnest(items) AS item);
END
$$;
