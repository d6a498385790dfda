-- PostgreSQL parses and plans the body of a LANGUAGE sql function afresh in every
-- statement that calls it, unless it can inline it, and it cannot inline a body with a
-- FROM or a sub-select, nor a SECURITY DEFINER one. Every profile read called three such
-- functions: perf showed PostgreSQL spending its time in the parser and the planner, and
-- GET /v1/specialists/{id} answered 1,000 requests a second where a one-row read should
-- answer tens of thousands. PL/pgSQL keeps each statement's plan for the session, so the
-- same bodies, unchanged in meaning, now cost a lookup.

CREATE OR REPLACE FUNCTION peerd_organization_day(organization uuid, at timestamptz) RETURNS date
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    RETURN (SELECT (at AT TIME ZONE o.time_zone)::date FROM organizations o
            WHERE o.id = organization);
END
$$;

CREATE OR REPLACE FUNCTION peerd_certified_on(specialist uuid, day date) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM certifications c
                   WHERE c.specialist_id = specialist AND c.status = 'active'
                     AND c.issued_on <= day AND c.expires_on >= day);
END
$$;

-- Still SECURITY DEFINER (sql/010): a count, never a row, without the referrals' policy.
CREATE OR REPLACE FUNCTION peerd_specialist_caseload(specialist uuid) RETURNS integer
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    RETURN (SELECT count(*)::integer FROM referrals r
            WHERE r.assigned_specialist_id = specialist AND r.status IN ('assigned', 'engaged'));
END
$$;

CREATE OR REPLACE FUNCTION peerd_participant_visible(participant uuid, org uuid,
                                                     specialist_subject text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM participants p
                   WHERE p.id = participant AND (org IS NULL OR p.organization_id = org))
       AND (specialist_subject IS NULL OR EXISTS (
               SELECT 1 FROM referrals r JOIN specialists s ON s.id = r.assigned_specialist_id
               WHERE r.participant_id = participant AND s.subject = specialist_subject
                 AND s.organization_id = org AND r.status IN ('assigned', 'engaged')));
END
$$;

-- And these two were declared IMMUTABLE over bodies that are only STABLE (epoch of a
-- timestamptz, interval arithmetic on one), which stops PostgreSQL from inlining them:
-- every read that returns a record's sort position parsed this body again. Declared for
-- what they are, they are inlined into each statement's plan.
CREATE OR REPLACE FUNCTION peerd_position(at timestamptz) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM at) * 1000000)::bigint $$;

CREATE OR REPLACE FUNCTION peerd_from_position(micros bigint) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT 'epoch'::timestamptz + micros * interval '1 microsecond' $$;
