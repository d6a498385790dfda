-- A policy of the form USING (peerd_in_scope(organization_id)) inlines to
-- `organization_id = nullif(current_setting(...), '')::uuid OR coalesce(...)`, evaluated for
-- every row a statement reads: two current_setting calls and a uuid parse per row, 35-40%
-- of the database time of the reports on the benchmark's data. The scope is the same for
-- the whole statement, so the policies compare against uncorrelated sub-selects, which
-- PostgreSQL evaluates once per statement (InitPlans). They must be in the policy itself:
-- an SQL function whose body has a sub-select is not inlined, so peerd_in_scope keeps its
-- body (functions use it) and this is where the policy form of the scope is written.
--
-- The values are those of peerd_in_scope: an unset or empty organization is NULL, so
-- `organization_id = (SELECT NULL)` is NULL and, unless the role is admin, no row passes,
-- as before; the everyone test is the same coalesce, never NULL.
--
-- Every policy whose whole expression is the call is rewritten from the catalog; format()
-- pastes only the policy's and table's names (%I), nothing a caller supplies.
DO $$
DECLARE
    policy record;
    rewritten int := 0;
BEGIN
    FOR policy IN
        SELECT p.schemaname, p.tablename, p.policyname
        FROM pg_policies p
        WHERE p.schemaname = 'public'
          AND p.qual IN ('peerd_in_scope(organization_id)',
                         'public.peerd_in_scope(organization_id)')
          AND p.with_check IS NULL
    LOOP
        EXECUTE format('ALTER POLICY %I ON %I.%I USING (organization_id = '
                       '(SELECT peerd_scope_organization()) OR (SELECT peerd_scope_is_everyone()))',
                       policy.policyname, policy.schemaname, policy.tablename);
        rewritten := rewritten + 1;
    END LOOP;
    -- The 19 of migrations 010 to 036: fewer means the catalog's text changed and a
    -- policy would silently keep the per-row form.
    IF rewritten <> 19 THEN
        RAISE EXCEPTION 'expected 19 policies USING (peerd_in_scope(organization_id)), found %',
            rewritten;
    END IF;
END
$$;
