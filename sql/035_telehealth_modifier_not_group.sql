-- A telehealth modifier is never HQ: a group's notes carry HQ already, and a claim line
-- with HQ twice is refused by payers. The handler answers 422 first (api/organizations.c);
-- this holds against any other writer.
ALTER TABLE organizations
    ADD CONSTRAINT organizations_telehealth_modifiers_not_group
    CHECK (telehealth_modifier_video <> 'HQ' AND telehealth_modifier_phone <> 'HQ');
