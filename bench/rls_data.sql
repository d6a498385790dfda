-- bench/rls: a larger data set on top of the demo one, loaded as the owner: two provider
-- organizations with 20,000 people each and a goal each; in the first, a referral per
-- person, all assigned to demo-specialist, and five draft notes per person (100,000).
-- People came a day before their notes (sql/020 refuses a note from before that).
INSERT INTO participants (id, organization_id, given_name, family_name, county, created_at)
SELECT gen_random_uuid(), o, 'Given' || i, 'Family' || i, 'Multnomah', now() - interval '1 day'
FROM generate_series(1, 20000) i,
     unnest(ARRAY['11111111-1111-4111-8111-111111111111','33333333-3333-4333-8333-333333333333']::uuid[]) o;
INSERT INTO referrals (provider_organization_id, referring_organization_id, participant_id, service_type,
  reason, urgency, substance_use, consent_obtained, consent_part2, status, assigned_specialist_id,
  respond_by, submitted_by, submitted_at)
SELECT p.organization_id, '22222222-2222-4222-8222-222222222222', p.id, 'peer', 'reason', 'routine',
  false, true, false, 'assigned',
  CASE WHEN p.organization_id = '11111111-1111-4111-8111-111111111111'
       THEN '44444444-4444-4444-8444-444444444401'::uuid ELSE NULL END,
  now(), 'gen', p.created_at
FROM participants p WHERE p.given_name LIKE 'Given%' AND p.organization_id = '11111111-1111-4111-8111-111111111111';
INSERT INTO goals (participant_id, domain, statement, created_by)
SELECT id, 'social', 'statement', 'gen' FROM participants WHERE given_name LIKE 'Given%';
INSERT INTO session_notes (organization_id, participant_id, specialist_id, occurred_at,
  duration_minutes, modality, goal_ids, summary, created_by)
SELECT p.organization_id, p.id, '44444444-4444-4444-8444-444444444401', now() - (k || ' hours')::interval,
  30, 'phone', ARRAY[g.id], 'summary', 'gen'
FROM participants p JOIN goals g ON g.participant_id = p.id, generate_series(1, 5) k
WHERE p.given_name LIKE 'Given%' AND p.organization_id = '11111111-1111-4111-8111-111111111111';
ANALYZE participants, referrals, goals, session_notes;
