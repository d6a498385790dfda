// A typed peerd client: openapi-fetch over the types openapi-typescript generates from
// openapi.yaml (src/schema.d.ts, made by `npm run generate`). A path, a field or an enum
// value the spec does not have is a type error here, so the spec and its users cannot
// drift apart unnoticed.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type PeerdClient = Client<paths>;

/** A client that sends `Authorization: Bearer token` on every request. */
export function peerdClient(baseUrl: string, token: string): PeerdClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
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
