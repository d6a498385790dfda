'use strict'
// A specialist's profile: peerd's statement and its JSON. The columns are peerd's
// SPECIALIST_COLUMN_LIST (api/specialists.c) in its order; keep the two in step.

const COLUMNS = [
  ['id', 'id'],
  ['organization_id', 'organization_id'],
  ['subject', 'subject'],
  ['given_name', 'given_name'],
  ['family_name', 'family_name'],
  ['kind', 'kind'],
  ['array_to_json(lived_experience)', 'lived_experience'],
  ['array_to_json(languages)', 'languages'],
  ['array_to_json(counties)', 'counties'],
  ['array_to_json(specialties)', 'specialties'],
  ['bio', 'bio'],
  ['max_caseload', 'max_caseload'],
  ['active', 'active'],
  ['caseload', 'caseload'],
  ['certified', 'certified'],
  ['accepting', 'accepting'],
  ['version', 'version'],
  ['peerd_timestamp(created_at)', 'created_at'],
  ['peerd_timestamp(updated_at)', 'updated_at'],
  ['peerd_position(created_at)', null] // a list's cursor; not in the representation
]

// Prepared once per connection: node-postgres parses a named query on its first use on a
// client and only binds and executes it after that.
const SPECIALIST_SELECT = {
  name: 'specialist_select',
  text: `SELECT ${COLUMNS.map(([sql]) => sql).join(', ')} FROM specialist_profiles WHERE id = $1`
}

const shown = COLUMNS.map(([, member], index) => [member, index]).filter(([member]) => member)

function specialistFromRow(row) {
  const specialist = {}
  for (const [member, index] of shown) specialist[member] = row[index]
  return specialist
}

// openapi.yaml's Specialist, for fast-json-stringify: the members in peerd's order.
const string = { type: 'string' }
const strings = { type: 'array', items: string }
const integer = { type: 'integer' }
const boolean = { type: 'boolean' }
const specialistSchema = {
  type: 'object',
  required: shown.map(([member]) => member),
  properties: {
    id: string,
    organization_id: string,
    subject: string,
    given_name: string,
    family_name: string,
    kind: string,
    lived_experience: strings,
    languages: strings,
    counties: strings,
    specialties: strings,
    bio: { type: ['string', 'null'] },
    max_caseload: integer,
    active: boolean,
    caseload: integer,
    certified: boolean,
    accepting: boolean,
    version: integer,
    created_at: string,
    updated_at: string
  }
}

module.exports = { SPECIALIST_SELECT, specialistSchema, specialistFromRow }
