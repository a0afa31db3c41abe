import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX } from '../http/auth.js';

// rtc_live_<lookup id: 16 hex>_<secret: 32 random bytes, base64url>. The lookup id is hex, so the
// first `_` after it splits the two even though base64url secrets may contain `_` themselves.
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`);

/** A freshly minted key: its plaintext (shown once), its lookup id and the hash that is stored. */
export interface MintedKey {
  key: string;
  lookupId: string;
  hash: Buffer;
}

/** Mints a new key with a random lookup id and secret. */
export function mintApiKey(lookupId = randomBytes(8).toString('hex')): MintedKey {
  const key = `${API_KEY_PREFIX}${lookupId}_${randomBytes(32).toString('base64url')}`;
  return { key, lookupId, hash: hashApiKey(key) };
}

/** The lookup id inside a key's text, or undefined when the text is not shaped like one of our keys. */
export function lookupIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** The non-secret part of a key, shown in lists and logs: `rtc_live_<lookup id>`. */
export function keyPrefix(lookupId: string): string {
  return `${API_KEY_PREFIX}${lookupId}`;
}

/** sha256 of the whole key text: what is stored instead of the key. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Compares two stored-form hashes in constant time (false, not a throw, on a length mismatch). */
export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
