-- The demonstration data set of `peerd seed-demo`. Fixed ids, so scripts/dev can print
-- tokens for them, and ON CONFLICT DO NOTHING, so running it twice changes nothing.
-- Every person here is invented.

INSERT INTO organizations (id, name, kind, state, counties, unit_rounding, max_units_per_day,
                           family_youth_max_age, referral_response_days, time_zone)
VALUES
    ('11111111-1111-4111-8111-111111111111', 'Harbor Peer Recovery Services', 'provider', 'OR',
     ARRAY['Multnomah', 'Washington', 'Clackamas'], 'whole', 16, 21, 2, 'America/Los_Angeles'),
    ('22222222-2222-4222-8222-222222222222', 'Riverside Community Hospital', 'partner', 'OR',
     ARRAY['Multnomah'], 'whole', 16, 21, 2, 'America/Los_Angeles'),
    ('33333333-3333-4333-8333-333333333333', 'Cascade Family Peer Network', 'provider', 'WA',
     ARRAY['Clark', 'Cowlitz'], 'half_up', 12, 21, 3, 'America/Los_Angeles')
ON CONFLICT (id) DO NOTHING;
