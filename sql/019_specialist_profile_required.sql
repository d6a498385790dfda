-- A specialist token whose subject has no profile in its organization passed the guard
-- (016): its lists came back empty and its other requests failed one by one with 403 or
-- 404, so whoever held it could not tell a wrong token (a mistyped sub, another
-- organization's org) from an empty caseload. Now the guard refuses it too, before the
-- request's first statement runs, with a code of its own that peerd answers 403 ("ask a
-- supervisor to create it"). A deactivated profile keeps 28000, which peerd answers 401.
--
-- 28Q01: class 28 is "invalid authorization specification"; the SQL standard leaves
-- subclasses from I to Z to the implementation, and PostgreSQL's own begin with P, so a
-- Q subclass is peerd's without colliding with theirs.
CREATE OR REPLACE FUNCTION peerd_specialist_in_force(subject text, organization uuid)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    in_force boolean;
BEGIN
    SELECT s.active INTO in_force FROM specialists s
     WHERE s.subject = peerd_specialist_in_force.subject AND s.organization_id = organization;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no specialist profile has this subject in this organization'
            USING ERRCODE = '28Q01';
    END IF;
    IF NOT in_force THEN
        RAISE EXCEPTION 'this specialist''s profile is deactivated'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
END
$$;
