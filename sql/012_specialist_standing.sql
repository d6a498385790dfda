-- A profile's caseload and certified were computed on every read: a count of the
-- specialist's open referrals and a search of their certifications, through functions.
-- That made GET /v1/specialists/{id} cost PostgreSQL twice a read of the row alone
-- (pgbench with the view's query: 10,100 reads/s; the row alone: 20,500). Both change
-- only when a referral or a certification does, so the specialist's row now keeps them,
-- kept true by triggers on those two tables:
--   caseload        the count of referrals assigned to them and still open;
--   certified_days  the days their active certifications cover, so that "certified"
--                   stays a question of the organization's today, asked at read time.
-- peerd_specialist_caseload and peerd_certified_on stay the definitions; these columns
-- hold their answers, and peerd_specialist_standing_drift() lists any specialist whose
-- columns disagree with them (none, unless someone wrote the tables with the triggers off).

ALTER TABLE specialists
    ADD COLUMN caseload integer NOT NULL DEFAULT 0 CHECK (caseload >= 0),
    ADD COLUMN certified_days datemultirange NOT NULL DEFAULT '{}';

-- The days a specialist's active certifications cover.
CREATE FUNCTION peerd_certified_days(specialist uuid) RETURNS datemultirange
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
    SELECT coalesce(range_agg(daterange(c.issued_on, c.expires_on, '[]')), '{}')
    FROM certifications c WHERE c.specialist_id = specialist AND c.status = 'active'
$$;

-- Recounts both for one specialist. SECURITY DEFINER: a partner withdrawing a referral
-- changes the caseload of a specialist in another organization, whose row its scope
-- cannot see. The row is locked first and counted in a statement after: an UPDATE that
-- waits for the lock keeps the snapshot it began with, so two closes of one specialist's
-- referrals at once each counted without the other's and left 1 where 0 was true
-- (tests/integration/test_specialist_standing.c). A statement begun after the lock sees
-- every transaction that held it.
CREATE FUNCTION peerd_specialist_standing_refresh(specialist uuid) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM FROM specialists WHERE id = specialist FOR NO KEY UPDATE;
    UPDATE specialists
    SET caseload = peerd_specialist_caseload(specialist),
        certified_days = peerd_certified_days(specialist)
    WHERE id = specialist;
END
$$;

-- A referral counts towards its specialist's caseload while assigned or engaged. Only a
-- change of that count touches the specialist's row (a note engaging a referral does
-- not), and it is counted again rather than incremented, so it cannot drift.
CREATE FUNCTION referrals_keep_caseload() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
DECLARE
    was uuid;
    now_counted uuid;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ('assigned', 'engaged') THEN
        was := OLD.assigned_specialist_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('assigned', 'engaged') THEN
        now_counted := NEW.assigned_specialist_id;
    END IF;
    IF was IS DISTINCT FROM now_counted THEN
        -- In id order, so that two reassignments between the same two specialists in
        -- opposite directions lock their rows in the same order.
        PERFORM peerd_specialist_standing_refresh(x.id)
        FROM (SELECT unnest(ARRAY[was, now_counted]) AS id) x
        WHERE x.id IS NOT NULL ORDER BY x.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER referrals_keep_caseload
AFTER INSERT OR UPDATE OF status, assigned_specialist_id OR DELETE ON referrals
FOR EACH ROW EXECUTE FUNCTION referrals_keep_caseload();

CREATE FUNCTION certifications_keep_certified_days() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM peerd_specialist_standing_refresh(OLD.specialist_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.specialist_id <> OLD.specialist_id) THEN
        PERFORM peerd_specialist_standing_refresh(NEW.specialist_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER certifications_keep_certified_days
AFTER INSERT OR UPDATE OF status, issued_on, expires_on, specialist_id OR DELETE
ON certifications
FOR EACH ROW EXECUTE FUNCTION certifications_keep_certified_days();

SELECT peerd_specialist_standing_refresh(id) FROM specialists;

-- Specialists whose kept caseload or certified days disagree with the definitions.
CREATE FUNCTION peerd_specialist_standing_drift()
RETURNS TABLE (specialist_id uuid, caseload integer, counted integer)
LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
    SELECT s.id, s.caseload, peerd_specialist_caseload(s.id) FROM specialists s
    WHERE s.caseload <> peerd_specialist_caseload(s.id)
       OR s.certified_days <> peerd_certified_days(s.id)
$$;

-- The same columns as before, read off the row. "Certified" is still asked of the
-- organization's today (peerd_organization_day), written out so that it is planned with
-- the statement instead of called per row. The zone comes from a sub-select, not a
-- join, so that SELECT ... FOR UPDATE of a profile locks the specialist alone.
CREATE OR REPLACE VIEW specialist_profiles WITH (security_invoker = true) AS
SELECT s.id, s.organization_id, s.subject, s.given_name, s.family_name, s.kind,
       s.lived_experience, s.languages, s.counties, s.specialties, s.bio, s.max_caseload,
       s.active, s.version, s.created_at, s.updated_at,
       s.caseload,
       today.certified,
       s.active AND today.certified AND s.caseload < s.max_caseload AS accepting
FROM specialists s
CROSS JOIN LATERAL (
    SELECT s.certified_days @> (now() AT TIME ZONE (SELECT o.time_zone FROM organizations o
                                                    WHERE o.id = s.organization_id))::date
           AS certified
) today;
