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

-- Specialists. demo-specialist is the subject of the specialist token scripts/dev prints.
INSERT INTO specialists (id, organization_id, subject, given_name, family_name, kind,
                         lived_experience, languages, counties, specialties, bio,
                         max_caseload, active)
VALUES
    ('44444444-4444-4444-8444-444444444401', '11111111-1111-4111-8111-111111111111',
     'demo-specialist', 'Maria', 'Alvarez', 'peer', ARRAY['substance_use']::lived_experience[],
     ARRAY['en', 'es-MX'], ARRAY['Multnomah', 'Washington'], ARRAY['reentry', 'housing'],
     'In recovery since 2014; I help people find their footing after jail or treatment.',
     15, true),
    ('44444444-4444-4444-8444-444444444402', '11111111-1111-4111-8111-111111111111',
     'demo-specialist-2', 'Dana', 'Okafor', 'family_peer', ARRAY['caregiver']::lived_experience[],
     ARRAY['en'], ARRAY['Clackamas'], ARRAY['school meetings'],
     'Raised a son with bipolar disorder; I walk with parents through the system.', 10, true),
    ('44444444-4444-4444-8444-444444444403', '11111111-1111-4111-8111-111111111111',
     'demo-specialist-3', 'Minh', 'Tran', 'peer', ARRAY['mental_health']::lived_experience[],
     ARRAY['vi', 'en'], ARRAY['Multnomah'], ARRAY['warmline'], NULL, 12, true),
    ('44444444-4444-4444-8444-444444444404', '33333333-3333-4333-8333-333333333333',
     'demo-specialist-wa', 'Sam', 'Reyes', 'family_peer', ARRAY['caregiver']::lived_experience[],
     ARRAY['en', 'es'], ARRAY['Clark'], ARRAY[]::text[], NULL, 15, true)
ON CONFLICT (id) DO NOTHING;

-- Dates relative to the day the seed runs, so the demo always shows one certification
-- about to expire and one waiting for verification.
INSERT INTO certifications (id, specialist_id, credential, issuing_authority, state, number,
                            issued_on, expires_on, training_hours, status, verified_by,
                            verified_at, required_total_hours, required_ethics_hours,
                            required_peer_specific_hours)
VALUES
    ('55555555-5555-4555-8555-555555555501', '44444444-4444-4444-8444-444444444401', 'PSS',
     'Oregon Health Authority', 'OR', 'DEMO-PSS-1001', current_date - 500, current_date + 230,
     40, 'active', 'demo-supervisor', now(), 20, 6, 4),
    ('55555555-5555-4555-8555-555555555502', '44444444-4444-4444-8444-444444444402', 'FSS',
     'Oregon Health Authority', 'OR', 'DEMO-FSS-2001', current_date - 700, current_date + 20,
     40, 'active', 'demo-supervisor', now(), 20, 6, 4),
    ('55555555-5555-4555-8555-555555555503', '44444444-4444-4444-8444-444444444403', 'PSS',
     'Oregon Health Authority', 'OR', 'DEMO-PSS-1002', current_date - 10, current_date + 720,
     40, 'pending', NULL, NULL, NULL, NULL, NULL),
    ('55555555-5555-4555-8555-555555555504', '44444444-4444-4444-8444-444444444404', 'CPC',
     'Washington Health Care Authority', 'WA', 'DEMO-CPC-3001', current_date - 300,
     current_date + 400, 60, 'active', 'demo-supervisor', now(), NULL, NULL, NULL)
ON CONFLICT (id) DO NOTHING;

INSERT INTO continuing_education (id, certification_id, completed_on, hours, category, title,
                                  provider)
VALUES
    ('66666666-6666-4666-8666-666666666601', '55555555-5555-4555-8555-555555555501',
     current_date - 200, 6, 'ethics', 'Ethics and boundaries in peer work', 'MHACBO'),
    ('66666666-6666-4666-8666-666666666602', '55555555-5555-4555-8555-555555555501',
     current_date - 90, 3, 'peer_specific', 'Motivational interviewing refresher', NULL),
    ('66666666-6666-4666-8666-666666666603', '55555555-5555-4555-8555-555555555502',
     current_date - 60, 2.5, 'suicide_prevention', 'QPR gatekeeper training', 'QPR Institute')
ON CONFLICT (id) DO NOTHING;

-- People referred by the demo hospital: one waiting for an answer, one assigned to the
-- demo specialist (so the specialist token sees a participant).
INSERT INTO participants (id, organization_id, given_name, family_name, preferred_name,
                          birth_date, phone, county, preferred_language)
VALUES
    ('77777777-7777-4777-8777-777777777701', '11111111-1111-4111-8111-111111111111', 'Ana',
     'Ruiz', NULL, '1988-05-14', '503-555-0141', 'Multnomah', 'es'),
    ('77777777-7777-4777-8777-777777777702', '11111111-1111-4111-8111-111111111111', 'Marcus',
     'Bell', 'Marc', '1979-09-02', '503-555-0177', 'Multnomah', 'en')
ON CONFLICT (id) DO NOTHING;

INSERT INTO referrals (id, provider_organization_id, referring_organization_id, participant_id,
                       service_type, reason, needs, urgency, substance_use, consent_obtained,
                       consent_obtained_on, consent_part2, external_id, status,
                       assigned_specialist_id, respond_by, submitted_by)
VALUES
    ('88888888-8888-4888-8888-888888888801', '11111111-1111-4111-8111-111111111111',
     '22222222-2222-4222-8222-222222222222', '77777777-7777-4777-8777-777777777701', 'peer',
     'Discharged from detox on Friday; wants a peer who speaks Spanish to help with housing.',
     ARRAY['social', 'environmental']::wellness_domain[], 'urgent', true, true, current_date,
     true, 'RCH-2026-0412', 'submitted', NULL, now() + interval '1 day', 'demo-partner'),
    ('88888888-8888-4888-8888-888888888802', '11111111-1111-4111-8111-111111111111',
     '22222222-2222-4222-8222-222222222222', '77777777-7777-4777-8777-777777777702', 'peer',
     'Recently released; looking for work and a recovery community.',
     ARRAY['occupational', 'social']::wellness_domain[], 'routine', false, true, current_date,
     false, 'RCH-2026-0398', 'assigned', '44444444-4444-4444-8444-444444444401',
     now() + interval '2 days', 'demo-partner')
ON CONFLICT (id) DO NOTHING;

INSERT INTO referral_events (referral_id, from_status, to_status, actor, actor_role, reason,
                             specialist_id)
SELECT r.id, e.from_status::referral_status, e.to_status::referral_status, e.actor,
       e.actor_role, NULL, e.specialist_id::uuid
FROM (VALUES
    ('88888888-8888-4888-8888-888888888801', NULL, 'submitted', 'demo-partner', 'partner', NULL),
    ('88888888-8888-4888-8888-888888888802', NULL, 'submitted', 'demo-partner', 'partner', NULL),
    ('88888888-8888-4888-8888-888888888802', 'submitted', 'accepted', 'demo-supervisor',
     'supervisor', NULL),
    ('88888888-8888-4888-8888-888888888802', 'accepted', 'assigned', 'demo-supervisor',
     'supervisor', '44444444-4444-4444-8444-444444444401')
) AS e (referral_id, from_status, to_status, actor, actor_role, specialist_id)
JOIN referrals r ON r.id = e.referral_id::uuid
WHERE NOT EXISTS (SELECT 1 FROM referral_events WHERE referral_id = r.id);

-- Goals of the person assigned to demo-specialist, in their own words.
INSERT INTO goals (id, participant_id, domain, statement, strengths, steps, target_date,
                   created_by)
VALUES
    ('99999999-9999-4999-8999-999999999901', '77777777-7777-4777-8777-777777777702',
     'occupational', 'I want a job where people know I''m reliable.',
     ARRAY['shows up early', 'good with tools'],
     '[{"text": "Update my resume with Maria", "done": true},
       {"text": "Apply to three warehouse jobs", "done": false}]',
     current_date + 60, 'demo-specialist'),
    ('99999999-9999-4999-8999-999999999902', '77777777-7777-4777-8777-777777777702',
     'social', 'Find people I can call who don''t use.', ARRAY['funny', 'loyal'],
     '[{"text": "Go to one recovery meeting a week", "done": false}]', NULL,
     'demo-specialist')
ON CONFLICT (id) DO NOTHING;

INSERT INTO goal_progress (id, goal_id, recorded_on, rating, note, recorded_by)
VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa01', '99999999-9999-4999-8999-999999999901',
        current_date - 3, 4, 'Resume done; nervous about interviews.', 'demo-specialist')
ON CONFLICT (id) DO NOTHING;
