-- A draft note's INSERT fired two row triggers that each read the participant through
-- a SECURITY DEFINER function: session_notes_not_merged (sql/038) for merged_into and
-- session_notes_occurred_in_bounds (sql/020, 044) for the earliest time a note may have.
-- Together 62-66 us an INSERT (EXPLAIN ANALYZE, 50 warm inserts in one session, three
-- runs), one read 43-49 us. On
-- INSERT one read now answers both, in the order they were asked: a merged participant
-- first (55M01, as before), then the bounds. An UPDATE keeps both triggers as they were.
CREATE FUNCTION peerd_participant_unmerged_since(participant uuid)
RETURNS timestamptz
LANGUAGE plpgsql
STABLE STRICT SECURITY DEFINER
SET search_path = public, pg_catalog
AS $$
DECLARE
    merged uuid;
    since timestamptz;
BEGIN
    SELECT p.merged_into,
           peerd_whole_second(least(p.created_at, (SELECT min(r.submitted_at)
                                                   FROM referrals r
                                                   WHERE r.participant_id = p.id)))
      INTO merged, since
      FROM participants p WHERE p.id = participant;
    IF merged IS NOT NULL THEN
        RAISE EXCEPTION 'participant % was merged into another', participant
            USING ERRCODE = '55M01';
    END IF;
    RETURN since;
END
$$;

DROP TRIGGER session_notes_not_merged ON session_notes;
CREATE TRIGGER session_notes_not_merged BEFORE UPDATE ON session_notes
    FOR EACH ROW EXECUTE FUNCTION peerd_participant_not_merged();

CREATE OR REPLACE FUNCTION session_notes_occurred_in_bounds()
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
        since := peerd_participant_since(NEW.participant_id);
    ELSE
        -- Nothing new under a merged participant (sql/038), asked with the bounds.
        since := peerd_participant_unmerged_since(NEW.participant_id);
    END IF;
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
