-- A deactivated specialist's token stops at once (API.md). peerd asked with a statement
-- of its own before each of a specialist's requests: a round trip every time. Now the
-- check travels in the same pipeline as the request's first statement and, when the
-- profile is deactivated, fails it: the statements after it in the pipeline do not run,
-- and their transaction rolls back, so nothing is read or written on such a token.
-- SQLSTATE 28000 (invalid authorization specification) is what peerd answers 401 for.
-- A subject with no profile passes, as before: it is not a deactivated one.
CREATE FUNCTION peerd_specialist_in_force(subject text, organization uuid) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM specialists s
               WHERE s.subject = peerd_specialist_in_force.subject
                 AND s.organization_id = organization AND NOT s.active) THEN
        RAISE EXCEPTION 'this specialist''s profile is deactivated'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
END
$$;

GRANT EXECUTE ON FUNCTION peerd_specialist_in_force(text, uuid) TO peerd_service;
