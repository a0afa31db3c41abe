import { z } from 'zod';
import './openapi.js';

/**
 * Every scope an API key can hold, one per resource and verb. A route names the one it needs; a key
 * may also hold `resource:*` (every verb of one resource) or `*` (everything, as API_SECRET does).
 */
export const SCOPES = [
  'rooms:read',
  'rooms:write',
  'tokens:create',
  'ingress:read',
  'ingress:write',
  'recordings:read',
  'recordings:write',
  'transcriptions:read',
  'transcriptions:write',
  'webhooks:read',
  'webhooks:write',
  'events:read',
  'audit:read',
  'keys:admin',
] as const;

/** A scope a route can require. */
export type Scope = (typeof SCOPES)[number];

const WILDCARDS = [...new Set(SCOPES.map((s) => `${s.split(':')[0]}:*`)), '*'] as const;

/** What a key may be granted: a scope, a resource wildcard, or `*`. */
export const ScopeGrantSchema = z.enum([...SCOPES, ...WILDCARDS] as [string, ...string[]]).openapi({
  description: 'A scope (`rooms:read`), every verb of one resource (`rooms:*`), or everything (`*`).',
});

/** True when `granted` covers `needed`, directly or through a wildcard. */
export function grants(granted: readonly string[], needed: Scope): boolean {
  const resource = needed.slice(0, needed.indexOf(':'));
  return granted.some((g) => g === needed || g === '*' || g === `${resource}:*`);
}
