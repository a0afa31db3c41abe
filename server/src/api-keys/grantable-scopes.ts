import { grants, SCOPES, type Scope } from '../http/scopes.js';

/**
 * The first of `wanted` that a key holding `held` may not hand on, or undefined when it may grant
 * them all. A concrete scope is grantable when `held` covers it (directly or through a wildcard); a
 * wildcard only when `held` has that wildcard or `*`, because a wildcard also covers scopes added
 * later, which holding today's scopes one by one does not.
 */
export function firstUngrantable(held: readonly string[], wanted: readonly string[]): string | undefined {
  return wanted.find((w) => !(isScope(w) ? grants(held, w) : held.includes('*') || held.includes(w)));
}

function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
