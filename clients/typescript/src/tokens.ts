// HS256 tokens for a development or test server (PEERD_JWT_SECRET), made as
// `peerd token` makes them. In production tokens come from the organization's identity
// provider; this is only so a walk can act as every role.
import { createHmac } from 'node:crypto';

export type Role = 'admin' | 'supervisor' | 'specialist' | 'partner' | 'reporter';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export function signToken(
  secret: string,
  claims: { role: Role; sub: string; org?: string },
  ttlSeconds = 3600,
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ ...claims, iat: now, exp: now + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url(signature)}`;
}
