-- Referrals taken before sql/027 carry consent_part2 but no consent record, so the gate
-- would hide every one of them about substance use from the partner that sent it, even
-- where the person's consent is still in force. They get the consent intake makes now
-- (sql/027's peerd_intake_part2_consent): the referring organization as recipient for
-- referral_status, signed by the participant on consent_obtained_on (else the provider's
-- day of submission) and expiring a year later, so one given more than a year ago is
-- already expired, as Part 2 would have it.
--
-- A function, so that data loaded without the API (sql/seed_demo.sql, bench/seed.sql)
-- gets the same consents by the same rule. It makes only the ones missing: a referral
-- whose participant already has a part2 consent naming its referrer is left alone, so it
-- may run again. Run by the owner, which row-level security does not bound.
CREATE FUNCTION peerd_part2_consents_of_earlier_referrals() RETURNS integer
LANGUAGE sql VOLATILE
AS $$
    WITH made AS (
        INSERT INTO consents (organization_id, participant_id, kind, recipients, purpose,
                              information, signed_on, signed_by, expires_on, created_by,
                              created_at, updated_at)
        SELECT DISTINCT ON (r.participant_id, r.referring_organization_id)
               r.provider_organization_id, r.participant_id, 'part2',
               jsonb_build_array(jsonb_build_object('organization_id',
                                                    r.referring_organization_id::text)),
               'Disclosure of the referral''s status to the organization that made it, so '
               'that it can follow the referral it made (consent given at referral, '
               '42 CFR Part 2).',
               '{referral_status}', s.signed_on, 'participant',
               (s.signed_on + interval '1 year')::date, r.submitted_by, r.submitted_at,
               r.submitted_at
        FROM referrals r
        JOIN organizations o ON o.id = r.provider_organization_id
        CROSS JOIN LATERAL (SELECT coalesce(r.consent_obtained_on,
                                            (r.submitted_at AT TIME ZONE o.time_zone)::date)
                                   AS signed_on) s
        WHERE r.consent_part2 AND r.referring_organization_id IS NOT NULL
          AND NOT EXISTS (
              SELECT FROM consents c
              WHERE c.participant_id = r.participant_id AND c.kind = 'part2'
                AND c.recipients @> jsonb_build_array(jsonb_build_object(
                        'organization_id', r.referring_organization_id::text)))
        -- One per person and referrer: the latest referral's, the consent most recently
        -- given.
        ORDER BY r.participant_id, r.referring_organization_id, r.submitted_at DESC, r.id
        RETURNING 1)
    SELECT count(*)::integer FROM made
$$;

SELECT peerd_part2_consents_of_earlier_referrals();
