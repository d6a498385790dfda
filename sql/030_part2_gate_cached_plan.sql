-- The gate (sql/027's peerd_part2_consent_for) as PL/pgSQL, for the reason sql/011 gives:
-- a LANGUAGE sql body with a FROM, or a SECURITY DEFINER one, is parsed and planned afresh
-- in every statement that calls it, and a partner's read of a substance use referral
-- calls it from the visibility rule, the row-level-security policy and the audit of the
-- disclosure. Measured on one referral read by its partner (wrk, 8 connections, release
-- build): 1,500 requests a second under the gate against 6,000 for a referral outside it.
-- PL/pgSQL keeps the statement's plan for the session; the meaning is unchanged, and each
-- call still reads the consents as they are, so a revocation closes the gate for the next
-- statement.
CREATE OR REPLACE FUNCTION peerd_part2_consent_for(participant uuid, recipient uuid) RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = public, pg_catalog
AS $$
BEGIN
    RETURN (SELECT c.id FROM consents c
            WHERE c.participant_id = participant AND c.kind = 'part2'
              AND c.information && '{referral_status,all}'::consent_information[]
              AND c.recipients @> jsonb_build_array(jsonb_build_object('organization_id',
                                                                       recipient::text))
              AND peerd_consent_status(c.revoked_on, c.expires_on, c.organization_id) = 'active'
            ORDER BY c.signed_on DESC, c.created_at DESC, c.id
            LIMIT 1);
END
$$;
