-- bench/seed.sql: a benchmark data set the size of a busy state program, two years of it:
-- four provider organizations, 500 specialists, 100,000 people referred by a partner
-- organization with their referral histories, about 1,000,000 goals and 1,000,000 session
-- notes, and the episodes of a funded program with their BARC-10 assessments. Every person
-- here is invented.
--
-- Load it into a freshly migrated database (`peerd migrate`, no `peerd seed-demo`) as a
-- superuser:
--   psql -v ON_ERROR_STOP=1 -f bench/seed.sql postgresql://postgres@HOST:PORT/peerd
--
-- The rows are what the API would have written had the partner, the supervisors and the
-- specialists done the work through it, at the times the rows say, relative to the
-- moment of loading: a referral's history follows the status graph (rules/
-- referral_status.c), an assignment goes to a specialist of the right kind who was
-- certified that day and had room, the first session note engages the referral, notes
-- cite active goals of their participant, signing fixes billing as rules/billing.c does.
-- It loads with session_replication_role = replica, which skips triggers: the
-- foreign-key checks (one lookup per row, most of the load's time otherwise), and those
-- that fill columns, whose work is done here instead: goals_take_organization (goals'
-- organization_id, from the participant) and the triggers keeping each specialist's
-- caseload and certified days (sql/012). The foreign keys are then checked once for the
-- whole set, at the end of the transaction, and the kept columns against their
-- definitions.
--
-- Fixed ids, so a benchmark finds what it needs without a lookup (N, n: decimal, padded):
--   organizations   b0000000-0000-4000-8000-00000000000N  providers 1..4, partner 5
--   specialists     b1000000-0000-4000-8000-000000000nnn  subject bench-specialist-nnn;
--                   001..125 work for provider 1, 126..250 for 2, and so on
--   certifications  b2000000-0000-4000-8000-00000000nnnC  specialist nnn's C-th (1, 2)
--   participants    b3000000-0000-4000-8000-000000nnnnnn  1..100000: 25,000 a provider,
--                   in order of referral (1..25000 provider 1, oldest first)
--   referrals       b4000000-0000-4000-8000-000000nnnnnn  participant nnnnnn's
--   goals           b5000000-0000-4000-8000-0000nnnnnnJJ  participant nnnnnn's goal JJ
--   session notes   b6000000-0000-4000-8000-0000nnnnnnMM  participant nnnnnn's note MM
--   episodes        b7000000-0000-4000-8000-000000nnnnnn  participant nnnnnn's (nine in ten)
--   assessments     b8000000-0000-4000-8000-0000nnnnnnKK  its baseline 00, follow-up KK,
--                   discharge 99
-- The callers: bench-partner (partner 5), bench-supervisor-N (provider N) and the
-- specialists' subjects. Specialists whose number ends in 50 joined a few weeks ago and
-- wait for their certification to be verified; those ending in 00 let theirs lapse a few
-- days ago: these ten are not certified today and have no open caseload. Every other
-- specialist is certified, with an open caseload of about 70 and a max_caseload of 100,
-- the most the schema allows: 100,000 people among 490 specialists do not fit in less.
--
-- Draws come from hashint8, so every load makes the same data, at the same distances
-- from its own now(). About a minute on two cores; 1.5 GB.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
-- The working tables below hold some 100 MB; kept in memory (settable only before the
-- session's first temporary table).
SET temp_buffers = '256MB';

BEGIN;

SET LOCAL session_replication_role = replica;
-- Nothing here is worth waiting on the disk for before the end; sorts and hashes of a
-- million rows stay in memory.
SET LOCAL synchronous_commit = off;
SET LOCAL work_mem = '256MB';
-- Compiling these few large queries costs more than running them.
SET LOCAL jit = off;
-- The big queries below are lateral steps one row deep: caching them buys nothing.
SET LOCAL enable_memoize = off;

DO $$
BEGIN
    IF EXISTS (SELECT FROM organizations WHERE id = 'b0000000-0000-4000-8000-000000000001') THEN
        RAISE EXCEPTION 'bench/seed.sql is already loaded in this database';
    END IF;
END
$$;

-- Helpers, gone with the session. All are single expressions, which PostgreSQL inlines
-- into the queries that call them: declared STABLE when they cast to an enum or add to a
-- timestamptz (both STABLE), or they would not be inlined and would cost a call each.

-- A draw in 0 .. buckets - 1, the same for the same seed and salt on every load.
CREATE FUNCTION pg_temp.draw(seed bigint, salt integer, buckets integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((hashint8(seed * 100 + salt)::bigint & 2147483647) % buckets)::integer $$;

CREATE FUNCTION pg_temp.pick(items text[], seed bigint, salt integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT items[1 + pg_temp.draw(seed, salt, cardinality(items))] $$;

-- The fixed ids above: family 0 organizations, 1 specialists, ... 8 assessments.
CREATE FUNCTION pg_temp.bench_id(family integer, number bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ('b' || family::text || '000000-0000-4000-8000-' || lpad(number::text, 12, '0'))::uuid $$;

-- peerd_organization_day for a zone at hand, without a lookup of the organization.
CREATE FUNCTION pg_temp.day_in(zone text, at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (at AT TIME ZONE zone)::date $$;

-- A moment of a day in a zone: minutes after 08:30, a working day's hours.
CREATE FUNCTION pg_temp.working_time(zone text, day date, minutes integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (day + time '08:30' + minutes * interval '1 minute') AT TIME ZONE zone $$;

-- rules/business_days.c: the count-th day after start that is Monday to Friday. From the
-- Monday of start's week, a weekend start counting as its Friday.
CREATE FUNCTION pg_temp.business_days_after(start date, count integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT start - (extract(isodow FROM start)::integer - 1)
           + (least(extract(isodow FROM start)::integer, 5) - 1 + count) / 5 * 7
           + (least(extract(isodow FROM start)::integer, 5) - 1 + count) % 5
$$;

-- A session note drawn from its seed (participant n * 100 + the note's number). The
-- referral's engagement is the writing of its first note, so the referrals read these
-- too.
CREATE FUNCTION pg_temp.note_modality(seed bigint) RETURNS session_modality
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (ARRAY['in_person', 'in_person', 'in_person', 'in_person', 'in_person', 'in_person',
                  'in_person', 'phone', 'phone', 'phone', 'phone', 'video', 'video', 'video',
                  'text', 'group', 'group', 'home_visit', 'community', 'community'])
           [1 + pg_temp.draw(seed, 41, 20)]::session_modality
$$;

-- Texts are short and groups long; a few contacts stay under the 15 minutes of a unit.
CREATE FUNCTION pg_temp.note_minutes(seed bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE pg_temp.note_modality(seed)
               WHEN 'text' THEN 5 + pg_temp.draw(seed, 42, 16)
               WHEN 'group' THEN 60 + 15 * pg_temp.draw(seed, 42, 5)
               ELSE (ARRAY[10, 15, 20, 30, 30, 45, 45, 45, 50, 60, 60, 60, 75, 90])
                    [1 + pg_temp.draw(seed, 42, 14)]
           END
$$;

-- When the specialist wrote it up: after the session, within a few hours.
CREATE FUNCTION pg_temp.note_written(occurred_at timestamptz, seed bigint) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT occurred_at
           + (pg_temp.note_minutes(seed) + 10 + pg_temp.draw(seed, 43, 230)) * interval '1 minute'
$$;

-- Goal j of participant n: the first is always active (every note cites it); the others
-- mostly active too.
CREATE FUNCTION pg_temp.goal_status(n bigint, j integer) RETURNS goal_status
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN j = 0 THEN 'active'
                ELSE (ARRAY['active', 'active', 'active', 'active', 'active', 'active',
                            'active', 'active', 'active', 'active', 'active', 'active',
                            'active', 'achieved', 'achieved', 'achieved', 'paused',
                            'discontinued', 'discontinued', 'paused'])
                     [1 + pg_temp.draw(n * 100 + j, 51, 20)]
           END::goal_status
$$;

-- Organizations -------------------------------------------------------------------------

-- Four providers in four states and zones (Arizona keeps no daylight saving time), with
-- both unit roundings, and the health plan that refers to all of them. The partner's
-- settings are the API's defaults (api/organizations.c): it bills nothing.
CREATE TEMP TABLE bench_organization ON COMMIT DROP AS
SELECT o.*, pg_temp.bench_id(0, o.p) AS id, s.time_zone, 'bench-supervisor-' || o.p AS supervisor,
       now() - interval '3 years' + o.p * interval '1 day' AS created_at
FROM (VALUES
    (1, 'Cascade Peer Recovery Alliance', 'provider'::organization_kind, 'OR',
     ARRAY['Multnomah', 'Washington', 'Clackamas', 'Marion', 'Lane'], 'whole'::unit_rounding,
     16, 21, 2, ARRAY['503', '971', '541'], ARRAY['es', 'es', 'es-MX', 'vi', 'ru'],
     'PSS', 'FSS', 'Mental Health & Addiction Certification Board of Oregon', 20, 6, 4),
    (2, 'Lone Star Peer Support Network', 'provider', 'TX',
     ARRAY['Travis', 'Williamson', 'Hays', 'Bastrop', 'Caldwell'], 'half_up', 16, 21, 3,
     ARRAY['512', '737'], ARRAY['es', 'es', 'es-MX', 'es-MX', 'vi'],
     'CPS', 'CFP', 'Texas Certification Board', 20, 3, 6),
    (3, 'Three Rivers Family & Peer Services', 'provider', 'PA',
     ARRAY['Allegheny', 'Beaver', 'Butler', 'Washington', 'Westmoreland'], 'whole', 12, 21, 2,
     ARRAY['412', '724'], ARRAY['es', 'ar', 'ne', 'ru'],
     'CPS', 'CFRS', 'Pennsylvania Certification Board', 36, 6, 12),
    (4, 'Sonoran Peer & Family Partners', 'provider', 'AZ',
     ARRAY['Maricopa', 'Pima', 'Pinal', 'Yavapai'], 'half_up', 24, 18, 2,
     ARRAY['602', '480', '520'], ARRAY['es', 'es', 'es-MX', 'nv'],
     'PRSS', 'PFSP', 'Arizona Health Care Cost Containment System', 24, 3, 6),
    (5, 'Northstar Health Plan', 'partner', 'MN', ARRAY['Hennepin', 'Ramsey'], 'whole',
     16, 21, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS o (p, name, kind, state, counties, unit_rounding, max_units_per_day, family_youth_max_age,
        referral_response_days, area_codes, languages, peer_credential, family_credential,
        authority, required_total_hours, required_ethics_hours, required_peer_specific_hours)
JOIN us_states s ON s.code = o.state;

-- The time zone the API gives an organization created without one: its state's.
INSERT INTO organizations (id, name, kind, state, counties, unit_rounding, max_units_per_day,
                           family_youth_max_age, referral_response_days, time_zone, created_at,
                           updated_at)
SELECT id, name, kind, state, counties, unit_rounding, max_units_per_day, family_youth_max_age,
       referral_response_days, time_zone, created_at, created_at
FROM bench_organization ORDER BY p;

-- Names shared by staff and participants.
CREATE TEMP TABLE bench_name ON COMMIT DROP AS
SELECT ARRAY['Maria', 'James', 'Aisha', 'Daniel', 'Linh', 'Jose', 'Emily', 'Marcus', 'Sofia',
             'Tyrone', 'Grace', 'Ahmed', 'Hannah', 'Luis', 'Keisha', 'Ivan', 'Olivia',
             'Darnell', 'Mei', 'Carlos', 'Rachel', 'Dmitri', 'Fatima', 'Kevin', 'Rosa',
             'Samuel', 'Tanya', 'Andre', 'Priya', 'Brandon', 'Yesenia', 'Michael', 'Ngozi',
             'Eric', 'Leticia', 'Joshua', 'Amara', 'Robert', 'Juanita', 'Tyler', 'Nadia',
             'Anthony', 'Crystal', 'Hector', 'Jasmine', 'William', 'Thu', 'Derek', 'Alicia',
             'Omar', 'Brianna', 'Patrick', 'Lupe', 'Jamal', 'Megan', 'Raymond', 'Ana',
             'Travis', 'Esperanza', 'Wesley'] AS given,
       ARRAY['Alvarez', 'Johnson', 'Nguyen', 'Williams', 'Garcia', 'Brown', 'Okafor',
             'Martinez', 'Smith', 'Tran', 'Jones', 'Hernandez', 'Davis', 'Lopez', 'Miller',
             'Begay', 'Wilson', 'Gonzalez', 'Moore', 'Kowalski', 'Taylor', 'Rodriguez',
             'Anderson', 'Thomas', 'Jackson', 'White', 'Harris', 'Martin', 'Thompson',
             'Robinson', 'Clark', 'Lewis', 'Walker', 'Hall', 'Allen', 'Young', 'King',
             'Wright', 'Scott', 'Torres', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker',
             'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner',
             'Ramirez', 'Parker', 'Collins', 'Edwards', 'Stewart', 'Morris', 'Yazzie'] AS family,
       ARRAY['Jayden', 'Sofia', 'Elijah', 'Mia', 'Noah', 'Ava', 'Mateo', 'Aaliyah', 'Liam',
             'Camila', 'Ethan', 'Zoe', 'Isaiah', 'Luna', 'Caleb', 'Maya'] AS youth;

-- Specialists ---------------------------------------------------------------------------

-- One in five is a family peer, so family referrals (one in five too) find as many hands
-- per person as the others. standing: 'new' (numbers ending in 50: hired weeks ago, a
-- pending certification), 'lapsed' (ending in 00: certification expired days ago),
-- 'certified' (everyone else), which decides who may take referrals when.
CREATE TEMP TABLE bench_specialist ON COMMIT DROP AS
SELECT n, o.p, pg_temp.bench_id(1, n) AS id, 'bench-specialist-' || lpad(n::text, 3, '0') AS subject,
       CASE WHEN n % 5 = 3 THEN 'family_peer' ELSE 'peer' END::specialist_kind AS kind,
       CASE n % 100 WHEN 50 THEN 'new' WHEN 0 THEN 'lapsed' ELSE 'certified' END AS standing,
       CASE WHEN n % 100 = 50 THEN now() - (14 + n % 20) * interval '1 day'
            -- Hired in the organization's first months, well before the first referral.
            ELSE o.created_at + (1 + (n - 1) % 125) * interval '1 day'
                 + pg_temp.draw(n, 1, 480) * interval '1 minute'
       END AS created_at
FROM generate_series(1, 500) AS n
JOIN bench_organization o ON o.p = (n - 1) / 125 + 1;

INSERT INTO specialists (id, organization_id, subject, given_name, family_name, kind,
                         lived_experience, languages, counties, specialties, bio, max_caseload,
                         active, created_at, updated_at)
SELECT s.id, o.id, s.subject, pg_temp.pick(nm.given, s.n, 2), pg_temp.pick(nm.family, s.n, 3),
       s.kind,
       CASE WHEN s.kind = 'family_peer'
            THEN (ARRAY['{caregiver}', '{caregiver}', '{caregiver,mental_health}'])
                 [1 + pg_temp.draw(s.n, 4, 3)]
            ELSE (ARRAY['{mental_health}', '{substance_use}', '{co_occurring}',
                        '{substance_use,mental_health}'])[1 + pg_temp.draw(s.n, 4, 4)]
       END::lived_experience[],
       CASE pg_temp.draw(s.n, 5, 10)
           WHEN 0 THEN ARRAY[pg_temp.pick(o.languages, s.n, 6), 'en']
           WHEN 1 THEN ARRAY['en', pg_temp.pick(o.languages, s.n, 6)]
           WHEN 2 THEN ARRAY['en', pg_temp.pick(o.languages, s.n, 6)]
           WHEN 3 THEN ARRAY['en', pg_temp.pick(o.languages, s.n, 6)]
           ELSE ARRAY['en']
       END,
       -- One to three neighbouring counties of the organization's.
       (SELECT array_agg(o.counties[1 + (s.n + i) % cardinality(o.counties)] ORDER BY i)
        FROM generate_series(0, pg_temp.draw(s.n, 7, 3)) AS i),
       (SELECT coalesce(array_agg(x.item[1 + (s.n + i) % cardinality(x.item)] ORDER BY i), '{}')
        FROM generate_series(1, pg_temp.draw(s.n, 8, 3)) AS i,
             (SELECT CASE WHEN s.kind = 'family_peer'
                          THEN ARRAY['school meetings', 'juvenile justice', 'IEP advocacy',
                                     'parent support groups', 'crisis follow-up']
                          ELSE ARRAY['housing', 'reentry', 'employment', 'veterans',
                                     'harm reduction', 'crisis follow-up', 'WRAP facilitation',
                                     'benefits navigation', 'LGBTQ+ support']
                     END AS item) AS x),
       CASE WHEN pg_temp.draw(s.n, 9, 10) < 6 THEN
           CASE WHEN s.kind = 'family_peer'
                THEN pg_temp.pick(ARRAY[
                    'Raised a son with bipolar disorder; I walk with parents through the system.',
                    'My daughter spent two years in and out of care. I help families be heard at the table.',
                    'Parent of a child with autism and anxiety; I know how lonely the waiting lists are.'],
                    s.n, 10)
                ELSE pg_temp.pick(ARRAY[
                    'In recovery since 2014; I help people find their footing after jail or treatment.',
                    'I lived with depression for most of my twenties. Recovery is real and it is not a straight line.',
                    'Veteran, in long-term recovery. I meet people where they are.',
                    'Ten years sober. I know the bus routes, the food banks and the landlords who give second chances.'],
                    s.n, 10)
           END
       END,
       100, true, s.created_at, s.created_at
FROM bench_specialist s
JOIN bench_organization o ON o.p = s.p
CROSS JOIN bench_name nm
ORDER BY s.n;

-- Certifications ------------------------------------------------------------------------

-- The state credential, recorded by the supervisor at hiring and active since (verified
-- then, as a supervisor's POST does); one in ten runs out within two months, for the
-- expiring lists. A new hire added their own, still pending. A lapsed specialist's ran
-- out days ago, and its renewal waits as a second one; one in four of the others hold a
-- second, national credential, and a few have just added one, pending.
CREATE TEMP TABLE bench_certification ON COMMIT DROP AS
SELECT s.n * 10 + 1 AS number, s.id AS specialist_id, s.standing,
       CASE WHEN s.kind = 'family_peer' THEN o.family_credential ELSE o.peer_credential END AS credential,
       o.authority, o.state,
       CASE WHEN s.standing = 'new' THEN 'pending' ELSE 'active' END::certification_status AS status,
       CASE WHEN s.standing = 'new' THEN current_date - 10 - pg_temp.draw(s.n, 20, 20)
            ELSE s.created_at::date - 30 - pg_temp.draw(s.n, 20, 300)
       END AS issued_on,
       CASE s.standing
           WHEN 'new' THEN NULL
           WHEN 'lapsed' THEN current_date - 5 - pg_temp.draw(s.n, 21, 20)
           ELSE current_date + CASE WHEN s.n % 10 = 7 THEN 5 + pg_temp.draw(s.n, 21, 55)
                                    ELSE 90 + pg_temp.draw(s.n, 21, 640) END
       END AS expires_on,
       true AS has_requirement, o.required_total_hours, o.required_ethics_hours,
       o.required_peer_specific_hours, o.supervisor,
       CASE WHEN s.standing = 'new' THEN s.created_at + interval '1 day'
            ELSE s.created_at + interval '2 hours' END AS created_at
FROM bench_specialist s JOIN bench_organization o ON o.p = s.p
UNION ALL
SELECT s.n * 10 + 2, s.id, s.standing,
       CASE WHEN s.standing = 'lapsed'
            THEN CASE WHEN s.kind = 'family_peer' THEN o.family_credential ELSE o.peer_credential END
            WHEN s.kind = 'family_peer' THEN 'CPSP' ELSE 'NCPRSS' END,
       CASE WHEN s.standing = 'lapsed' THEN o.authority
            WHEN s.kind = 'family_peer' THEN 'National Federation of Families'
            ELSE 'NAADAC, the Association for Addiction Professionals' END,
       o.state,
       CASE WHEN s.standing = 'lapsed' OR s.n % 20 = 9 THEN 'pending' ELSE 'active' END
           ::certification_status,
       CASE WHEN s.standing = 'lapsed' OR s.n % 20 = 9 THEN current_date - 3 - pg_temp.draw(s.n, 22, 12)
            ELSE s.created_at::date + 100 + pg_temp.draw(s.n, 22, 200) END,
       CASE WHEN s.standing = 'lapsed' OR s.n % 20 = 9 THEN NULL
            ELSE current_date + 60 + pg_temp.draw(s.n, 23, 640) END,
       s.standing = 'lapsed', o.required_total_hours, o.required_ethics_hours,
       o.required_peer_specific_hours, o.supervisor,
       CASE WHEN s.standing = 'lapsed' OR s.n % 20 = 9
            THEN now() - (1 + pg_temp.draw(s.n, 24, 3)) * interval '1 day'
            ELSE s.created_at + (110 + pg_temp.draw(s.n, 22, 200)) * interval '1 day' END
FROM bench_specialist s JOIN bench_organization o ON o.p = s.p
WHERE s.standing = 'lapsed' OR (s.standing = 'certified' AND s.n % 4 = 1);

INSERT INTO certifications (id, specialist_id, credential, issuing_authority, state, number,
                            issued_on, expires_on, training_hours, ceu_hours, status,
                            verified_by, verified_at, required_total_hours,
                            required_ethics_hours, required_peer_specific_hours, created_at,
                            updated_at)
SELECT pg_temp.bench_id(2, c.number), c.specialist_id, c.credential, c.authority, c.state,
       -- A renewal gets a new number; numbers look issued, not counted.
       c.credential || '-' || lpad((100003 + c.number * 7919 % 899993)::text, 6, '0'),
       c.issued_on,
       -- A pending one carries the term the applicant was told: two years.
       coalesce(c.expires_on, c.issued_on + interval '2 years')::date,
       40 + 8 * pg_temp.draw(c.number, 25, 6),
       CASE WHEN c.status = 'active' THEN 6 + pg_temp.draw(c.number, 26, 40) END,
       c.status,
       CASE WHEN c.status = 'active' THEN c.supervisor END,
       CASE WHEN c.status = 'active' THEN c.created_at END,
       CASE WHEN c.has_requirement THEN c.required_total_hours END,
       CASE WHEN c.has_requirement THEN c.required_ethics_hours END,
       CASE WHEN c.has_requirement THEN c.required_peer_specific_hours END,
       c.created_at, c.created_at
FROM bench_certification c
ORDER BY c.number;

-- Referrals -----------------------------------------------------------------------------

-- One referral a person, from the partner, 25,000 a provider over the last two years,
-- oldest first (about one every 42 minutes, day and night: hospitals discharge at all
-- hours). What becomes of each is drawn once (outcome, 0..99):
--   0-3 declined; 4-5 withdrawn by the partner before an answer; 6 closed once accepted
--   (never reached); 7-8 closed while assigned (never reached); 9 withdrawn while engaged;
--   10-14 closed while engaged; 15-99 completed after five to fourteen months.
-- Each step happens at its time or, when that is still to come, not yet: so the newest
-- referrals are submitted, accepted or assigned, those of the last year mostly engaged,
-- and the older ones completed or ended otherwise. engaged_at is the writing of the first
-- session note, whose occurred_at is first_contact_at.
CREATE TEMP TABLE bench_referral ON COMMIT DROP AS
SELECT n, o.p, o.id AS provider_id, o.time_zone, o.supervisor, o.referral_response_days,
       a.family, a.urgent, a.outcome, a.submitted_at, b.decided_at, c.assigned_at,
       d.contact_at, pg_temp.note_written(d.contact_at, n * 100) AS engaged_at,
       f.final_status, f.ended_at, NULL::uuid AS specialist_id, NULL::text AS specialist_subject
FROM generate_series(1, 100000) AS n
JOIN bench_organization o ON o.p = (n - 1) / 25000 + 1
CROSS JOIN LATERAL (SELECT
    n % 5 = 0 AS family,
    pg_temp.draw(n, 1, 100) < 12 AS urgent,
    pg_temp.draw(n, 2, 100) AS outcome,
    now() - (600 + (24999 - (n - 1) % 25000) * 2522 + pg_temp.draw(n, 3, 2522))
            * interval '1 second' AS submitted_at) AS a
-- Answered within hours (urgent) or two days; three in a hundred wait weeks in a queue.
CROSS JOIN LATERAL (SELECT
    a.submitted_at
    + CASE WHEN a.urgent THEN 20 + pg_temp.draw(n, 4, 340) ELSE 120 + pg_temp.draw(n, 4, 2880) END
      * interval '1 minute'
    + CASE WHEN pg_temp.draw(n, 5, 100) < 3 THEN (3 + pg_temp.draw(n, 6, 12)) * interval '1 day'
           ELSE interval '0' END AS decided_at) AS b
CROSS JOIN LATERAL (SELECT
    CASE WHEN a.outcome >= 7
         THEN b.decided_at + (60 + pg_temp.draw(n, 7, 4260)) * interval '1 minute' END
    AS assigned_at) AS c
-- The first meeting, one to three weeks after assignment, in working hours.
CROSS JOIN LATERAL (SELECT
    CASE WHEN a.outcome >= 9
         THEN pg_temp.working_time(o.time_zone,
                                   pg_temp.day_in(o.time_zone, c.assigned_at) + 1
                                   + pg_temp.draw(n, 8, 21),
                                   pg_temp.draw(n, 9, 570)) END AS contact_at) AS d
CROSS JOIN LATERAL (SELECT
    CASE WHEN a.outcome < 4 THEN 'declined' WHEN a.outcome < 6 THEN 'withdrawn'
         WHEN a.outcome < 9 THEN 'closed' WHEN a.outcome = 9 THEN 'withdrawn'
         WHEN a.outcome < 15 THEN 'closed' ELSE 'completed' END::referral_status AS final_status,
    CASE WHEN a.outcome < 4 THEN b.decided_at
         WHEN a.outcome < 6 THEN a.submitted_at + (b.decided_at - a.submitted_at) / 2
         -- Closing and completing are office work, on a later day in working hours.
         ELSE pg_temp.working_time(o.time_zone, pg_temp.day_in(o.time_zone, CASE
                  WHEN a.outcome = 6 THEN b.decided_at WHEN a.outcome < 9 THEN c.assigned_at
                  ELSE pg_temp.note_written(d.contact_at, n * 100) END)
                  + CASE WHEN a.outcome = 6 THEN 3 + pg_temp.draw(n, 10, 8)
                         WHEN a.outcome < 9 THEN 25 + pg_temp.draw(n, 10, 20)
                         WHEN a.outcome = 9 THEN 20 + pg_temp.draw(n, 10, 100)
                         WHEN a.outcome < 15 THEN 30 + pg_temp.draw(n, 10, 170)
                         ELSE 150 + pg_temp.draw(n, 10, 270) END,
                  pg_temp.draw(n, 11, 570))
    END AS ended_at) AS f;

ALTER TABLE bench_referral ADD COLUMN status referral_status;
UPDATE bench_referral SET status = CASE
    WHEN ended_at <= now() THEN final_status
    WHEN engaged_at <= now() THEN 'engaged'
    WHEN assigned_at <= now() THEN 'assigned'
    WHEN outcome >= 6 AND decided_at <= now() THEN 'accepted'
    ELSE 'submitted'
END;

-- Assignment, round robin in order of assignment among the specialists of the kind the
-- service needs. Open referrals and those assigned in the last 90 days go to specialists
-- certified today (certified every day since they were hired); older ones may also have
-- gone to a lapsed specialist, whose certification ran until days ago. New hires have
-- none yet.
CREATE TEMP TABLE bench_pool ON COMMIT DROP AS
SELECT s.p, s.kind = 'family_peer' AS family, pool.name AS pool, s.id, s.subject,
       row_number() OVER (w ORDER BY s.n) - 1 AS slot, count(*) OVER w AS size
FROM bench_specialist s
CROSS JOIN (VALUES ('current'), ('past')) AS pool (name)
WHERE s.standing = 'certified' OR (pool.name = 'past' AND s.standing = 'lapsed')
WINDOW w AS (PARTITION BY s.p, s.kind, pool.name);

UPDATE bench_referral r SET specialist_id = pl.id, specialist_subject = pl.subject
FROM (SELECT n, p, family, pool,
             row_number() OVER (PARTITION BY p, family, pool ORDER BY assigned_at, n) - 1 AS turn
      FROM (SELECT n, p, family,
                   CASE WHEN status IN ('assigned', 'engaged')
                          OR assigned_at > now() - interval '90 days' THEN 'current'
                        ELSE 'past' END AS pool, assigned_at
            FROM bench_referral WHERE assigned_at <= now()) AS assigned) AS t
JOIN bench_pool pl ON pl.p = t.p AND pl.family = t.family AND pl.pool = t.pool
                  AND pl.slot = t.turn % pl.size
WHERE r.n = t.n;

-- The history, one row per step taken by now, as each handler writes it: the partner
-- submits and withdraws, the supervisor answers, assigns, completes and closes, the
-- specialist's first note engages.
CREATE TEMP TABLE bench_event ON COMMIT DROP AS
SELECT * FROM (
    SELECT n, NULL::referral_status AS from_status, 'submitted'::referral_status AS to_status,
           submitted_at AS at, 'bench-partner' AS actor, 'partner' AS actor_role,
           NULL AS reason, NULL::uuid AS specialist_id
    FROM bench_referral
    UNION ALL
    SELECT n, 'submitted', 'accepted', decided_at, supervisor, 'supervisor', NULL, NULL
    FROM bench_referral WHERE outcome >= 6
    UNION ALL
    SELECT n, 'accepted', 'assigned', assigned_at, supervisor, 'supervisor', NULL, specialist_id
    FROM bench_referral WHERE outcome >= 7
    UNION ALL
    SELECT n, 'assigned', 'engaged', engaged_at, specialist_subject, 'specialist', NULL, NULL
    FROM bench_referral WHERE outcome >= 9
    UNION ALL
    SELECT n,
           CASE WHEN outcome < 6 THEN 'submitted' WHEN outcome = 6 THEN 'accepted'
                WHEN outcome < 9 THEN 'assigned' ELSE 'engaged' END::referral_status,
           final_status, ended_at,
           CASE WHEN final_status = 'withdrawn' THEN 'bench-partner' ELSE supervisor END,
           CASE WHEN final_status = 'withdrawn' THEN 'partner' ELSE 'supervisor' END,
           CASE final_status
               WHEN 'declined' THEN pg_temp.pick(ARRAY[
                   'Outside our service area; we sent back a list of providers closer to home.',
                   'Already enrolled with another peer support program.',
                   'No active Medicaid coverage; referred to the county for enrollment first.',
                   'The participant told our intake line they do not want peer support now.'], n, 12)
               WHEN 'withdrawn' THEN pg_temp.pick(ARRAY[
                   'The participant chose another provider.',
                   'The participant moved out of state.',
                   'Sent in error: wrong participant.',
                   'The participant asked us to withdraw the referral.'], n, 12)
               WHEN 'closed' THEN CASE WHEN outcome < 9 THEN pg_temp.pick(ARRAY[
                   'Unable to reach the participant after three attempts.',
                   'Phone disconnected and no other contact on file.',
                   'The participant did not come to two scheduled first meetings.'], n, 12)
                   ELSE pg_temp.pick(ARRAY[
                   'No contact for 60 days despite outreach.',
                   'The participant moved out of the service area.',
                   'The participant asked to stop services.',
                   'In residential treatment; the partner will refer again at discharge.'], n, 12)
                   END
           END,
           NULL
    FROM bench_referral
) AS e
WHERE at <= now();

CREATE INDEX ON bench_event (n);
ANALYZE bench_referral, bench_event;

-- The participants the referrals brought, as the intake wrote them. Family support is for
-- a parent or caregiver, 18 to 42 years older than their child (4 to 16 on the day of
-- submission, under every provider's family_youth_max_age); a parent's birth date is
-- always known, one in twenty others' is not.
INSERT INTO participants (id, organization_id, given_name, family_name, preferred_name,
                          birth_date, phone, email, county, preferred_language,
                          youth_given_name, youth_birth_date, created_at, updated_at)
SELECT pg_temp.bench_id(3, r.n), r.provider_id, x.given_name, x.family_name,
       CASE WHEN pg_temp.draw(r.n, 20, 10) = 0
            THEN pg_temp.pick(ARRAY['Sam', 'Lu', 'DJ', 'Nena', 'Chuy', 'Bee', 'Ty', 'Mo'], r.n, 21) END,
       CASE WHEN r.family OR pg_temp.draw(r.n, 22, 20) > 0
            THEN coalesce(x.youth_born, x.day) - (18 + pg_temp.draw(r.n, 23, CASE WHEN r.family THEN 25 ELSE 55 END)) * 365
                 - pg_temp.draw(r.n, 24, 365) END,
       CASE WHEN pg_temp.draw(r.n, 25, 10) < 8
            THEN '(' || pg_temp.pick(o.area_codes, r.n, 26) || ') 555-'
                 || lpad(pg_temp.draw(r.n, 27, 10000)::text, 4, '0') END,
       CASE WHEN pg_temp.draw(r.n, 28, 100) < 35
            THEN lower(x.given_name) || '.' || lower(x.family_name) || r.n % 1000 || '@example.org' END,
       CASE WHEN pg_temp.draw(r.n, 29, 20) > 0 THEN pg_temp.pick(o.counties, r.n, 30) END,
       CASE WHEN pg_temp.draw(r.n, 31, 100) < 70 THEN 'en'
            WHEN pg_temp.draw(r.n, 31, 100) < 93 THEN pg_temp.pick(o.languages, r.n, 32) END,
       CASE WHEN r.family THEN pg_temp.pick(nm.youth, r.n, 33) END,
       x.youth_born,
       r.submitted_at, r.submitted_at
FROM bench_referral r
JOIN bench_organization o ON o.p = r.p
CROSS JOIN bench_name nm
CROSS JOIN LATERAL (SELECT pg_temp.pick(nm.given, r.n, 36) AS given_name,
                           pg_temp.pick(nm.family, r.n, 37) AS family_name,
                           pg_temp.day_in(r.time_zone, r.submitted_at) AS day) AS d
CROSS JOIN LATERAL (SELECT d.*,
                           CASE WHEN r.family THEN d.day - (4 + pg_temp.draw(r.n, 34, 13)) * 365
                                                   - pg_temp.draw(r.n, 35, 300) END AS youth_born
                    OFFSET 0) AS x
ORDER BY r.n;

-- respond_by as intake computes it: the provider's response days (one when urgent) in
-- business days after the day of submission, at the submission's time of day, in the
-- provider's zone. version and updated_at follow the history: every step after
-- submission is one update.
INSERT INTO referrals (id, provider_organization_id, referring_organization_id, participant_id,
                       service_type, reason, needs, urgency, substance_use, consent_obtained,
                       consent_obtained_on, consent_part2, external_id, status,
                       assigned_specialist_id, first_contact_at, submitted_at, respond_by,
                       submitted_by, version, created_at, updated_at)
SELECT pg_temp.bench_id(4, r.n), r.provider_id, pg_temp.bench_id(0, 5), pg_temp.bench_id(3, r.n),
       CASE WHEN r.family THEN 'family' ELSE 'peer' END::service_type,
       CASE WHEN r.family THEN pg_temp.pick(ARRAY[
                'Mother of a 12-year-old with two psychiatric admissions this year; asking for a parent who has been there.',
                'Grandmother raising two grandchildren; the older one was just diagnosed with PTSD and she is overwhelmed.',
                'Father wants help getting his son''s school to hold an IEP meeting after repeated suspensions.',
                'Parent of a teen discharged from crisis stabilization; needs support navigating outpatient care.',
                'Foster parent asking for support after a placement nearly disrupted.'], r.n, 40)
            WHEN x.substance_use THEN pg_temp.pick(ARRAY[
                'Discharged from detox on Friday; wants a peer to help with housing and meetings.',
                'Seen in the emergency department after an overdose; agreed to talk with a peer.',
                'Leaving residential treatment next week; no sober supports at home.',
                'On MOUD for three months and wants help finding work and a recovery community.'], r.n, 40)
            ELSE pg_temp.pick(ARRAY[
                'Recently discharged from inpatient psychiatry; lives alone and is isolated.',
                'Frequent emergency department visits for anxiety; asks for someone to talk to who understands.',
                'Released from county jail last month; needs help with benefits, ID and housing.',
                'Lost job and housing this spring; depression worsening, open to peer support.',
                'Primary care referral: history of trauma, not ready for therapy, interested in a peer.'], r.n, 40)
       END,
       (SELECT array_agg((ARRAY['emotional', 'financial', 'social', 'spiritual', 'occupational',
                                'physical', 'intellectual', 'environmental'])
                         [1 + (pg_temp.draw(r.n, 41, 8) + step) % 8] ORDER BY step)
        FROM unnest(ARRAY[0, 3, 5]) WITH ORDINALITY AS s (step, i)
        WHERE s.i <= 1 + pg_temp.draw(r.n, 42, 3))::wellness_domain[],
       CASE WHEN r.urgent THEN 'urgent' ELSE 'routine' END::referral_urgency,
       x.substance_use, true,
       CASE WHEN pg_temp.draw(r.n, 43, 10) > 0
            THEN x.day - pg_temp.draw(r.n, 44, 4) END,
       x.substance_use OR pg_temp.draw(r.n, 45, 10) = 0,
       CASE WHEN pg_temp.draw(r.n, 46, 100) < 92
            THEN 'NHP-' || extract(year FROM x.day) || '-' || lpad(r.n::text, 6, '0') END,
       r.status, r.specialist_id,
       CASE WHEN r.engaged_at <= now() THEN r.contact_at END,
       r.submitted_at,
       (pg_temp.business_days_after(x.day, CASE WHEN r.urgent THEN 1 ELSE r.referral_response_days END)
        + (r.submitted_at AT TIME ZONE r.time_zone)::time) AT TIME ZONE r.time_zone,
       'bench-partner', h.steps, r.submitted_at, h.last_at
FROM bench_referral r
CROSS JOIN LATERAL (SELECT pg_temp.draw(r.n, 47, 100) < CASE WHEN r.family THEN 10 ELSE 45 END
                           AS substance_use,
                           pg_temp.day_in(r.time_zone, r.submitted_at) AS day) AS x
JOIN (SELECT n, count(*)::integer AS steps, max(at) AS last_at FROM bench_event GROUP BY n) AS h
    ON h.n = r.n
ORDER BY r.n;

-- In the order they happened, so the ids (the order of a history) follow time as they do
-- when the API writes them.
INSERT INTO referral_events (referral_id, from_status, to_status, at, actor, actor_role, reason,
                             specialist_id)
SELECT pg_temp.bench_id(4, n), from_status, to_status, at, actor, actor_role, reason, specialist_id
FROM bench_event
ORDER BY at, n;

-- What the skipped triggers of certifications and referrals keep on each specialist's
-- row (sql/012): the open caseload and the days their active certifications cover,
-- counted once now for everyone, by the function the triggers call.
SELECT count(peerd_specialist_standing_refresh(id)) FROM specialists;

-- The people met with --------------------------------------------------------------------

-- Everyone who has met their specialist has goals and notes. The window of a person's
-- work is from the first contact to now, or to four days before the referral ended (its
-- notes all signed by then). Goals: eleven or twelve a person, 1,000,000 in all. Notes:
-- about 1,000,000 in all, in proportion to the length of the window, a session every
-- couple of weeks.
CREATE TEMP TABLE bench_window ON COMMIT DROP AS
SELECT n, CASE WHEN ended_at <= now() THEN ended_at - interval '4 days' ELSE now() END
          AS work_until
FROM bench_referral WHERE engaged_at <= now();

-- Everything the goals and notes need of a person, in one row, in order of n: the two
-- queries below join nothing else (the planner cannot estimate their generate_series
-- and would choose its joins badly), and produce rows in id order, which keeps their
-- inserts into the indexes on ids local. Billing asks whether the specialist was
-- certified on the day of each note: peerd_certified_on, a function call a note (most of
-- the load's time), answered here by the days their row keeps (sql/012), which are that
-- function's answers; the checks at the end compare the billing with the function.
CREATE TEMP TABLE bench_person ON COMMIT DROP AS
SELECT r.n, r.provider_id, r.time_zone, r.supervisor, r.status, r.ended_at, r.contact_at,
       w.work_until, r.specialist_id, r.specialist_subject, o.unit_rounding,
       o.max_units_per_day, s.certified_days,
       (goals.per_person + (pg_temp.draw(r.n, 50, 1000) < goals.extra_per_mille)::integer)::integer
       AS goal_count,
       greatest(1, round(extract(epoch FROM w.work_until - r.contact_at) / notes.cadence))::integer
       AS note_count
FROM bench_referral r
JOIN bench_window w ON w.n = r.n
JOIN bench_organization o ON o.p = r.p
JOIN specialists s ON s.id = r.specialist_id
CROSS JOIN (SELECT 1000000 / count(*) AS per_person,
                   (1000000 % count(*)) * 1000 / count(*) AS extra_per_mille
            FROM bench_window) AS goals
CROSS JOIN (SELECT sum(extract(epoch FROM w.work_until - r.contact_at)) / 1000000 AS cadence
            FROM bench_window w JOIN bench_referral r ON r.n = w.n) AS notes
ORDER BY r.n;

DO $$
BEGIN
    IF (SELECT max(note_count) FROM bench_person) > 99 THEN
        RAISE EXCEPTION 'a participant would have more than 99 notes: their ids would collide';
    END IF;
END
$$;

-- Goals ---------------------------------------------------------------------------------

-- What people want, in their words, and steps toward it, by wellness domain.
CREATE TEMP TABLE bench_goal_text ON COMMIT DROP AS
SELECT domain::wellness_domain, statements, steps FROM (VALUES
    ('emotional',
     ARRAY['I want to feel less anxious when I leave the house.',
           'I want to get through a bad day without giving up on myself.',
           'I want to notice my warning signs before things fall apart.'],
     ARRAY['Write down three warning signs with my peer specialist',
           'Practice the breathing exercise before appointments',
           'Call the warmline when I feel overwhelmed']),
    ('financial',
     ARRAY['I want to pay my rent on time every month.',
           'I want to open a bank account and save $20 a week.',
           'I want to finish my SSI paperwork.'],
     ARRAY['Make a budget for this month', 'Bring ID and mail to the credit union',
           'Gather medical records for the application']),
    ('social',
     ARRAY['Find people I can call who don''t use.', 'I want to reconnect with my sister.',
           'I want to go to a support group every week.'],
     ARRAY['Go to one recovery meeting a week', 'Text my sister on her birthday',
           'Try the Tuesday group at the drop-in center']),
    ('spiritual',
     ARRAY['I want to get back to my church.', 'I want some quiet time every morning.',
           'I want to feel like my life has a purpose again.'],
     ARRAY['Go to Sunday service once this month', 'Ten minutes of quiet before breakfast',
           'Write about what matters to me']),
    ('occupational',
     ARRAY['I want a job where people know I''m reliable.', 'I want to finish my GED.',
           'I want to volunteer at the food bank.'],
     ARRAY['Update my resume with my peer specialist', 'Apply to three jobs',
           'Sign up for the GED class at the library']),
    ('physical',
     ARRAY['I want to sleep through the night.',
           'I want to walk for 20 minutes three times a week.',
           'I want to see a dentist this year.'],
     ARRAY['No screens after 10 p.m.', 'Walk to the park and back on Mondays',
           'Call the dental clinic that takes Medicaid']),
    ('intellectual',
     ARRAY['I want to read one book a month.', 'I want to take a community college class.',
           'I want to learn to use a computer for job applications.'],
     ARRAY['Get a library card', 'Look at the community college schedule',
           'Go to the free computer class']),
    ('environmental',
     ARRAY['I want my own apartment.', 'I want my home to feel safe for my kids.',
           'I want a bus pass so I can get around on my own.'],
     ARRAY['Put my name on the housing authority list', 'Ask the landlord to fix the lock',
           'Apply for the reduced-fare bus pass'])
) AS t (domain, statements, steps);

-- Three made at the first meeting, written up just before its note, the rest over the
-- months after. The texts as one value, read by a key rather than joined: per domain the
-- statements and the steps, one to three of the domain's steps in three orders, some done,
-- all done once the goal is achieved. Computed here, not stored: a stored copy would be
-- compressed, and decompressed at every goal.
INSERT INTO goals (id, participant_id, organization_id, domain, statement, strengths, steps,
                   target_date, status, achieved_on, status_reason, created_by, version,
                   created_at, updated_at)
WITH catalog AS MATERIALIZED (
    SELECT jsonb_object_agg(t.domain, jsonb_build_object(
               'statements', to_jsonb(t.statements),
               'steps', (SELECT jsonb_object_agg(variant, steps) FROM (
                             SELECT v.variant || CASE WHEN a.achieved THEN 'a' ELSE '' END AS variant,
                                    jsonb_agg(jsonb_build_object(
                                        'text', t.steps[1 + (v.variant + i) % 3],
                                        'done', a.achieved OR (v.variant + i) % 4 = 0) ORDER BY i)
                                    AS steps
                             FROM generate_series(0, 8) AS v (variant)
                             CROSS JOIN (VALUES (false), (true)) AS a (achieved)
                             CROSS JOIN LATERAL generate_series(0, v.variant / 3) AS i
                             GROUP BY v.variant, a.achieved) AS x))) AS texts
    FROM bench_goal_text t)
SELECT pg_temp.bench_id(5, g.seed), pg_temp.bench_id(3, r.n), r.provider_id, g.domain,
       k.texts #>> ARRAY[g.domain::text, 'statements', pg_temp.draw(g.seed, 52, 3)::text],
       -- One to three strengths, neighbours in the list (so never one twice; the first
       -- three again at its end for the slices that wrap).
       (ARRAY['shows up early', 'good listener', 'funny', 'loyal', 'resourceful',
              'good with tools', 'loves my kids', 'honest', 'creative', 'persistent',
              'kind to others', 'good cook', 'shows up early', 'good listener', 'funny'])
       [1 + g.seed % 12 : 1 + g.seed % 12 + pg_temp.draw(g.seed, 53, 3)],
       k.texts #> ARRAY[g.domain::text, 'steps',
                        pg_temp.draw(g.seed, 57, 9) || CASE WHEN g.status = 'achieved' THEN 'a' ELSE '' END],
       CASE WHEN pg_temp.draw(g.seed, 58, 5) > 0
            THEN pg_temp.day_in(r.time_zone, g.created_at)
                 + (ARRAY[60, 90, 90, 120, 180])[1 + pg_temp.draw(g.seed, 59, 5)] END,
       g.status,
       CASE WHEN g.status = 'achieved' THEN pg_temp.day_in(r.time_zone, g.changed_at) END,
       CASE g.status
           WHEN 'paused' THEN pg_temp.pick(ARRAY['Focusing on housing first.',
               'In the hospital for a few weeks.', 'Wants a break from this one for now.'],
               g.seed, 60)
           WHEN 'discontinued' THEN pg_temp.pick(ARRAY['No longer important to the participant.',
               'Replaced by a more specific goal.', 'The participant moved on from this.'],
               g.seed, 60)
       END,
       r.specialist_subject,
       CASE WHEN g.status = 'active' THEN 1 ELSE 2 END,
       g.created_at, coalesce(g.changed_at, g.created_at)
FROM catalog k
CROSS JOIN bench_person r
CROSS JOIN LATERAL generate_series(0, r.goal_count - 1) AS j
-- Each step below is computed once a goal: OFFSET 0 keeps PostgreSQL from flattening it
-- into the steps that use it, which would compute it again at every mention.
CROSS JOIN LATERAL (SELECT r.n * 100 + j AS seed,
    -- The eight domains in turn, from a different one for each person.
    (ARRAY['emotional', 'financial', 'social', 'spiritual', 'occupational', 'physical',
           'intellectual', 'environmental'])[1 + (pg_temp.draw(r.n, 61, 8) + j * 3) % 8]
    ::wellness_domain AS domain,
    CASE WHEN j < 3
         THEN r.contact_at + (pg_temp.note_minutes(r.n * 100) + 2 + j) * interval '1 minute'
         ELSE r.contact_at + (r.work_until - r.contact_at) * (0.9 * (j - 2) / (r.goal_count - 2))::float8
    END AS created_at,
    pg_temp.goal_status(r.n, j) AS status OFFSET 0) AS c
-- Achieved, paused or discontinued some time between its making and the window's end.
CROSS JOIN LATERAL (SELECT c.seed, c.domain, c.created_at, c.status,
    CASE WHEN c.status <> 'active'
         THEN c.created_at + (r.work_until - c.created_at)
                             * (0.2 + pg_temp.draw(c.seed, 62, 70) / 100.0)::float8 END
    AS changed_at OFFSET 0) AS g;

-- Session notes -------------------------------------------------------------------------

-- The first is the first contact; the others fall on later days, one day at most per
-- person, in working hours. Notes cite the first goal, and at times another of the
-- three first goals still active. Signing: within hours, some the next day or later,
-- before the referral ended; on open referrals, what is younger than that is still a
-- draft, as are two in five of the last two weeks' and a few forgotten older ones.
-- Supervisors co-sign three in four within ten days. Billing as session_note_signing.c
-- fixes it, on the organization's day of the session, with nothing billed earlier that
-- day (one note a day a person): the daily cap only clips a long session.
INSERT INTO session_notes (id, organization_id, participant_id, specialist_id, occurred_at,
                           duration_minutes, modality, location, goal_ids, summary, response,
                           plan, status, signed_at, signed_by, billing, billing_units,
                           billing_day, cosigned_by, cosigned_at, created_by, version,
                           created_at, updated_at)
SELECT pg_temp.bench_id(6, v.seed), r.provider_id, pg_temp.bench_id(3, r.n), r.specialist_id,
       v.occurred_at, v.minutes, v.modality,
       CASE v.modality
           WHEN 'in_person' THEN pg_temp.pick(ARRAY['Agency office', 'Drop-in center',
               'Clinic lobby meeting room'], v.seed, 70)
           WHEN 'home_visit' THEN 'Participant''s home'
           WHEN 'community' THEN pg_temp.pick(ARRAY['Public library', 'Coffee shop near the bus station',
               'County social services office', 'Food bank', 'City park'], v.seed, 70)
           WHEN 'group' THEN 'Recovery community center, group room'
       END,
       CASE WHEN cardinality(i.active) > 1 AND pg_temp.draw(v.seed, 71, 2) = 0
            THEN ARRAY[i.active[1], i.active[2 + pg_temp.draw(v.seed, 72, cardinality(i.active) - 1)]]
            ELSE ARRAY[i.active[1]] END,
       pg_temp.pick(ARRAY[
           'Talked through the week and what got in the way of the plan.',
           'Worked on the housing application together and called the property manager.',
           'Went over the budget; rent is covered this month.',
           'Participant shared a hard week with family; we talked about what helped last time.',
           'Practiced what to say at the job interview on Thursday.',
           'Attended the recovery meeting together, then debriefed over coffee.',
           'Reviewed goals and steps; one step done, one moved to next week.',
           'Checked in after the hospital discharge; reviewed medications list and appointments.'],
           v.seed, 73),
       pg_temp.pick(ARRAY[
           'Engaged and hopeful.', 'Quiet at first, more open by the end.',
           'Frustrated with the waiting lists but wants to keep going.',
           'Proud of the progress this week.', 'Tired; asked to keep it short.',
           'Laughed a lot; said this was the best week in a while.'], v.seed, 74),
       CASE WHEN pg_temp.draw(v.seed, 75, 10) > 0 THEN pg_temp.pick(ARRAY[
           'Meet again next week, same time.', 'Call on Monday to check in about the interview.',
           'Bring the lease paperwork next time.', 'Try the Tuesday group and talk about it after.',
           'Follow up with the benefits office before the next session.'], v.seed, 76) END,
       s.status, s.signed_at,
       CASE WHEN s.status = 'signed' THEN r.specialist_subject END,
       CASE WHEN s.status = 'signed' THEN jsonb_build_object(
           'billable', b.billable, 'code', 'H0038',
           'modifiers', CASE v.modality WHEN 'group' THEN '["HQ"]' WHEN 'video' THEN '["95"]'
                        WHEN 'phone' THEN '["93"]' ELSE '[]' END::jsonb,
           'units', b.units, 'reasons', to_jsonb(b.reasons),
           'place_of_service', CASE v.modality WHEN 'in_person' THEN '11' WHEN 'group' THEN '11'
                               WHEN 'home_visit' THEN '12' WHEN 'video' THEN '10'
                               WHEN 'phone' THEN '10' WHEN 'community' THEN '99' END,
           'authorization_id', NULL) END,
       CASE WHEN s.status = 'signed' THEN b.units END,
       CASE WHEN s.status = 'signed' THEN v.day END,
       CASE WHEN s.cosigned_at IS NOT NULL THEN r.supervisor END,
       s.cosigned_at,
       r.specialist_subject,
       1 + (s.status = 'signed')::integer + (s.cosigned_at IS NOT NULL)::integer,
       v.written_at, coalesce(s.cosigned_at, s.signed_at, v.written_at)
FROM bench_person r
-- The first three goals, those of them active: the first always is.
CROSS JOIN LATERAL (SELECT array_agg(pg_temp.bench_id(5, r.n * 100 + j) ORDER BY j) AS active
                    FROM generate_series(0, 2) AS j
                    WHERE pg_temp.goal_status(r.n, j) = 'active') AS i
CROSS JOIN LATERAL generate_series(0, r.note_count - 1) AS m
-- OFFSET 0: each step computed once a note, not again at every mention.
CROSS JOIN LATERAL (SELECT r.n * 100 + m AS seed,
    CASE WHEN m = 0 THEN r.contact_at
         ELSE pg_temp.working_time(
             r.time_zone,
             pg_temp.day_in(r.time_zone, r.contact_at)
             + floor((m + pg_temp.draw(r.n * 100 + m, 77, 50) / 100.0)
                     * extract(epoch FROM r.work_until - r.contact_at) / 86400 / r.note_count)::integer,
             pg_temp.draw(r.n * 100 + m, 78, 570))
    END AS occurred_at OFFSET 0) AS t
CROSS JOIN LATERAL (SELECT t.seed, t.occurred_at, pg_temp.note_modality(t.seed) AS modality,
                           pg_temp.note_minutes(t.seed) AS minutes,
                           pg_temp.note_written(t.occurred_at, t.seed) AS written_at,
                           pg_temp.day_in(r.time_zone, t.occurred_at) AS day OFFSET 0) AS v
CROSS JOIN LATERAL (SELECT
    v.written_at + CASE WHEN pg_temp.draw(v.seed, 79, 100) < 70
                        THEN pg_temp.draw(v.seed, 80, 240) * interval '1 minute'
                        WHEN pg_temp.draw(v.seed, 79, 100) < 95
                        THEN (720 + pg_temp.draw(v.seed, 80, 1440)) * interval '1 minute'
                        ELSE (2880 + pg_temp.draw(v.seed, 80, 5760)) * interval '1 minute'
                   END AS at OFFSET 0) AS sign
CROSS JOIN LATERAL (SELECT
    CASE WHEN r.status <> 'engaged' THEN least(sign.at, r.ended_at - interval '1 hour')
         WHEN sign.at > now()
           OR (v.occurred_at > now() - interval '14 days' AND pg_temp.draw(v.seed, 81, 5) < 2)
           OR pg_temp.draw(v.seed, 82, 1000) < 15 THEN NULL
         ELSE sign.at
    END AS signed_at,
    sign.at + (1440 + pg_temp.draw(v.seed, 84, 12960)) * interval '1 minute' AS cosign_at
    OFFSET 0) AS sg
CROSS JOIN LATERAL (SELECT
    CASE WHEN sg.signed_at IS NULL THEN 'draft' ELSE 'signed' END::session_note_status AS status,
    sg.signed_at,
    CASE WHEN pg_temp.draw(v.seed, 83, 4) > 0 AND sg.signed_at IS NOT NULL
              AND sg.cosign_at <= now() THEN sg.cosign_at END AS cosigned_at,
    CASE r.unit_rounding WHEN 'half_up' THEN (v.minutes + 7) / 15 ELSE v.minutes / 15 END AS units,
    r.certified_days @> v.day AS certified
    OFFSET 0) AS s
CROSS JOIN LATERAL (SELECT array_remove(ARRAY[
        CASE WHEN NOT s.certified THEN 'not_certified' END,
        CASE WHEN v.modality = 'text' THEN 'text_modality' END,
        CASE WHEN s.units = 0 THEN 'under_one_unit' END], NULL) AS reasons OFFSET 0) AS x
CROSS JOIN LATERAL (SELECT cardinality(x.reasons) = 0 AS billable,
                           CASE WHEN cardinality(x.reasons) = 0
                                THEN least(s.units, r.max_units_per_day) ELSE 0 END AS units,
                           x.reasons) AS b
WHERE v.written_at <= now();

-- Episodes and assessments --------------------------------------------------------------

-- Nine in ten of the people met with are in a funded program, one episode each, from the
-- day of their first contact until their referral ended (closed with a reason that
-- follows how it ended: a completion completes it, a withdrawal withdraws, a closing
-- is mostly contact lost). level: where their recovery capital starts, 2..4 of 6.
CREATE TEMP TABLE bench_episode ON COMMIT DROP AS
SELECT p.n, pg_temp.bench_id(7, p.n) AS id, p.provider_id, p.time_zone, p.specialist_subject,
       pg_temp.pick(ARRAY['SOR grant', 'CCBHC expansion', 'Block grant'], p.n, 90) AS program,
       p.contact_at, pg_temp.day_in(p.time_zone, p.contact_at) AS started_on,
       e.ended_at, pg_temp.day_in(p.time_zone, e.ended_at) AS ended_on,
       CASE WHEN e.ended_at IS NULL THEN NULL
            WHEN p.status = 'completed' THEN 'completed'
            WHEN p.status = 'withdrawn' THEN 'withdrew'
            ELSE pg_temp.pick(ARRAY['lost_contact', 'lost_contact', 'lost_contact', 'moved',
                                    'incarcerated', 'other'], p.n, 91)
       END::episode_end_reason AS end_reason,
       pg_temp.day_in(p.time_zone, now()) AS today, 2 + pg_temp.draw(p.n, 92, 3) AS level
FROM bench_person p
CROSS JOIN LATERAL (SELECT CASE WHEN p.ended_at <= now() THEN p.ended_at END AS ended_at) AS e
WHERE pg_temp.draw(p.n, 93, 10) < 9;

-- Opened at the first meeting; closing is one PATCH, at the referral's end.
INSERT INTO episodes (id, organization_id, participant_id, program, started_on, ended_on,
                      end_reason, created_by, version, created_at, updated_at)
SELECT id, provider_id, pg_temp.bench_id(3, n), program, started_on, ended_on, end_reason,
       specialist_subject, CASE WHEN ended_at IS NULL THEN 1 ELSE 2 END, contact_at,
       coalesce(ended_at, contact_at)
FROM bench_episode ORDER BY contact_at, n;

-- The BARC-10 on the organization's schedule (the slots peerd_assessment_slots lists, as
-- an episode's schedule does): a day drawn in each slot's window, a follow-up no later
-- than the episode's end, none yet when that day is still to come. Most slots are done,
-- fewer as time goes on: the rest are missed, or still open. Scores rise a little with
-- each follow-up and at a completed discharge.
INSERT INTO assessments (id, organization_id, participant_id, episode_id, instrument, timepoint,
                         slot, administered_on, answers, created_by, created_at, updated_at)
SELECT pg_temp.bench_id(8, k.seed), e.provider_id, pg_temp.bench_id(3, e.n), e.id, 'barc10',
       s.timepoint, s.slot, a.day,
       ARRAY(SELECT least(6, greatest(1, e.level + g.gain + pg_temp.draw(k.seed * 10 + j, 97, 3) - 1))::smallint
             FROM generate_series(1, 10) AS j),
       e.specialist_subject, a.at, a.at
FROM bench_episode e
JOIN organizations o ON o.id = e.provider_id
CROSS JOIN LATERAL peerd_assessment_slots(e.started_on, e.ended_on, e.today,
                                          o.assessment_baseline_days, o.assessment_interval_days,
                                          o.assessment_window_days, o.assessment_discharge_days) AS s
CROSS JOIN LATERAL (SELECT e.n * 100 + CASE s.timepoint WHEN 'baseline' THEN 0
                                                        WHEN 'discharge' THEN 99
                                                        ELSE s.slot END AS seed) AS k
CROSS JOIN LATERAL (SELECT CASE s.timepoint WHEN 'baseline' THEN 0
                                WHEN 'follow_up' THEN least(2, (s.slot + pg_temp.draw(k.seed, 96, 3)) / 3)
                                WHEN 'discharge' THEN CASE WHEN e.end_reason = 'completed'
                                                           THEN 1 + pg_temp.draw(k.seed, 96, 2)
                                                           ELSE pg_temp.draw(k.seed, 96, 2) END
                           END AS gain) AS g
CROSS JOIN LATERAL (SELECT CASE WHEN s.timepoint = 'follow_up' THEN least(d.day, e.ended_on)
                                ELSE d.day END AS day
                    FROM (SELECT s.window_opens_on
                                 + pg_temp.draw(k.seed, 94, s.window_closes_on - s.window_opens_on + 1)
                                 AS day) AS d) AS a0
CROSS JOIN LATERAL (SELECT a0.day,
                           least(now(), pg_temp.working_time(e.time_zone, a0.day,
                                                             pg_temp.draw(k.seed, 98, 570))) AS at)
                    AS a
WHERE a.day <= e.today
  AND pg_temp.draw(k.seed, 95, 100) < CASE s.timepoint WHEN 'baseline' THEN 88
                                                       WHEN 'follow_up' THEN 75 - 3 * least(s.slot, 8)
                                                       ELSE 55 END
ORDER BY a.day, e.n, k.seed;

-- Checks --------------------------------------------------------------------------------

-- The foreign keys the load did not check row by row, checked now in one pass each.
DO $$
DECLARE
    fk record;
    orphans bigint;
BEGIN
    FOR fk IN
        SELECT c.conname, c.conrelid::regclass AS child, c.confrelid::regclass AS parent,
               string_agg(format('c.%I IS NOT NULL', ca.attname), ' AND ') AS present,
               string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND ') AS matches
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k (child_column, parent_column)
        JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_column
        JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_column
        WHERE c.contype = 'f'
          AND c.conrelid IN ('organizations'::regclass, 'specialists'::regclass,
                             'certifications'::regclass, 'participants'::regclass,
                             'referrals'::regclass, 'referral_events'::regclass,
                             'goals'::regclass, 'session_notes'::regclass,
                             'episodes'::regclass, 'assessments'::regclass)
        GROUP BY c.oid, c.conname, c.conrelid, c.confrelid
    LOOP
        EXECUTE format('SELECT count(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT FROM %s p WHERE %s)',
                       fk.child, fk.present, fk.parent, fk.matches)
            INTO orphans;
        IF orphans > 0 THEN
            RAISE EXCEPTION '% rows of % break %', orphans, fk.child, fk.conname;
        END IF;
    END LOOP;
END
$$;

-- What the handlers check and no constraint holds. Per person on one person in ten,
-- enough to catch a rule broken by construction, through their indexes: the new rows have
-- no statistics yet to plan by, and OFFSET 0 keeps each lookup a lookup.
DO $$
DECLARE
    problem text;
BEGIN
    SELECT format('%s keeps a caseload of %s, counts %s, or other certified days',
                  s.subject, d.caseload, d.counted)
    INTO problem
    FROM peerd_specialist_standing_drift() d JOIN specialists s ON s.id = d.specialist_id
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'standing: %', problem;
    END IF;

    SELECT format('%s has a caseload of %s of %s', s.subject, p.caseload, s.max_caseload)
    INTO problem
    FROM specialist_profiles p JOIN specialists s ON s.id = p.id
    WHERE p.caseload >= s.max_caseload OR (p.caseload > 0 AND NOT p.certified) LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'assignment: %', problem;
    END IF;

    SELECT format('referral %s (%s) is with a %s specialist', r.id, r.service_type, s.kind)
    INTO problem
    FROM referrals r JOIN specialists s ON s.id = r.assigned_specialist_id
    WHERE (r.service_type = 'family') <> (s.kind = 'family_peer')
       OR s.organization_id <> r.provider_organization_id
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'assignment: %', problem;
    END IF;

    CREATE TEMP TABLE bench_sample ON COMMIT DROP AS
    SELECT n, pg_temp.bench_id(3, n) AS participant_id, pg_temp.bench_id(4, n) AS referral_id
    FROM generate_series(10, 100000, 10) AS n;

    SELECT format('referral %s is %s but its history ends at %s', r.id, r.status, e.to_status)
    INTO problem
    FROM bench_sample x
    CROSS JOIN LATERAL (SELECT id, status FROM referrals WHERE id = x.referral_id OFFSET 0) AS r
    CROSS JOIN LATERAL (SELECT to_status FROM referral_events
                        WHERE referral_id = x.referral_id ORDER BY id DESC LIMIT 1) AS e
    WHERE e.to_status <> r.status LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'history: %', problem;
    END IF;

    -- The trigger skipped here (sql/020): no note from before its participant's referral,
    -- none in the future.
    SELECT format('note %s occurred at %s, outside %s to now', n.id, n.occurred_at,
                  peerd_participant_since(n.participant_id))
    INTO problem
    FROM bench_sample x
    CROSS JOIN LATERAL (SELECT * FROM session_notes WHERE participant_id = x.participant_id
                        OFFSET 0) AS n
    WHERE n.occurred_at < peerd_participant_since(n.participant_id)
       OR n.occurred_at > now() + interval '5 minutes'
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'occurred_at: %', problem;
    END IF;

    SELECT format('note %s cites %s', n.id, cited.goal_id) INTO problem
    FROM bench_sample x
    CROSS JOIN LATERAL (SELECT * FROM session_notes WHERE participant_id = x.participant_id
                        OFFSET 0) AS n
    CROSS JOIN LATERAL unnest(n.goal_ids) AS cited (goal_id)
    LEFT JOIN LATERAL (SELECT * FROM goals WHERE id = cited.goal_id OFFSET 0) AS g ON true
    WHERE g.id IS NULL OR g.participant_id <> n.participant_id OR g.status <> 'active'
       OR g.created_at > n.created_at
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'goals: %', problem;
    END IF;

    -- Billing against the schema's own rules, whose calls cost: one person in a hundred.
    SELECT format('note %s: %s', n.id, n.billing) INTO problem
    FROM (SELECT * FROM bench_sample WHERE n % 100 = 0) AS x
    CROSS JOIN LATERAL (SELECT * FROM session_notes
                        WHERE participant_id = x.participant_id AND status = 'signed'
                        OFFSET 0) AS n
    CROSS JOIN LATERAL (SELECT * FROM organizations WHERE id = n.organization_id OFFSET 0) AS o
    WHERE n.billing_day <> peerd_organization_day(o.id, n.occurred_at)
       OR (n.billing -> 'reasons' ? 'not_certified')
          = peerd_certified_on(n.specialist_id, n.billing_day)
       OR n.billing_units <> CASE WHEN (n.billing ->> 'billable')::boolean
                                  THEN least(CASE o.unit_rounding
                                                 WHEN 'half_up' THEN (n.duration_minutes + 7) / 15
                                                 ELSE n.duration_minutes / 15 END,
                                             o.max_units_per_day)
                                  ELSE 0 END
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'billing: %', problem;
    END IF;
END
$$;

-- The Part 2 consents intake makes (sql/029): these referrals are loaded without it.
SELECT peerd_part2_consents_of_earlier_referrals();

COMMIT;

-- Outside the transaction, as VACUUM must be: hint bits and visibility maps set once now
-- rather than by the benchmark's first reads, and statistics for the planner.
VACUUM ANALYZE organizations, specialists, certifications, participants, referrals,
    referral_events, goals, session_notes, consents, episodes, assessments;
