-- Who may see a referral, in one place: the reads, the lists and the locks of
-- api/referrals.c all ask peerd_referral_visible. An admin sees every referral; a
-- supervisor those their organization provides; a partner those their organization
-- referred; a specialist those assigned to them while open (assigned or engaged); a
-- reporter none. The referral's side: its two organizations, its status and the subject
-- and organization of its assigned specialist (NULL when unassigned). The caller's side:
-- the role's name, the organization (NULL for an admin) and the subject.
--
-- A single expression, so PostgreSQL inlines it into each statement and a list can still
-- use the index on the column it compares. The row-level-security policy on referrals is
-- a coarser bound on purpose: an organization's connection reaches the referrals either
-- side of which it is, whatever the role.
CREATE FUNCTION peerd_referral_visible(provider_organization uuid, referring_organization uuid,
                                       status referral_status, assigned_subject text,
                                       assigned_organization uuid, caller_role text,
                                       caller_organization uuid, caller_subject text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE caller_role
        WHEN 'admin' THEN true
        WHEN 'supervisor' THEN provider_organization = caller_organization
        WHEN 'partner' THEN referring_organization = caller_organization
        WHEN 'specialist' THEN assigned_subject = caller_subject
                               AND assigned_organization = caller_organization
                               AND status IN ('assigned', 'engaged')
        ELSE false
    END
$$;

-- Records that a request was shown one row, answered 200: the event audit_flush_reads
-- would append after the read, written by the statement that reads instead, in the same
-- round trip. Called from a SELECT list, so only the rows the statement returns are
-- recorded. An unconditional read only: a 304 is decided after the read. Like every read
-- event, it does not wait for its commit to reach the disk.
CREATE FUNCTION peerd_audit_read_shown(actor text, role text, request_id text,
                                       resource_type text, resource_id uuid,
                                       organization_id uuid, server_request_id uuid)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO audit_inbox (actor, role, action, resource_type, resource_id, organization_id,
                             request_id, status, server_request_id)
    VALUES (peerd_audit_read_shown.actor, peerd_audit_read_shown.role, 'read',
            peerd_audit_read_shown.resource_type, peerd_audit_read_shown.resource_id,
            peerd_audit_read_shown.organization_id, peerd_audit_read_shown.request_id, 200,
            peerd_audit_read_shown.server_request_id);
END
$$;
