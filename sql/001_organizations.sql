-- Helpers for the API's wire formats, and organizations.
-- Migrations run inside a transaction opened by `peerd migrate`: no BEGIN/COMMIT here.

-- RFC 3339 in UTC with whole seconds, the form API.md shows (2026-11-23T14:05:00Z).
CREATE FUNCTION peerd_timestamp(at timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- A timestamp as whole microseconds since 1970: the sort position inside page cursors.
CREATE FUNCTION peerd_position(at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM at) * 1000000)::bigint $$;

CREATE FUNCTION peerd_from_position(micros bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT 'epoch'::timestamptz + micros * interval '1 microsecond' $$;

-- A JSON array of strings as text[], keeping the order.
CREATE FUNCTION peerd_text_array(items json) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(item ORDER BY ordinality), '{}')
    FROM json_array_elements_text(items) WITH ORDINALITY AS element(item, ordinality)
$$;

-- Every item 1..max_length characters without control characters, and no item twice.
CREATE FUNCTION peerd_names_are_valid(items text[], max_length integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(bool_and(char_length(item) BETWEEN 1 AND max_length
                             AND item !~ '[[:cntrl:]]'), true)
           AND count(*) = count(DISTINCT item)
    FROM unnest(items) AS item
$$;

-- USPS codes of the states, DC and the inhabited territories. rules/us_states.c holds
-- the same list for 422 messages; an integration test keeps the two equal.
CREATE TABLE us_states (code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'));
INSERT INTO us_states (code) VALUES
    ('AK'), ('AL'), ('AR'), ('AS'), ('AZ'), ('CA'), ('CO'), ('CT'), ('DC'), ('DE'), ('FL'),
    ('GA'), ('GU'), ('HI'), ('IA'), ('ID'), ('IL'), ('IN'), ('KS'), ('KY'), ('LA'), ('MA'),
    ('MD'), ('ME'), ('MI'), ('MN'), ('MO'), ('MP'), ('MS'), ('MT'), ('NC'), ('ND'), ('NE'),
    ('NH'), ('NJ'), ('NM'), ('NV'), ('NY'), ('OH'), ('OK'), ('OR'), ('PA'), ('PR'), ('RI'),
    ('SC'), ('SD'), ('TN'), ('TX'), ('UT'), ('VA'), ('VI'), ('VT'), ('WA'), ('WI'), ('WV'),
    ('WY');

CREATE TYPE organization_kind AS ENUM ('provider', 'partner');
CREATE TYPE unit_rounding AS ENUM ('whole', 'half_up');

CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
        CHECK (char_length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]]' AND name = btrim(name)),
    kind organization_kind NOT NULL,
    state text NOT NULL REFERENCES us_states (code),
    counties text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(counties) <= 300 AND peerd_names_are_valid(counties, 100)),
    -- settings: the rules the organization's payer and state set. Their defaults live
    -- in api/organizations.c, the one place that fills them in.
    unit_rounding unit_rounding NOT NULL,
    max_units_per_day integer NOT NULL CHECK (max_units_per_day BETWEEN 1 AND 96),
    family_youth_max_age integer NOT NULL CHECK (family_youth_max_age BETWEEN 1 AND 30),
    referral_response_days integer NOT NULL CHECK (referral_response_days BETWEEN 1 AND 30),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX organizations_newest_first ON organizations (created_at DESC, id DESC);

-- Referrals and staff hang on an organization's kind: it is fixed once created.
CREATE FUNCTION organizations_keep_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind <> OLD.kind THEN
        RAISE EXCEPTION 'an organization''s kind cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER organizations_keep_kind BEFORE UPDATE OF kind ON organizations
FOR EACH ROW EXECUTE FUNCTION organizations_keep_kind();
