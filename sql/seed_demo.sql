-- The demonstration data set of `peerd seed-demo`. Fixed ids, so scripts/dev can print
-- tokens for them and README.md can name them, and ON CONFLICT DO NOTHING, so running it
-- twice changes nothing. Every person here is invented.
--
-- Times are relative to the day it runs, at office hours in Portland, so that the reports'
-- default 30 days and the export show all of it at once. Rows are written in the state the
-- API would have left them in: each referral with its history, each signed note with the
-- billing rules/billing.c computes at signing (Harbor rounds `whole`: minutes / 15, rounded
-- down), first_contact_at at the first note, versions counted as the API counts them.
-- Caseloads and certified days are kept by the triggers of sql/012. A row an earlier
-- version of this file made is never changed: new states come as new rows.

-- The moment it was (or will be) at local_time, days_ago days before today in Portland,
-- where both providers work. Temporary: dropped at the end of the script.
CREATE FUNCTION pg_temp.demo_at(days_ago integer, local_time time) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
    SELECT (((now() AT TIME ZONE 'America/Los_Angeles')::date - days_ago) + local_time)
           AT TIME ZONE 'America/Los_Angeles'
$$;

-- respond_by as intake computes it (rules/business_days.c): that many days, Monday to
-- Friday, after the day of submission, at its time of day in Portland.
CREATE FUNCTION pg_temp.demo_respond_by(submitted timestamptz, days integer)
RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
    SELECT (day::date + (submitted AT TIME ZONE 'America/Los_Angeles')::time)
           AT TIME ZONE 'America/Los_Angeles'
    FROM generate_series((submitted AT TIME ZONE 'America/Los_Angeles')::date + 1,
                         (submitted AT TIME ZONE 'America/Los_Angeles')::date + 14,
                         interval '1 day') AS day
    WHERE extract(isodow FROM day) < 6
    ORDER BY day OFFSET days - 1 LIMIT 1
$$;

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
     ARRAY['en', 'es'], ARRAY['Clark'], ARRAY[]::text[], NULL, 15, true),
    ('44444444-4444-4444-8444-444444444405', '11111111-1111-4111-8111-111111111111',
     'demo-specialist-4', 'Jamal', 'Carter', 'peer', ARRAY['co_occurring']::lived_experience[],
     ARRAY['en'], ARRAY['Multnomah', 'Clackamas'], ARRAY['veterans', 'employment'],
     'Army veteran, eight years sober; I meet people where they are, often on a walk.', 12,
     true)
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
     current_date + 400, 60, 'active', 'demo-supervisor', now(), NULL, NULL, NULL),
    ('55555555-5555-4555-8555-555555555505', '44444444-4444-4444-8444-444444444405', 'PWS',
     'Oregon Health Authority', 'OR', 'DEMO-PWS-1003', current_date - 400, current_date + 330,
     80, 'active', 'demo-supervisor', now(), 20, 6, 4)
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

-- The people the providers serve, each brought by the referral of the same number below.
INSERT INTO participants (id, organization_id, given_name, family_name, preferred_name,
                          birth_date, phone, county, preferred_language, youth_given_name,
                          youth_birth_date, created_at, updated_at)
SELECT v.id::uuid, '11111111-1111-4111-8111-111111111111', v.given_name, v.family_name,
       v.preferred_name, v.birth_date::date, v.phone, v.county, v.preferred_language,
       v.youth_given_name, v.youth_birth_date::date, v.at, v.at
FROM (VALUES
    ('77777777-7777-4777-8777-777777777701', 'Ana', 'Ruiz', NULL, '1988-05-14', '503-555-0141',
     'Multnomah', 'es', NULL, NULL, now() - interval '3 hours'),
    ('77777777-7777-4777-8777-777777777702', 'Marcus', 'Bell', 'Marc', '1979-09-02',
     '503-555-0177', 'Multnomah', 'en', NULL, NULL, pg_temp.demo_at(6, '09:15')),
    ('77777777-7777-4777-8777-777777777703', 'Darnell', 'Hayes', NULL, '1991-02-11',
     '503-555-0123', 'Multnomah', 'en', NULL, NULL, pg_temp.demo_at(21, '16:40')),
    ('77777777-7777-4777-8777-777777777704', 'Renee', 'Castillo', NULL, '1984-07-30',
     '971-555-0164', 'Washington', 'en', NULL, NULL, pg_temp.demo_at(27, '11:20')),
    ('77777777-7777-4777-8777-777777777705', 'Keisha', 'Brown', NULL, '1983-11-05',
     '503-555-0190', 'Clackamas', 'en', 'Jaylen', '2012-03-09', pg_temp.demo_at(12, '10:30')),
    ('77777777-7777-4777-8777-777777777706', 'Luis', 'Herrera', NULL, '1995-01-22',
     '541-555-0135', 'Lane', 'es', NULL, NULL, pg_temp.demo_at(10, '15:00')),
    ('77777777-7777-4777-8777-777777777707', 'Brianna', 'Walsh', 'Bri', '1999-06-17',
     '503-555-0108', 'Multnomah', 'en', NULL, NULL, pg_temp.demo_at(16, '12:00')),
    ('77777777-7777-4777-8777-777777777708', 'Jordan', 'Lee', NULL, '2001-09-28',
     '503-555-0152', 'Washington', 'en', NULL, NULL, pg_temp.demo_at(2, '14:20')),
    ('77777777-7777-4777-8777-777777777709', 'Curtis', 'Young', NULL, '1967-12-03',
     '503-555-0116', 'Multnomah', 'en', NULL, NULL, pg_temp.demo_at(6, '11:00'))
) AS v (id, given_name, family_name, preferred_name, birth_date, phone, county,
        preferred_language, youth_given_name, youth_birth_date, at)
ON CONFLICT (id) DO NOTHING;

-- One referral in each state of rules/referral_status.c but closed. All come from the
-- demo hospital but 808, a walk-in Harbor's own staff recorded.
INSERT INTO referrals (id, provider_organization_id, referring_organization_id, participant_id,
                       service_type, reason, needs, urgency, substance_use, consent_obtained,
                       consent_obtained_on, consent_part2, external_id, status,
                       assigned_specialist_id, first_contact_at, submitted_at, respond_by,
                       submitted_by, version, created_at, updated_at)
SELECT v.id::uuid, '11111111-1111-4111-8111-111111111111', v.referrer::uuid,
       v.participant::uuid, v.service_type::service_type, v.reason,
       v.needs::wellness_domain[], v.urgency::referral_urgency, v.substance_use, true,
       (v.submitted AT TIME ZONE 'America/Los_Angeles')::date, v.substance_use, v.external_id,
       v.status::referral_status, v.specialist::uuid, v.first_contact, v.submitted,
       pg_temp.demo_respond_by(v.submitted, CASE v.urgency WHEN 'urgent' THEN 1 ELSE 2 END),
       v.submitted_by, v.version, v.submitted, v.updated
FROM (VALUES
    -- Waiting for an answer.
    ('88888888-8888-4888-8888-888888888801', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777701', 'peer',
     'Discharged from detox yesterday; wants a peer who speaks Spanish to help with housing.',
     '{social,environmental}', 'urgent', true, 'RCH-2026-0412', 'submitted', NULL, NULL,
     now() - interval '3 hours', 'demo-partner', 1, now() - interval '3 hours'),
    -- Assigned to Maria Alvarez, who has set goals with him; no session yet.
    ('88888888-8888-4888-8888-888888888802', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777702', 'peer',
     'Recently released; looking for work and a recovery community.',
     '{occupational,social}', 'routine', false, 'RCH-2026-0398', 'assigned',
     '44444444-4444-4444-8444-444444444401', NULL, pg_temp.demo_at(6, '09:15'),
     'demo-partner', 3, pg_temp.demo_at(5, '10:05')),
    -- Engaged with Maria Alvarez: goals, progress, four notes.
    ('88888888-8888-4888-8888-888888888803', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777703', 'peer',
     'Discharged after two weeks on the psychiatric unit; lives alone and asked for someone '
     'to check in while he settles back in.',
     '{emotional,social,physical}', 'routine', false, 'RCH-2026-0377', 'engaged',
     '44444444-4444-4444-8444-444444444401', pg_temp.demo_at(17, '10:00'),
     pg_temp.demo_at(21, '16:40'), 'demo-partner', 4, pg_temp.demo_at(17, '11:30')),
    -- Completed with Maria Alvarez.
    ('88888888-8888-4888-8888-888888888804', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777704', 'peer',
     'Lost her nursing assistant job during a depressive episode; wants help getting back '
     'to work.',
     '{occupational,emotional}', 'routine', false, 'RCH-2026-0361', 'completed',
     '44444444-4444-4444-8444-444444444401', pg_temp.demo_at(25, '13:00'),
     pg_temp.demo_at(27, '11:20'), 'demo-partner', 5, pg_temp.demo_at(5, '16:00')),
    -- Family support, engaged with Dana Okafor.
    ('88888888-8888-4888-8888-888888888805', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777705', 'family',
     'Mother of a 14-year-old seen in our emergency department twice this month; she asked '
     'to talk with a parent who has been through it.',
     '{emotional,social}', 'urgent', false, 'RCH-2026-0405', 'engaged',
     '44444444-4444-4444-8444-444444444402', pg_temp.demo_at(8, '18:00'),
     pg_temp.demo_at(12, '10:30'), 'demo-partner', 4, pg_temp.demo_at(8, '18:40')),
    -- Declined: outside the counties Harbor serves.
    ('88888888-8888-4888-8888-888888888806', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777706', 'peer',
     'Visiting family in Portland when admitted; wants peer support once home.',
     '{social}', 'routine', false, 'RCH-2026-0399', 'declined', NULL, NULL,
     pg_temp.demo_at(10, '15:00'), 'demo-partner', 2, pg_temp.demo_at(9, '10:30')),
    -- Withdrawn by the hospital after it was accepted.
    ('88888888-8888-4888-8888-888888888807', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777707', 'peer',
     'Young adult after a first episode of psychosis; her mother asked about peer support.',
     '{emotional,intellectual}', 'routine', false, 'RCH-2026-0388', 'withdrawn', NULL, NULL,
     pg_temp.demo_at(16, '12:00'), 'demo-partner', 3, pg_temp.demo_at(14, '17:05')),
    -- Accepted, waiting for a specialist.
    ('88888888-8888-4888-8888-888888888808', '11111111-1111-4111-8111-111111111111',
     '77777777-7777-4777-8777-777777777708', 'peer',
     'Walked in after a recovery meeting next door; asked about a peer mentor.',
     '{social,occupational}', 'routine', false, NULL, 'accepted', NULL, NULL,
     pg_temp.demo_at(2, '14:20'), 'demo-supervisor', 2, pg_temp.demo_at(1, '09:00')),
    -- Still submitted six days later: overdue.
    ('88888888-8888-4888-8888-888888888809', '22222222-2222-4222-8222-222222222222',
     '77777777-7777-4777-8777-777777777709', 'peer',
     'Lost his housing voucher during a long hospital stay; wants help with the paperwork '
     'and a peer to talk to.',
     '{environmental,financial}', 'routine', false, 'RCH-2026-0401', 'submitted', NULL, NULL,
     pg_temp.demo_at(6, '11:00'), 'demo-partner', 1, pg_temp.demo_at(6, '11:00'))
) AS v (id, referrer, participant, service_type, reason, needs, urgency, substance_use,
        external_id, status, specialist, first_contact, submitted, submitted_by, version,
        updated)
ON CONFLICT (id) DO NOTHING;

-- Their histories, written once per referral (a referral that already has one is left
-- alone), in order.
INSERT INTO referral_events (referral_id, from_status, to_status, at, actor, actor_role,
                             reason, specialist_id)
SELECT r.id, e.from_status::referral_status, e.to_status::referral_status,
       coalesce(e.at, r.submitted_at), e.actor, e.actor_role, e.reason, e.specialist_id::uuid
FROM (VALUES
    ('88888888-8888-4888-8888-888888888801', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888802', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888802', 'submitted', 'accepted', pg_temp.demo_at(5, '10:02'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888802', 'accepted', 'assigned', pg_temp.demo_at(5, '10:05'),
     'demo-supervisor', 'supervisor', NULL, '44444444-4444-4444-8444-444444444401'),
    ('88888888-8888-4888-8888-888888888803', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888803', 'submitted', 'accepted', pg_temp.demo_at(20, '09:10'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888803', 'accepted', 'assigned', pg_temp.demo_at(20, '09:12'),
     'demo-supervisor', 'supervisor', NULL, '44444444-4444-4444-8444-444444444401'),
    ('88888888-8888-4888-8888-888888888803', 'assigned', 'engaged', pg_temp.demo_at(17, '11:30'),
     'demo-specialist', 'specialist', NULL, NULL),
    ('88888888-8888-4888-8888-888888888804', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888804', 'submitted', 'accepted', pg_temp.demo_at(26, '09:00'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888804', 'accepted', 'assigned', pg_temp.demo_at(26, '09:05'),
     'demo-supervisor', 'supervisor', NULL, '44444444-4444-4444-8444-444444444401'),
    ('88888888-8888-4888-8888-888888888804', 'assigned', 'engaged', pg_temp.demo_at(25, '14:10'),
     'demo-specialist', 'specialist', NULL, NULL),
    ('88888888-8888-4888-8888-888888888804', 'engaged', 'completed', pg_temp.demo_at(5, '16:00'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888805', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888805', 'submitted', 'accepted', pg_temp.demo_at(11, '11:00'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888805', 'accepted', 'assigned', pg_temp.demo_at(11, '11:05'),
     'demo-supervisor', 'supervisor', NULL, '44444444-4444-4444-8444-444444444402'),
    ('88888888-8888-4888-8888-888888888805', 'assigned', 'engaged', pg_temp.demo_at(8, '18:40'),
     'demo-specialist-2', 'specialist', NULL, NULL),
    ('88888888-8888-4888-8888-888888888806', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888806', 'submitted', 'declined', pg_temp.demo_at(9, '10:30'),
     'demo-supervisor', 'supervisor',
     'He lives in Lane County, outside the counties we serve; we gave the hospital the '
     'name of a peer program in Eugene.', NULL),
    ('88888888-8888-4888-8888-888888888807', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL),
    ('88888888-8888-4888-8888-888888888807', 'submitted', 'accepted', pg_temp.demo_at(15, '09:40'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888807', 'accepted', 'withdrawn', pg_temp.demo_at(14, '17:05'),
     'demo-partner', 'partner',
     'She chose an early psychosis program that has its own peer mentors.', NULL),
    ('88888888-8888-4888-8888-888888888808', NULL, 'submitted', NULL, 'demo-supervisor',
     'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888808', 'submitted', 'accepted', pg_temp.demo_at(1, '09:00'),
     'demo-supervisor', 'supervisor', NULL, NULL),
    ('88888888-8888-4888-8888-888888888809', NULL, 'submitted', NULL, 'demo-partner', 'partner',
     NULL, NULL)
) AS e (referral_id, from_status, to_status, at, actor, actor_role, reason, specialist_id)
JOIN referrals r ON r.id = e.referral_id::uuid
WHERE NOT EXISTS (SELECT 1 FROM referral_events x WHERE x.referral_id = r.id)
ORDER BY r.id, coalesce(e.at, r.submitted_at);

-- Goals, in the participants' own words, set by their specialists.
INSERT INTO goals (id, participant_id, domain, statement, strengths, steps, target_date, status,
                   achieved_on, created_by, version, created_at, updated_at)
SELECT v.id::uuid, v.participant::uuid, v.domain::wellness_domain, v.statement,
       v.strengths, v.steps::jsonb, v.target_date, v.status::goal_status, v.achieved_on,
       v.created_by, v.version, v.created, v.updated
FROM (VALUES
    ('99999999-9999-4999-8999-999999999901', '77777777-7777-4777-8777-777777777702',
     'occupational', 'I want a job where people know I''m reliable.',
     ARRAY['shows up early', 'good with tools'],
     '[{"text": "Update my resume with Maria", "done": true},
       {"text": "Apply to three warehouse jobs", "done": false}]',
     current_date + 60, 'active', NULL::date, 'demo-specialist', 1,
     pg_temp.demo_at(4, '13:30'), pg_temp.demo_at(4, '13:30')),
    ('99999999-9999-4999-8999-999999999902', '77777777-7777-4777-8777-777777777702',
     'social', 'Find people I can call who don''t use.', ARRAY['funny', 'loyal'],
     '[{"text": "Go to one recovery meeting a week", "done": false}]', NULL, 'active', NULL,
     'demo-specialist', 1, pg_temp.demo_at(4, '13:40'), pg_temp.demo_at(4, '13:40')),
    ('99999999-9999-4999-8999-999999999903', '77777777-7777-4777-8777-777777777703',
     'emotional', 'Notice when I''m getting overwhelmed and call someone before it gets bad.',
     ARRAY['honest about how he feels', 'keeps a journal'],
     '[{"text": "Put three numbers in my phone I can call", "done": true},
       {"text": "Rate my stress every evening", "done": false}]',
     current_date + 45, 'active', NULL, 'demo-specialist', 1, pg_temp.demo_at(17, '10:45'),
     pg_temp.demo_at(17, '10:45')),
    ('99999999-9999-4999-8999-999999999904', '77777777-7777-4777-8777-777777777703',
     'physical', 'Walk to the river and back three mornings a week.', ARRAY['likes being outside'],
     '[{"text": "Walk it once with Maria", "done": true}]', NULL, 'active', NULL,
     'demo-specialist', 1, pg_temp.demo_at(17, '10:50'), pg_temp.demo_at(17, '10:50')),
    ('99999999-9999-4999-8999-999999999905', '77777777-7777-4777-8777-777777777704',
     'occupational', 'Get my CNA license back and work nights again.',
     ARRAY['eleven years of experience', 'good references'],
     '[{"text": "Finish the refresher course", "done": true},
       {"text": "Apply at two care homes", "done": true}]',
     NULL, 'achieved', current_date - 12, 'demo-specialist', 2, pg_temp.demo_at(25, '13:50'),
     pg_temp.demo_at(12, '15:45')),
    ('99999999-9999-4999-8999-999999999906', '77777777-7777-4777-8777-777777777705',
     'social', 'Find other parents who get it, so I''m not doing this alone.',
     ARRAY['fierce advocate for her son'],
     '[{"text": "Try the NAMI parents'' group", "done": true},
       {"text": "Ask the school for a 504 meeting", "done": false}]',
     NULL, 'active', NULL, 'demo-specialist-2', 1, pg_temp.demo_at(8, '18:35'),
     pg_temp.demo_at(8, '18:35'))
) AS v (id, participant, domain, statement, strengths, steps, target_date, status, achieved_on,
        created_by, version, created, updated)
ON CONFLICT (id) DO NOTHING;

INSERT INTO goal_progress (id, goal_id, recorded_on, rating, note, recorded_by, created_at,
                           updated_at)
SELECT v.id::uuid, v.goal::uuid, (v.at AT TIME ZONE 'America/Los_Angeles')::date, v.rating,
       v.note, v.recorded_by, v.at, v.at
FROM (VALUES
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa01', '99999999-9999-4999-8999-999999999901', 4,
     'Resume done; nervous about interviews.', 'demo-specialist', pg_temp.demo_at(3, '15:00')),
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa02', '99999999-9999-4999-8999-999999999903', 3,
     'Had a rough weekend but called his sister instead of going out.', 'demo-specialist',
     pg_temp.demo_at(10, '14:45')),
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa03', '99999999-9999-4999-8999-999999999903', 5,
     'Rating his stress most evenings now.', 'demo-specialist', pg_temp.demo_at(3, '12:20')),
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa04', '99999999-9999-4999-8999-999999999904', 6,
     'Walked to the river twice this week, once on his own.', 'demo-specialist',
     pg_temp.demo_at(3, '12:25')),
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa05', '99999999-9999-4999-8999-999999999906', 4,
     'Went to the parents'' group once; wants to go again.', 'demo-specialist-2',
     pg_temp.demo_at(4, '20:30'))
) AS v (id, goal, rating, note, recorded_by, at)
ON CONFLICT (id) DO NOTHING;

-- Session notes, each after its referral's submission. Signed notes are inserted signed,
-- with their billing (the trigger of sql/006 guards updates, not inserts): H0038, whole
-- units of 15 minutes, the telehealth modifiers and place of service of sql/033, no
-- authorization (Harbor does not require one), Maria and Dana certified on each day. Notes ...bbb3 and ...bbb8 wait
-- for a co-signature; ...bbb4 is a draft.
INSERT INTO session_notes (id, organization_id, participant_id, specialist_id, occurred_at,
                           duration_minutes, modality, location, goal_ids, summary, response,
                           plan, status, signed_at, signed_by, billing, billing_units,
                           billing_day, cosigned_by, cosigned_at, created_by, version,
                           created_at, updated_at)
SELECT v.id::uuid, '11111111-1111-4111-8111-111111111111', v.participant::uuid,
       v.specialist::uuid, v.occurred, v.minutes, v.modality::session_modality, v.location,
       v.goals::uuid[], v.summary, v.response, v.plan,
       CASE WHEN v.signed IS NULL THEN 'draft' ELSE 'signed' END::session_note_status,
       v.signed, CASE WHEN v.signed IS NOT NULL THEN v.author END,
       CASE WHEN v.signed IS NOT NULL THEN jsonb_build_object(
           'billable', v.units > 0, 'code', 'H0038',
           'modifiers', CASE v.modality WHEN 'video' THEN '["95"]' WHEN 'phone' THEN '["93"]'
                        ELSE '[]' END::jsonb,
           'units', v.units, 'reasons', to_jsonb(v.reasons),
           'place_of_service', CASE v.modality WHEN 'in_person' THEN '11'
                               WHEN 'home_visit' THEN '12' WHEN 'video' THEN '10'
                               WHEN 'phone' THEN '10' WHEN 'community' THEN '99' END,
           'authorization_id', NULL) END,
       CASE WHEN v.signed IS NOT NULL THEN v.units END,
       CASE WHEN v.signed IS NOT NULL
            THEN peerd_organization_day('11111111-1111-4111-8111-111111111111', v.occurred) END,
       CASE WHEN v.cosigned IS NOT NULL THEN 'demo-supervisor' END, v.cosigned, v.author,
       1 + (v.signed IS NOT NULL)::integer + (v.cosigned IS NOT NULL)::integer
         + (v.amended IS NOT NULL)::integer,
       v.created, greatest(v.created, v.signed, v.cosigned, v.amended)
FROM (VALUES
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb1', '77777777-7777-4777-8777-777777777703',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(17, '10:00'), 60,
     'in_person', 'Harbor office, Room 2',
     '{99999999-9999-4999-8999-999999999903,99999999-9999-4999-8999-999999999904}',
     'First meeting since discharge. Talked about the first days home and what helps when '
     'the apartment feels too quiet. Set two goals together.',
     'Open and a little tired; said it helped to talk to someone who has been on the unit.',
     'Call Thursday; walk to the river together next week.',
     pg_temp.demo_at(17, '11:30'), pg_temp.demo_at(17, '11:40'), pg_temp.demo_at(16, '09:30'),
     NULL, 4, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb2', '77777777-7777-4777-8777-777777777703',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(10, '14:00'), 25,
     'phone', NULL, '{99999999-9999-4999-8999-999999999903}',
     'Check-in call after a hard weekend. Went over who he called and what he did instead '
     'of going out.',
     'Proud that he called his sister; worried about a pharmacy refill.',
     'Help him call the pharmacy; meet next week for a walk.',
     pg_temp.demo_at(10, '14:35'), pg_temp.demo_at(10, '14:40'), pg_temp.demo_at(9, '08:50'),
     pg_temp.demo_at(9, '10:15'), 1, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb3', '77777777-7777-4777-8777-777777777703',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(3, '11:00'), 45,
     'community', 'Eastbank Esplanade',
     '{99999999-9999-4999-8999-999999999903,99999999-9999-4999-8999-999999999904}',
     'Walked the esplanade together and talked about the evening stress ratings.',
     'Talked more easily while walking; said mornings are getting easier.',
     'He will walk on his own twice before we meet again.',
     pg_temp.demo_at(3, '12:10'), pg_temp.demo_at(3, '12:15'), NULL, NULL, 3,
     ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb4', '77777777-7777-4777-8777-777777777703',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(1, '10:30'), 50,
     'in_person', 'Coffee shop on Hawthorne',
     '{99999999-9999-4999-8999-999999999903,99999999-9999-4999-8999-999999999904}',
     'Coffee, then the walk to the river he now does on his own. Talked about the anniversary '
     'of his hospital stay coming up.',
     'Steadier than last month; wants a plan for the anniversary.', NULL,
     pg_temp.demo_at(1, '11:40'), NULL, NULL, NULL, 0, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb5', '77777777-7777-4777-8777-777777777704',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(25, '13:00'), 50,
     'in_person', 'Beaverton library', '{99999999-9999-4999-8999-999999999905}',
     'Talked about losing her job and what going back would take. Looked up the CNA '
     'refresher course together.',
     'Hopeful; said it was the first plan she had made in months.',
     'She enrolls in the course this week; video call in two weeks.',
     pg_temp.demo_at(25, '14:10'), pg_temp.demo_at(25, '14:15'), pg_temp.demo_at(24, '09:00'),
     NULL, 3, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb6', '77777777-7777-4777-8777-777777777704',
     '44444444-4444-4444-8444-444444444401', 'demo-specialist', pg_temp.demo_at(12, '15:00'), 30,
     'video', NULL, '{99999999-9999-4999-8999-999999999905}',
     'She passed the refresher and has an offer for night shifts. Talked about keeping her '
     'sleep and her supports steady.',
     'Excited and a little anxious about nights.', 'Close out with the hospital; she has our '
     'number if she wants to come back.',
     pg_temp.demo_at(12, '15:40'), pg_temp.demo_at(12, '15:45'), pg_temp.demo_at(11, '10:00'),
     NULL, 2, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb7', '77777777-7777-4777-8777-777777777705',
     '44444444-4444-4444-8444-444444444402', 'demo-specialist-2', pg_temp.demo_at(8, '18:00'),
     30, 'video', NULL, '{99999999-9999-4999-8999-999999999906}',
     'First call after her son''s second ER visit. Shared what helped my family; talked '
     'about the school meeting she dreads.',
     'Relieved to talk to another parent; cried, then laughed.',
     'Send her the parents'' group schedule; call again next week.',
     pg_temp.demo_at(8, '18:40'), pg_temp.demo_at(8, '18:45'), pg_temp.demo_at(7, '09:15'),
     NULL, 2, ARRAY[]::text[]),
    ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb8', '77777777-7777-4777-8777-777777777705',
     '44444444-4444-4444-8444-444444444402', 'demo-specialist-2', pg_temp.demo_at(4, '20:15'),
     10, 'text', NULL, '{99999999-9999-4999-8999-999999999906}',
     'She texted after the parents'' group: she went, and wants to go again.', NULL, NULL,
     pg_temp.demo_at(4, '20:20'), pg_temp.demo_at(4, '20:25'), NULL,
     NULL, 0, ARRAY['text_modality', 'under_one_unit'])
) AS v (id, participant, specialist, author, occurred, minutes, modality, location, goals,
        summary, response, plan, created, signed, cosigned, amended, units, reasons)
ON CONFLICT (id) DO NOTHING;

-- A correction to a signed note goes into an addendum.
INSERT INTO session_note_addenda (note_id, text, at, by)
SELECT 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb2', 'He called back that evening: the pharmacy '
       'had the refill ready after all.', pg_temp.demo_at(9, '10:15'), 'demo-specialist'
WHERE NOT EXISTS (SELECT 1 FROM session_note_addenda
                  WHERE note_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbb2');

-- Who pays: Oregon Health Plan (Medicaid) through a coordinated care organization for
-- most, a grant for one (no member id), and nothing on file for the rest: the claim lines
-- show each case. Darnell's plan also authorized 96 units, spent once Harbor sets
-- require_authorization.
INSERT INTO coverages (id, organization_id, participant_id, payer, kind, member_id,
                       effective_on, ends_on, eligibility_verified_on, priority, created_by,
                       created_at, updated_at)
SELECT v.id::uuid, '11111111-1111-4111-8111-111111111111', v.participant::uuid, v.payer,
       v.kind::coverage_kind, v.member_id, (pg_temp.demo_at(v.since, '09:00'))::date,
       NULL, (pg_temp.demo_at(v.verified, '09:00'))::date, 1, 'demo-supervisor',
       pg_temp.demo_at(v.verified, '09:00'), pg_temp.demo_at(v.verified, '09:00')
FROM (VALUES
    ('cccccccc-cccc-4ccc-8ccc-ccccccccccc1', '77777777-7777-4777-8777-777777777703',
     'Health Share of Oregon', 'medicaid_managed_care', 'OHP4471902', 400, 20),
    ('cccccccc-cccc-4ccc-8ccc-ccccccccccc2', '77777777-7777-4777-8777-777777777704',
     'Oregon Health Plan', 'medicaid', 'OHP5520317', 900, 26),
    ('cccccccc-cccc-4ccc-8ccc-ccccccccccc3', '77777777-7777-4777-8777-777777777705',
     'SOR peer support grant', 'grant', NULL, 60, 11)
) AS v (id, participant, payer, kind, member_id, since, verified)
ON CONFLICT (id) DO NOTHING;

INSERT INTO authorizations (id, organization_id, participant_id, coverage_id, number, code,
                            units_authorized, starts_on, ends_on, created_by, created_at,
                            updated_at)
SELECT 'dddddddd-dddd-4ddd-8ddd-ddddddddddd1', '11111111-1111-4111-8111-111111111111',
       '77777777-7777-4777-8777-777777777703', 'cccccccc-cccc-4ccc-8ccc-ccccccccccc1',
       'HSO-2026-118834', 'H0038', 96, (pg_temp.demo_at(20, '09:00'))::date,
       (pg_temp.demo_at(-160, '09:00'))::date, 'demo-supervisor', pg_temp.demo_at(20, '09:00'),
       pg_temp.demo_at(20, '09:00')
ON CONFLICT (id) DO NOTHING;

DROP FUNCTION pg_temp.demo_respond_by(timestamptz, integer);
DROP FUNCTION pg_temp.demo_at(integer, time);

-- The Part 2 consents intake makes (sql/029): the demo's referrals are loaded without it.
SELECT peerd_part2_consents_of_earlier_referrals();
