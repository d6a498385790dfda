-- When a session note may have occurred, and what counts as a referral's first contact.
--
-- A note dated before its participant came to the program set the referral's
-- first_contact_at before its submission, and the summary's median days to first contact
-- went negative; a note dated 2019 for someone referred this year was accepted. Now:
--   * a note's occurred_at is no earlier than the participant's first record with the
--     program: the submission of their first referral or, for someone a supervisor
--     registered without one (a walk-in), their registration, whichever came first;
--   * and no later than five minutes from now (clocks drift; api/session_notes.c refuses
--     the same with the same margin);
--   * a note is a referral's first contact only if it occurred at or after that
--     referral's submission, so a participant referred twice keeps a note between the two
--     submissions off the second referral (api/session_note_create.c), and referrals
--     refuses a first_contact_at before submitted_at outright.
-- The API speaks whole seconds (peerd_timestamp), so the bounds are whole seconds too: a
-- client that copies a referral's submitted_at into occurred_at is not refused for the
-- microseconds it never saw.

-- at, cut to the whole second; IMMUTABLE (in UTC), so a CHECK may use it.
CREATE FUNCTION peerd_whole_second(at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT date_trunc('second', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$;

-- The earliest moment a note of participant may have occurred: their registration or the
-- submission of their first referral, whichever came first; NULL for no such participant.
-- SECURITY DEFINER: the bound is a fact of the data, not of what the writer's scope shows
-- (a referral the writer's policies hide still counts); it reveals a time, never a row.
CREATE FUNCTION peerd_participant_since(participant uuid) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    RETURN (SELECT peerd_whole_second(least(p.created_at,
                                            (SELECT min(r.submitted_at) FROM referrals r
                                             WHERE r.participant_id = p.id)))
            FROM participants p WHERE p.id = participant);
END
$$;

-- The handlers refuse first, naming occurred_at (api/session_notes.c); this holds against
-- any other writer. Only a new or moved occurred_at is checked: a draft written before
-- this rule can still be edited and signed as it stands.
CREATE FUNCTION session_notes_occurred_in_bounds() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
BEGIN
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
$$;

CREATE TRIGGER session_notes_occurred_in_bounds
BEFORE INSERT OR UPDATE OF occurred_at, participant_id ON session_notes
FOR EACH ROW EXECUTE FUNCTION session_notes_occurred_in_bounds();

-- Referrals whose first contact came before their submission: the earliest note of the
-- participant at or after the submission is the first contact, or none yet. Notes
-- themselves are left as they are: signed ones are records Medicaid audits.
UPDATE referrals r
SET first_contact_at = (SELECT min(n.occurred_at) FROM session_notes n
                        WHERE n.participant_id = r.participant_id
                          AND n.occurred_at >= peerd_whole_second(r.submitted_at)),
    version = r.version + 1, updated_at = now()
WHERE r.first_contact_at < peerd_whole_second(r.submitted_at);

ALTER TABLE referrals ADD CONSTRAINT referrals_first_contact_after_submission
    CHECK (first_contact_at >= peerd_whole_second(submitted_at));
