// A typed peerd client: openapi-fetch over the types openapi-typescript generates from
// openapi.yaml (src/schema.d.ts, made by `npm run generate`). A path, a field or an enum
// value the spec does not have is a type error here, so the spec and its users cannot
// drift apart unnoticed.
import { randomUUID } from 'node:crypto';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type PeerdClient = Client<paths>;

/** How many times a write is sent at most, when no answer comes back or peerd answers 503. */
const WRITE_ATTEMPTS = 3;

/**
 * Every write (peerd's writes are POSTs, and each takes an Idempotency-Key) carries a key:
 * the one the call names, else a fresh one. A write sent again with its key happens once:
 * peerd answers the repeat with the first answer and `Idempotent-Replayed: true`.
 */
const keyEveryWrite: Middleware = {
  onRequest({ request }) {
    if (request.method === 'POST' && !request.headers.has('Idempotency-Key')) {
      request.headers.set('Idempotency-Key', randomUUID());
    }
    return request;
  },
};

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** peerd's Retry-After (seconds) in milliseconds, at most 5 s. */
function retryAfter(response: Response): number {
  const seconds = Number(response.headers.get('Retry-After') ?? '1');
  return Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 1, 5) * 1000;
}

/**
 * fetch, sending a write again, with the same key, when no answer came back or peerd
 * answered 503 (the database unreachable): the write may or may not have happened, and
 * the key makes sending it again safe.
 */
async function fetchRetryingWrites(request: Request): Promise<Response> {
  if (request.method !== 'POST') return fetch(request);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(request.clone());
      if (response.status !== 503 || attempt === WRITE_ATTEMPTS) return response;
      await pause(retryAfter(response));
    } catch (error) {
      if (attempt === WRITE_ATTEMPTS) throw error;
      await pause(1000);
    }
  }
}

/**
 * A client that sends `Authorization: Bearer token` on every request, an Idempotency-Key
 * on every write, and a write again (with its key) that got no answer or a 503.
 */
export function peerdClient(baseUrl: string, token: string): PeerdClient {
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
    fetch: fetchRetryingWrites,
  });
  client.use(keyEveryWrite);
  return client;
}

/** What openapi-fetch gives back: data on success, else error (a problem+json body). */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call that had to succeed with status; throws with the problem peerd
 * sent otherwise, so a walk stops at the first step that went wrong and says why.
 */
export function expectStatus<T>(step: string, outcome: Outcome<T>, status: number): T {
  const { data, error, response } = outcome;
  if (response.status !== status || data === undefined) {
    const detail = error === undefined ? '' : `: ${JSON.stringify(error)}`;
    throw new Error(`${step}: expected ${status}, got ${response.status}${detail}`);
  }
  return data;
}

/** True when peerd answered with its first answer to the request's key again. */
export function replayed(outcome: Outcome<unknown>): boolean {
  return outcome.response.headers.get('Idempotent-Replayed') === 'true';
}
