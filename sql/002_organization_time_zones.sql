-- The organization's own day. Certifications expire, notes are billed and referrals fall
-- due on calendar days, and a day in Oregon is not the server's day nor UTC's: after
-- 4 p.m. in Portland it is already tomorrow in UTC. Each organization therefore has an
-- IANA time zone, by default the main zone of its state, and every "today" or "the day
-- of" goes through peerd_organization_day below.

-- The zones a US organization can be in. A foreign key, not a free text, so a typing
-- error cannot silently move an agency to UTC.
CREATE TABLE us_time_zones (name text PRIMARY KEY);
INSERT INTO us_time_zones (name) VALUES
    ('America/New_York'), ('America/Detroit'), ('America/Kentucky/Louisville'),
    ('America/Kentucky/Monticello'), ('America/Indiana/Indianapolis'),
    ('America/Indiana/Vincennes'), ('America/Indiana/Winamac'), ('America/Indiana/Marengo'),
    ('America/Indiana/Petersburg'), ('America/Indiana/Vevay'), ('America/Chicago'),
    ('America/Indiana/Tell_City'), ('America/Indiana/Knox'), ('America/Menominee'),
    ('America/North_Dakota/Center'), ('America/North_Dakota/New_Salem'),
    ('America/North_Dakota/Beulah'), ('America/Denver'), ('America/Boise'),
    ('America/Phoenix'), ('America/Los_Angeles'), ('America/Anchorage'), ('America/Juneau'),
    ('America/Sitka'), ('America/Metlakatla'), ('America/Yakutat'), ('America/Nome'),
    ('America/Adak'), ('Pacific/Honolulu'), ('America/Puerto_Rico'), ('America/St_Thomas'),
    ('Pacific/Guam'), ('Pacific/Saipan'), ('Pacific/Pago_Pago');

-- Every zone must be one PostgreSQL knows, or a day computed in it would fail at run time.
DO $$
DECLARE
    unknown text;
BEGIN
    SELECT name INTO unknown FROM us_time_zones
    WHERE name NOT IN (SELECT pg_timezone_names.name FROM pg_timezone_names) LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'time zone % is unknown to this PostgreSQL', unknown;
    END IF;
END
$$;

ALTER TABLE us_states ADD COLUMN time_zone text REFERENCES us_time_zones (name);
UPDATE us_states SET time_zone = CASE
    WHEN code IN ('AL', 'AR', 'IA', 'IL', 'KS', 'LA', 'MN', 'MO', 'MS', 'ND', 'NE', 'OK', 'SD',
                  'TN', 'TX', 'WI') THEN 'America/Chicago'
    WHEN code IN ('CO', 'MT', 'NM', 'UT', 'WY') THEN 'America/Denver'
    WHEN code IN ('CA', 'NV', 'OR', 'WA') THEN 'America/Los_Angeles'
    WHEN code = 'AK' THEN 'America/Anchorage'
    WHEN code = 'AS' THEN 'Pacific/Pago_Pago'
    WHEN code = 'AZ' THEN 'America/Phoenix'
    WHEN code = 'GU' THEN 'Pacific/Guam'
    WHEN code = 'HI' THEN 'Pacific/Honolulu'
    WHEN code = 'ID' THEN 'America/Boise'
    WHEN code = 'IN' THEN 'America/Indiana/Indianapolis'
    WHEN code = 'MI' THEN 'America/Detroit'
    WHEN code = 'MP' THEN 'Pacific/Saipan'
    WHEN code = 'PR' THEN 'America/Puerto_Rico'
    WHEN code = 'VI' THEN 'America/St_Thomas'
    ELSE 'America/New_York'
END;
ALTER TABLE us_states ALTER COLUMN time_zone SET NOT NULL;

ALTER TABLE organizations ADD COLUMN time_zone text REFERENCES us_time_zones (name);
UPDATE organizations o SET time_zone = s.time_zone FROM us_states s WHERE s.code = o.state;
ALTER TABLE organizations ALTER COLUMN time_zone SET NOT NULL;

-- The calendar day it is (or was) at moment `at` where the organization works.
CREATE FUNCTION peerd_organization_day(organization uuid, at timestamptz) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT (at AT TIME ZONE o.time_zone)::date FROM organizations o WHERE o.id = organization $$;

-- Today, in the organization's zone.
CREATE FUNCTION peerd_organization_today(organization uuid) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT peerd_organization_day(organization, now()) $$;
