-- A void is the one change an assessment takes (031's assessments_void_only), but that
-- trigger refused every void: in a BEFORE trigger a generated column of NEW is not yet
-- computed (NULL), so the stored score always differed from OLD's. The score follows from
-- the answers, which are compared, so it is left out of the comparison.
CREATE OR REPLACE FUNCTION assessments_void_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept text[] := ARRAY['voided_at', 'void_reason', 'voided_by', 'version', 'updated_at',
                         'score'];
BEGIN
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
$$;
