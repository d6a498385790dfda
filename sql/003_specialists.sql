-- Peer support specialists: the staff of a provider organization whose certified work
-- Medicaid pays for.

CREATE TYPE specialist_kind AS ENUM ('peer', 'family_peer');
CREATE TYPE lived_experience AS ENUM ('mental_health', 'substance_use', 'co_occurring',
                                      'caregiver');

-- True when no item appears twice.
CREATE FUNCTION peerd_items_are_distinct(items anyarray) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT count(*) = count(DISTINCT item) FROM unnest(items) AS item $$;

-- BCP 47 tags in the shape rules/language_tag.c accepts, none twice ignoring case.
CREATE FUNCTION peerd_language_tags_are_valid(tags text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(bool_and(char_length(tag) <= 35
                             AND tag ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'), true)
           AND count(*) = count(DISTINCT lower(tag))
    FROM unnest(tags) AS tag
$$;

-- Does any of tags fall under the language range asked for? RFC 4647 basic filtering:
-- "es" matches "es" and "es-MX", never "est"; case does not matter.
CREATE FUNCTION peerd_language_matches(tags text[], range text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(tags) AS tag
                   WHERE lower(tag) = lower(range) OR lower(tag) LIKE lower(range) || '-%')
$$;

-- Does any of names equal name, ignoring case? Counties are typed by people.
CREATE FUNCTION peerd_name_listed(names text[], name text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT EXISTS (SELECT 1 FROM unnest(names) AS item WHERE lower(item) = lower(name)) $$;

-- Specialists work for providers only: the foreign key below names the kind too.
ALTER TABLE organizations ADD CONSTRAINT organizations_id_kind_key UNIQUE (id, kind);

CREATE TABLE specialists (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    organization_kind organization_kind NOT NULL DEFAULT 'provider'
        CHECK (organization_kind = 'provider'),
    -- The JWT `sub` this person signs in with; one profile per person.
    subject text NOT NULL
        CHECK (char_length(subject) BETWEEN 1 AND 255 AND subject !~ '[[:cntrl:]]'),
    given_name text NOT NULL
        CHECK (char_length(given_name) BETWEEN 1 AND 100 AND given_name !~ '[[:cntrl:]]'),
    family_name text NOT NULL
        CHECK (char_length(family_name) BETWEEN 1 AND 100 AND family_name !~ '[[:cntrl:]]'),
    kind specialist_kind NOT NULL,
    lived_experience lived_experience[] NOT NULL DEFAULT '{}'
        CHECK (peerd_items_are_distinct(lived_experience)),
    languages text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(languages) <= 20 AND peerd_language_tags_are_valid(languages)),
    counties text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(counties) <= 50 AND peerd_names_are_valid(counties, 100)),
    specialties text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(specialties) <= 30 AND peerd_names_are_valid(specialties, 100)),
    bio text CHECK (char_length(bio) <= 4000),
    -- max_caseload and active: their defaults live in api/specialists.c.
    max_caseload integer NOT NULL CHECK (max_caseload BETWEEN 0 AND 100),
    active boolean NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT specialists_subject_key UNIQUE (subject),
    CONSTRAINT specialists_organization_fkey FOREIGN KEY (organization_id, organization_kind)
        REFERENCES organizations (id, kind)
);

CREATE INDEX specialists_by_organization
    ON specialists (organization_id, created_at DESC, id DESC);
CREATE INDEX specialists_newest_first ON specialists (created_at DESC, id DESC);

-- Records stay with the organization they were made in: a specialist's notes and
-- certifications, a participant's referrals and goals. Moving a person to another agency
-- is a new record there.
CREATE FUNCTION peerd_keep_organization() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.organization_id <> OLD.organization_id THEN
        RAISE EXCEPTION 'the organization of a row of % cannot change', TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER specialists_keep_organization BEFORE UPDATE OF organization_id ON specialists
FOR EACH ROW EXECUTE FUNCTION peerd_keep_organization();

-- The referrals assigned to or engaged with a specialist. Referrals do not exist yet
-- (they arrive with their own migration, which replaces this body), so no one has any.
CREATE FUNCTION peerd_specialist_caseload(specialist uuid) RETURNS integer
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT 0 $$;
