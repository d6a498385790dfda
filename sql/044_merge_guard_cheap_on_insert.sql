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
