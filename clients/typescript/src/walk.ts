// The main story of peerd, told with nothing but the generated client:
//   a partner submits a referral (with an idempotency key, and retries it safely)
//   → a supervisor accepts it and assigns a certified specialist
//   → the specialist sets two goals (sending one twice: it is set once), writes a session
//     note, reads it and signs that version (twice: it is signed once)
//   → the partner sees the referral `engaged` (and cannot read the note)
//   → a reporter pulls the program summary
//   → a supervisor runs a group of three for the specialist to lead (one absent, one who
//     left early); the specialist signs it, and each who came has a note of their own,
//     billed with HQ for their own minutes
//   → the specialist writes and signs the person's crisis plan with them, opens their
//     episode of a grant program and takes the BARC-10 baseline: the schedule shows the
//     next follow-up
//   → a partner's substance use referral is readable under its Part 2 consent until the
//     person revokes it, then 404
//   → the supervisor requires authorizations and records the person's coverage and a prior
//     authorization; the specialist's video and phone contacts bill under it (95, 93,
//     place 10), the second cut to what remains, and both are claim lines.
// Every write carries an Idempotency-Key (client.ts gives each a fresh one, and sends a
// write again with it when no answer came back); the walk names the key where it sends a
// write twice itself.
// It first sets up its own provider and partner organizations as an admin, so it runs
// against any fresh peerd (scripts/dev, or scripts/test's server) and can run again.
//
//   PEERD_URL=http://localhost:8080 PEERD_JWT_SECRET=... node dist/walk.js
import { randomUUID } from 'node:crypto';
import { expectStatus, peerdClient, replayed, type PeerdClient, type Schemas } from './client.js';
import { signToken, type Role } from './tokens.js';

const baseUrl = process.env.PEERD_URL ?? 'http://localhost:8080';
const secret = process.env.PEERD_JWT_SECRET;
if (!secret) {
  console.error('PEERD_JWT_SECRET is not set: the walk signs its tokens with it');
  process.exit(2);
}
const jwtSecret: string = secret;
const run = randomUUID().slice(0, 8);

function clientFor(role: Role, sub: string, org?: string) {
  return peerdClient(baseUrl, signToken(jwtSecret, org ? { role, sub, org } : { role, sub }));
}

function check(step: string, condition: boolean, detail: string): void {
  if (!condition) throw new Error(`${step}: ${detail}`);
}

function say(line: string): void {
  console.log(`walk: ${line}`);
}

/** Now in whole seconds in UTC, as peerd writes and expects timestamps. */
function now(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

async function setUp() {
  const admin = clientFor('admin', `walk-admin-${run}`);
  const provider = expectStatus('admin creates the provider', await admin.POST('/v1/organizations', {
    body: { name: `Walk Peer Services ${run}`, kind: 'provider', state: 'OR', counties: ['Multnomah'] },
  }), 201);
  const partner = expectStatus('admin creates the partner', await admin.POST('/v1/organizations', {
    body: { name: `Walk Community Clinic ${run}`, kind: 'partner', state: 'OR', counties: ['Multnomah'] },
  }), 201);
  const supervisor = clientFor('supervisor', `walk-supervisor-${run}`, provider.id);
  const specialistSubject = `walk-specialist-${run}`;
  const specialist = expectStatus('supervisor adds a specialist', await supervisor.POST('/v1/specialists', {
    body: {
      subject: specialistSubject, given_name: 'Jordan', family_name: 'Reyes', kind: 'peer',
      lived_experience: ['mental_health', 'substance_use'], languages: ['en', 'es'],
      counties: ['Multnomah'],
    },
  }), 201);
  const today = new Date();
  const inYears = (years: number) =>
    `${today.getUTCFullYear() + years}-${String(today.getUTCMonth() + 1).padStart(2, '0')}-01`;
  expectStatus('supervisor records the state certification', await supervisor.POST('/v1/specialists/{id}/certifications', {
    params: { path: { id: specialist.id } },
    body: {
      credential: 'CPS', issuing_authority: 'Oregon Health Authority', state: 'OR',
      number: `WALK-${run}`, issued_on: inYears(-1), expires_on: inYears(1), status: 'active',
    },
  }), 201);
  say(`set up provider ${provider.id}, partner ${partner.id}, specialist ${specialist.id}`);
  return { provider, partner, supervisor, specialist, specialistSubject };
}

/** A referral the supervisor records, accepts and assigns to the specialist, and a goal
 * the specialist sets with that person; the participant's id and the goal's. */
async function assignedPerson(supervisor: PeerdClient, me: PeerdClient, specialistId: string,
  givenName: string) {
  const referral = expectStatus(`supervisor records ${givenName}'s referral`, await supervisor.POST('/v1/referrals', {
    body: {
      service_type: 'peer',
      participant: { given_name: givenName, family_name: 'Walker', county: 'Multnomah' },
      reason: 'Asked at the front desk about the Thursday group.',
      consent: { obtained: true },
    },
  }), 201);
  expectStatus(`supervisor accepts ${givenName}'s referral`, await supervisor.POST('/v1/referrals/{id}/transitions', {
    params: { path: { id: referral.id } }, body: { to: 'accepted' },
  }), 200);
  const assigned = expectStatus(`supervisor assigns ${givenName}`, await supervisor.POST('/v1/referrals/{id}/assignment', {
    params: { path: { id: referral.id } }, body: { specialist_id: specialistId },
  }), 200);
  const goal = expectStatus(`specialist sets ${givenName}'s goal`, await me.POST('/v1/participants/{id}/goals', {
    params: { path: { id: assigned.participant_id } },
    body: { domain: 'social', statement: 'Say one true thing in group each week.' },
  }), 201);
  return { participantId: assigned.participant_id, goalId: goal.id };
}

/** 6. A group of three: one absent, one who left after 20 minutes. The supervisor sets it
 * up with the specialist as its facilitator; the specialist signs it, and each who came
 * has a note of their own, billed H0038 with HQ for their own minutes. */
async function groupSession(supervisor: PeerdClient, me: PeerdClient, specialistId: string): Promise<void> {
  const [stayed, leftEarly, absent] = [
    await assignedPerson(supervisor, me, specialistId, 'Rae'),
    await assignedPerson(supervisor, me, specialistId, 'Tomas'),
    await assignedPerson(supervisor, me, specialistId, 'Lin'),
  ];
  const attendance: Schemas['Attendance'][] = [
    { participant_id: stayed.participantId, status: 'present', note: 'Talked about sleeping again.', goal_ids: [stayed.goalId] },
    { participant_id: leftEarly.participantId, status: 'left_early', minutes: 20, note: 'Listened; left for work.', goal_ids: [leftEarly.goalId] },
    { participant_id: absent.participantId, status: 'absent' },
  ];
  const session = expectStatus('supervisor sets up the group', await supervisor.POST('/v1/group-sessions', {
    body: {
      facilitator_ids: [specialistId], occurred_at: now(), duration_minutes: 60, modality: 'in_person',
      location: 'Community room', topic: 'Sleep and mood', domain: 'social', attendance,
    },
  }), 201);
  // Signing attests to the roster as read: If-Match carries the ETag of that read.
  const read = await me.GET('/v1/group-sessions/{id}', { params: { path: { id: session.id } } });
  expectStatus('specialist reads the group', read, 200);
  const etag = read.response.headers.get('ETag');
  if (etag === null) throw new Error('specialist reads the group: no ETag');
  const signed = expectStatus('specialist signs the group', await me.POST('/v1/group-sessions/{id}/sign', {
    params: { path: { id: session.id }, header: { 'If-Match': etag } },
  }), 200);
  check('the signed group', signed.status === 'signed' && signed.note_ids?.length === 2,
    `status ${signed.status}, notes ${JSON.stringify(signed.note_ids)}`);
  const units = new Map<string, number>();
  for (const noteId of signed.note_ids ?? []) {
    const note = expectStatus('specialist reads a note of the group', await me.GET('/v1/session-notes/{id}', {
      params: { path: { id: noteId } },
    }), 200);
    check('a note of the group', note.modality === 'group' && note.group_session_id === session.id &&
      note.billing?.code === 'H0038' && note.billing.modifiers.includes('HQ'), JSON.stringify(note));
    units.set(note.participant_id, note.billing?.units ?? -1);
  }
  // Whole rounding: 60 minutes are 4 units, 20 minutes 1.
  check('the billing of who stayed', units.get(stayed.participantId) === 4, `${units.get(stayed.participantId)} units`);
  check('the billing of who left early', units.get(leftEarly.participantId) === 1, `${units.get(leftEarly.participantId)} units`);
  const absentNotes = expectStatus('supervisor lists the absent person\'s notes', await supervisor.GET('/v1/session-notes', {
    params: { query: { participant_id: absent.participantId } },
  }), 200);
  check('the absent person', absentNotes.items.length === 0 && !units.has(absent.participantId),
    `${absentNotes.items.length} notes`);
  say(`specialist signed group ${session.id}: 4 units (HQ) for who stayed, 1 for who left early, no note for who was absent`);
}

/** 8. The specialist writes the person's crisis plan with them, in the Stanley–Brown shape,
 * and signs it: it becomes their active crisis plan, due for review plan_review_days later. */
async function crisisPlan(me: PeerdClient, participantId: string): Promise<void> {
  const draft = expectStatus('specialist writes a crisis plan', await me.POST('/v1/participants/{id}/plans', {
    params: { path: { id: participantId } },
    body: {
      kind: 'crisis',
      sections: {
        warning_signs: 'Not sleeping two nights running; skipping meals; pulling away from friends.',
        coping_strategies: 'Walk by the river; call my sister; the breathing app.',
        people_to_ask_for_help: [{ name: 'Ada (sister)', phone: '503-555-0147' }],
        professionals: [{ name: '988 Suicide & Crisis Lifeline', phone: '988' }],
        reasons_for_living: 'My daughter; finishing my certificate.',
      },
    },
  }), 201);
  check('the draft', draft.status === 'draft', `status ${draft.status}`);
  // The day before UTC's is never after the organization's today, whatever its zone.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const signed = expectStatus('specialist signs the crisis plan', await me.POST('/v1/plans/{id}/sign', {
    params: { path: { id: draft.id } },
    body: { participant_signed_on: yesterday },
  }), 200);
  check('the signed plan', signed.status === 'active' && signed.participant_signed_on === yesterday &&
    typeof signed.next_review_on === 'string' && signed.next_review_on > yesterday, JSON.stringify(signed));
  say(`specialist signed crisis plan ${draft.id}: active, next review on ${signed.next_review_on}`);
}

/** 9. The specialist opens the person's episode of a grant program, backdated to the day
 * they started, and takes the BARC-10 baseline: the schedule shows the baseline done and
 * the next follow-up with its due day. */
async function episodeAndBaseline(me: PeerdClient, participantId: string): Promise<void> {
  // The day before UTC's is never after the organization's today, whatever its zone.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const episode = expectStatus('specialist opens an episode', await me.POST('/v1/participants/{id}/episodes', {
    params: { path: { id: participantId } },
    body: { program: `SOR grant ${run}`, started_on: yesterday },
  }), 201);
  const baseline = expectStatus('specialist records the BARC-10 baseline', await me.POST('/v1/episodes/{id}/assessments', {
    params: { path: { id: episode.id } },
    body: { instrument: 'barc10', timepoint: 'baseline', administered_on: yesterday, answers: [4, 3, 5, 4, 2, 3, 4, 5, 3, 4] },
  }), 201);
  check('the baseline', baseline.score === 37, `score ${baseline.score}`);
  const read = expectStatus('specialist reads the episode', await me.GET('/v1/episodes/{id}', {
    params: { path: { id: episode.id } },
  }), 200);
  const done = read.schedule.find((slot) => slot.timepoint === 'baseline');
  const next = read.schedule.find((slot) => slot.timepoint === 'follow_up');
  check('the schedule', done?.state === 'done' && done.assessment_id === baseline.id &&
    next !== undefined && next.state === 'upcoming', JSON.stringify(read.schedule));
  say(`specialist opened episode ${episode.id} and took the baseline (BARC-10 ${baseline.score}); ` +
    `the first follow-up is due on ${next?.due_on}`);
}

/** 7. 42 CFR Part 2: a partner's referral about substance use carries a consent naming the
 * partner, under which the partner reads the referral (with the redisclosure notice). The
 * person revokes it; the supervisor records that, and the partner's next read is a 404, as
 * for a referral it never sent. */
async function partTwoGate(partner: PeerdClient, supervisor: PeerdClient, providerId: string,
  partnerId: string): Promise<void> {
  const submitted = expectStatus('partner submits a substance use referral', await partner.POST('/v1/referrals', {
    body: {
      provider_organization_id: providerId,
      service_type: 'peer',
      participant: { given_name: 'Ari', family_name: 'Mendez', county: 'Multnomah' },
      reason: 'Leaving residential treatment; wants a peer who has been in recovery.',
      substance_use: true,
      consent: { obtained: true, part2: true },
    },
  }), 201);
  const read = () => partner.GET('/v1/referrals/{id}', { params: { path: { id: submitted.id } } });
  const shown = expectStatus('partner reads it under the consent', await read(), 200);
  check('the disclosure', typeof shown.redisclosure_notice === 'string', JSON.stringify(shown));
  const full = expectStatus('supervisor reads the referral', await supervisor.GET('/v1/referrals/{id}', {
    params: { path: { id: submitted.id } },
  }), 200);
  if (!('participant_id' in full)) throw new Error('supervisor reads the referral: no participant_id');
  const consents = expectStatus('supervisor lists the person\'s consents', await supervisor.GET('/v1/participants/{id}/consents', {
    params: { path: { id: full.participant_id } },
  }), 200);
  const consent = consents.items.find((item) => item.kind === 'part2' && item.status === 'active' &&
    item.recipients.some((recipient) => 'organization_id' in recipient && recipient.organization_id === partnerId));
  if (consent === undefined) throw new Error(`the intake's Part 2 consent: ${JSON.stringify(consents.items)}`);
  const revoked = expectStatus('supervisor records the revocation', await supervisor.POST('/v1/consents/{id}/revoke', {
    params: { path: { id: consent.id } },
    body: { reason: 'Asked us to stop sharing anything with the clinic.' },
  }), 200);
  check('the revoked consent', revoked.status === 'revoked', `status ${revoked.status}`);
  const gone = await read();
  check('the partner after revocation', gone.response.status === 404, `a partner got ${gone.response.status}`);
  const listed = expectStatus('partner lists its referrals', await partner.GET('/v1/referrals', {
    params: { query: { limit: 200 } },
  }), 200);
  check('the partner\'s list', !listed.items.some((item) => item.id === submitted.id), 'still lists the referral');
  say(`partner read substance use referral ${submitted.id} under consent ${consent.id}; ` +
    'after its revocation the partner gets 404 and no list row');
}

/** 10. Billing a payer's way: the supervisor turns on the authorization gate, records the
 * person's Medicaid managed care coverage and a prior authorization of 6 units; the
 * specialist signs a video contact (4 units, modifier 95, place of service 10, under the
 * authorization) and a phone contact, cut to the 2 units left (93). The authorization reads
 * exhausted, its units used those of the two notes, and the claim lines carry both notes
 * with the member id and the authorization number. */
async function billedUnderAuthorization(supervisor: PeerdClient, me: PeerdClient, providerId: string,
  participantId: string, goalIds: string[]): Promise<void> {
  expectStatus('supervisor requires authorizations', await supervisor.PATCH('/v1/organizations/{id}', {
    params: { path: { id: providerId } },
    body: { settings: { require_authorization: true } },
    headers: { 'Content-Type': 'application/merge-patch+json' },
  }), 200);
  // The day before UTC's is never after the organization's today, whatever its zone.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const later = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
  const coverage = expectStatus('supervisor records the coverage', await supervisor.POST('/v1/participants/{id}/coverages', {
    params: { path: { id: participantId } },
    body: { payer: 'Health Share of Oregon', kind: 'medicaid_managed_care', member_id: `OHP${run}`, effective_on: yesterday },
  }), 201);
  const authorization = expectStatus('supervisor records the authorization', await supervisor.POST('/v1/participants/{id}/authorizations', {
    params: { path: { id: participantId } },
    body: { coverage_id: coverage.id, number: `PA-${run}`, units_authorized: 6, starts_on: yesterday, ends_on: later },
  }), 201);
  const billings = [];
  for (const modality of ['video', 'phone'] as const) {
    const note = expectStatus(`specialist writes a ${modality} note`, await me.POST('/v1/session-notes', {
      body: {
        participant_id: participantId, occurred_at: now(), duration_minutes: 60, modality,
        goal_ids: goalIds, summary: `A check-in by ${modality}.`,
      },
    }), 201);
    const read = await me.GET('/v1/session-notes/{id}', { params: { path: { id: note.id } } });
    const etag = read.response.headers.get('ETag') ?? '';
    const signed = expectStatus(`specialist signs the ${modality} note`, await me.POST('/v1/session-notes/{id}/sign', {
      params: { path: { id: note.id }, header: { 'If-Match': etag } },
    }), 200);
    if (signed.billing === null || signed.billing === undefined) throw new Error(`the ${modality} note has no billing`);
    billings.push({ id: note.id, billing: signed.billing });
  }
  const [video, phone] = billings;
  if (video === undefined || phone === undefined) throw new Error('the two notes were not signed');
  check('the video note\'s billing', video.billing.units === 4 && video.billing.modifiers.join() === '95' &&
    video.billing.place_of_service === '10' && video.billing.authorization_id === authorization.id,
  JSON.stringify(video.billing));
  check('the phone note\'s billing', phone.billing.units === 2 && phone.billing.modifiers.join() === '93' &&
    phone.billing.authorization_id === authorization.id, JSON.stringify(phone.billing));
  const spent = expectStatus('supervisor reads the authorization', await supervisor.GET('/v1/authorizations/{id}', {
    params: { path: { id: authorization.id } },
  }), 200);
  check('the authorization', spent.units_used === 6 && spent.units_remaining === 0 && spent.status === 'exhausted',
    JSON.stringify(spent));
  const exported = await supervisor.GET('/v1/exports/claim-lines', { parseAs: 'text' });
  check('the claim lines', exported.response.status === 200, `status ${exported.response.status}`);
  const lines = (exported.data ?? '').split('\n').filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Schemas['ClaimLine']);
  for (const { id } of billings) {
    const line = lines.find((item) => item.note_id === id);
    check('a claim line', line !== undefined && line.coverage?.member_id === `OHP${run}` &&
      line.authorization_number === `PA-${run}`, JSON.stringify(line));
  }
  say(`with authorization ${authorization.id} of 6 units: a video note billed 4 (95, place 10), a phone note ` +
    `was cut to the 2 left (93); the authorization reads ${spent.status} and both notes are claim lines`);
}

async function main(): Promise<void> {
  const { provider, partner: partnerOrganization, supervisor, specialist, specialistSubject } = await setUp();
  const partner = clientFor('partner', `walk-partner-${run}`, partnerOrganization.id);

  // 1. The partner submits a referral; a retry with the same key creates nothing more.
  const referralBody: Schemas['ReferralCreate'] = {
    provider_organization_id: provider.id,
    service_type: 'peer',
    participant: { given_name: 'Sam', family_name: 'Okafor', county: 'Multnomah', preferred_language: 'en' },
    reason: 'Discharged after a crisis stay; asked to talk with someone who has been there.',
    needs: ['emotional', 'social'],
    urgency: 'urgent',
    consent: { obtained: true },
    external_id: `clinic-${run}`,
  };
  const idempotencyKey = randomUUID();
  const submit = () => partner.POST('/v1/referrals', {
    params: { header: { 'Idempotency-Key': idempotencyKey } },
    body: referralBody,
  });
  const referral = expectStatus('partner submits the referral', await submit(), 201);
  const retry = await submit();
  const retried = expectStatus('partner retries with the same key', retry, 201);
  check('the retry', retried.id === referral.id && replayed(retry), `made a second referral ${retried.id}`);
  check('the referral', referral.status === 'submitted', `status ${referral.status}`);
  say(`partner submitted referral ${referral.id} (a retry returned the same one)`);

  // 2. The supervisor accepts it and assigns the specialist.
  expectStatus('supervisor accepts', await supervisor.POST('/v1/referrals/{id}/transitions', {
    params: { path: { id: referral.id } }, body: { to: 'accepted' },
  }), 200);
  const assigned = expectStatus('supervisor assigns', await supervisor.POST('/v1/referrals/{id}/assignment', {
    params: { path: { id: referral.id } }, body: { specialist_id: specialist.id },
  }), 200);
  check('the assignment', assigned.status === 'assigned', `status ${assigned.status}`);
  const participantId = assigned.participant_id;
  say(`supervisor accepted it and assigned ${specialist.id}`);

  // 3. The specialist sets two goals and writes and signs a session note. The first goal
  //    is sent twice with one key, as a phone that lost the answer would: set once.
  const me = clientFor('specialist', specialistSubject, provider.id);
  const goals = [];
  for (const body of [
    { domain: 'social', statement: 'Go to the Tuesday recovery group twice this month.' },
    { domain: 'occupational', statement: 'Finish my resume and apply to two jobs.' },
  ] satisfies Schemas['GoalCreate'][]) {
    const goalKey = randomUUID();
    const setGoal = () => me.POST('/v1/participants/{id}/goals', {
      params: { path: { id: participantId }, header: { 'Idempotency-Key': goalKey } }, body,
    });
    const goal = expectStatus(`specialist sets a ${body.domain} goal`, await setGoal(), 201);
    if (goals.length === 0) {
      const again = await setGoal();
      const same = expectStatus('specialist sends the goal again with its key', again, 201);
      check('the goal sent again', same.id === goal.id && replayed(again),
        `answered goal ${same.id}, replayed: ${replayed(again)}`);
      say(`the ${body.domain} goal sent again with its key answered goal ${goal.id} again (Idempotent-Replayed)`);
    }
    goals.push(goal);
  }
  const listed = expectStatus('specialist lists the goals', await me.GET('/v1/participants/{id}/goals', {
    params: { path: { id: participantId } },
  }), 200);
  check('the goals', listed.items.length === 2, `${listed.items.length} goals, not 2`);
  const note = expectStatus('specialist writes a note', await me.POST('/v1/session-notes', {
    params: { header: { 'Idempotency-Key': randomUUID() } },
    body: {
      participant_id: participantId,
      // They met just now: a session may not predate the referral that brought the person.
      occurred_at: now(),
      duration_minutes: 50,
      modality: 'in_person',
      location: 'Community room',
      goal_ids: goals.map((goal) => goal.id),
      summary: 'Met for coffee; talked through the first week home.',
      response: 'Engaged, hopeful about the group.',
      plan: 'Go to group together on Tuesday.',
    },
  }), 201);
  // Signing attests to the note as read: If-Match carries the ETag of that read.
  const read = await me.GET('/v1/session-notes/{id}', { params: { path: { id: note.id } } });
  expectStatus('specialist reads the note', read, 200);
  const etag = read.response.headers.get('ETag');
  if (etag === null) throw new Error('specialist reads the note: no ETag');
  // Signed twice with one key, as a retry after a lost answer: signed once.
  const signKey = randomUUID();
  const sign = () => me.POST('/v1/session-notes/{id}/sign', {
    params: { path: { id: note.id }, header: { 'If-Match': etag, 'Idempotency-Key': signKey } },
  });
  const signed = expectStatus('specialist signs the note', await sign(), 200);
  check('the signed note', signed.status === 'signed', `status ${signed.status}`);
  const signAgain = await sign();
  const signedAgain = expectStatus('specialist signs again with the same key', signAgain, 200);
  check('the signature sent again', replayed(signAgain) && signedAgain.version === signed.version &&
    signedAgain.signed_at === signed.signed_at, `version ${signedAgain.version}, replayed: ${replayed(signAgain)}`);
  check('the billing', signed.billing?.billable === true && signed.billing.units === 3,
    `billing ${JSON.stringify(signed.billing)}`);
  say(`specialist set ${goals.length} goals and signed note ${note.id} (${signed.billing?.units} units of ${signed.billing?.code}); ` +
    `the signature sent again answered version ${signedAgain.version} again`);

  await crisisPlan(me, participantId);
  await episodeAndBaseline(me, participantId);

  // 4. The partner sees the referral engaged, and never the note.
  const seen = expectStatus('partner reads the referral', await partner.GET('/v1/referrals/{id}', {
    params: { path: { id: referral.id } },
  }), 200);
  check('the partner\'s view', seen.status === 'engaged', `status ${seen.status}`);
  const hidden = await partner.GET('/v1/session-notes/{id}', { params: { path: { id: note.id } } });
  check('the note', hidden.response.status === 403, `a partner got ${hidden.response.status}`);
  say('partner sees the referral engaged and cannot read the note');

  // 5. The reporter pulls the program summary.
  const reporter = clientFor('reporter', `walk-reporter-${run}`, provider.id);
  const summary = expectStatus('reporter pulls the summary', await reporter.GET('/v1/reports/summary', {}), 200);
  check('the summary', summary.referrals === 1 && summary.sessions === 1 && summary.goals === 2 &&
    summary.participants_served === 1 && summary.referrals_by_status.engaged === 1,
    JSON.stringify(summary));
  say(`reporter's summary ${summary.from}..${summary.to}: ${summary.referrals} referral (engaged), ` +
    `${summary.sessions} session, ${summary.billable_units} billable units, ${summary.goals} goals`);

  await groupSession(supervisor, me, specialist.id);
  await partTwoGate(partner, supervisor, provider.id, partnerOrganization.id);
  await billedUnderAuthorization(supervisor, me, provider.id, participantId, goals.map((goal) => goal.id));
  say('the main story works end to end');
}

main().catch((error: unknown) => {
  console.error(`walk failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
