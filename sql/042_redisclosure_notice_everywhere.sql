-- The 42 CFR 2.32(a)(1) notice, said once, here: it accompanies every disclosure of a
-- substance use referral, the partner's reads (api/referrals.c selects it) and the
-- partner's webhook events alike (a status change of a substance use referral, sent
-- under the consent gate, is such a disclosure).
CREATE FUNCTION peerd_redisclosure_notice() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
    'This record which has been disclosed to you is protected by Federal '
    'confidentiality rules (42 CFR part 2). These rules prohibit you from using or '
    'disclosing this record, or testimony that describes the information contained in '
    'this record, in any civil, criminal, administrative, or legislative proceedings '
    'by any Federal, State, or local authority, against the patient, unless '
    'authorized by the consent of the patient, except as provided at 42 CFR '
    '2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. '
    'In addition, the Federal rules prohibit you from making any other use or '
    'disclosure of this record unless at least one of the following applies: (A) '
    'Further use or disclosure is expressly permitted by the written consent of the '
    'individual whose information is being disclosed in this record or as otherwise '
    'permitted by 42 CFR part 2. (B) You are a covered entity or business associate '
    'and have received the record for treatment, payment, or health care operations, '
    'or (C) You have received the record from a covered entity or business associate '
    'as permitted by 45 CFR part 164, subparts A and E. A general authorization for '
    'the release of medical or other information is NOT sufficient to meet the '
    'required elements of written consent to further use or redisclose the record '
    '(see 42 CFR 2.31).'::text $$;

CREATE OR REPLACE FUNCTION referrals_webhook_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM peerd_webhook_emit(NEW.provider_organization_id, 'referral.status_changed', NEW.id,
        jsonb_build_object('referral_id', NEW.id, 'external_id', NEW.external_id,
                           'status', NEW.status,
                           'previous_status', CASE TG_OP WHEN 'UPDATE' THEN OLD.status END,
                           'at', peerd_timestamp(CASE TG_OP WHEN 'INSERT' THEN NEW.submitted_at
                                                 ELSE now() END))
        || CASE WHEN NEW.substance_use
                THEN jsonb_build_object('redisclosure_notice', peerd_redisclosure_notice())
                ELSE '{}'::jsonb END);
    RETURN NULL;
END
$$;
