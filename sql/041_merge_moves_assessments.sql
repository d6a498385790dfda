-- A merge moves a participant's assessments too (sql/038), but assessments_void_only
-- compared the whole row to let the move through, and score is a stored generated
-- column: NULL in NEW in a BEFORE trigger, so every merge of a participant with an
-- assessment failed as a change to a signed record. Compared without it now, as the
-- void path already does.
CREATE OR REPLACE FUNCTION public.assessments_void_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept text[] := ARRAY['voided_at', 'void_reason', 'voided_by', 'version', 'updated_at',
                         'score'];
BEGIN
    -- A merge moves the row to the surviving participant, unchanged otherwise (sql/038).
    -- score is generated: NULL in NEW before the row is written, so not compared.
    IF peerd_merge_moves(TG_OP, to_jsonb(OLD) - 'score', to_jsonb(NEW) - 'score') THEN
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
