import { createHash } from 'node:crypto';

/** What a replay must match: the method, the path (with its query) and the SHA-256 of the canonical body. */
export interface RequestFingerprint {
  method: string;
  path: string;
  bodySha256: string;
}

/**
 * The fingerprint of a request. The body is hashed in canonical form (keys sorted, no whitespace),
 * so that a client that re-serialises the same object in another key order is still a replay; a
 * trailing slash on the path is dropped, as the router ignores it too.
 */
export function fingerprint(method: string, originalUrl: string, body: unknown): RequestFingerprint {
  const q = originalUrl.indexOf('?');
  const pathname = q === -1 ? originalUrl : originalUrl.slice(0, q);
  const path = (pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname) + (q === -1 ? '' : originalUrl.slice(q));
  return { method: method.toUpperCase(), path, bodySha256: createHash('sha256').update(canonicalJson(body)).digest('hex') };
}

/** JSON with object keys sorted at every depth; no body at all is the empty string. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
