-- The role `peerd serve` works as (PEERD_DATABASE_ROLE, SET at connection start). It
-- reads and writes rows and nothing more: no DDL (it owns nothing and may not create in
-- the schema), no UPDATE or DELETE of the audit trail, DELETE only where peerd deletes.
-- Migrations run as the login role, which owns the schema.
--
-- A role belongs to the whole cluster, so the database administrator usually creates it
-- (CREATE ROLE peerd_service NOLOGIN; GRANT peerd_service TO peerd). A login role that
-- may create roles gets it made here.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'peerd_service') THEN
        IF NOT EXISTS (SELECT FROM pg_roles
                       WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
            RAISE EXCEPTION 'the role peerd_service does not exist'
                USING HINT = format('As a superuser: CREATE ROLE peerd_service NOLOGIN; '
                                    'GRANT peerd_service TO %I;', current_user);
        END IF;
        CREATE ROLE peerd_service NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, 'peerd_service', 'MEMBER') THEN
        EXECUTE format('GRANT peerd_service TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO peerd_service;

GRANT SELECT ON us_states, us_time_zones, schema_migrations TO peerd_service;
GRANT SELECT, INSERT, UPDATE ON organizations, specialists, certifications, participants,
    referrals, goals, session_notes TO peerd_service;
-- Rows written once and never changed.
GRANT SELECT, INSERT ON continuing_education, referral_events, goal_progress,
    session_note_addenda, audit_events TO peerd_service;
GRANT SELECT, UPDATE ON audit_chain_head TO peerd_service;
-- A claimed key is given back when its request fails.
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO peerd_service;
-- UPDATE only so that SELECT ... FOR UPDATE may lock a profile's specialist row.
GRANT SELECT, UPDATE ON specialist_profiles TO peerd_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO peerd_service;
