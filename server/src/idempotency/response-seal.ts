import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'rtcstack idempotent response v1';

/** The stored name of an Idempotency-Key: its SHA-256 (hex). The key itself is never stored. */
export function keyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex');
}

/**
 * Encrypts a response body (AES-256-GCM) under a key derived from the Idempotency-Key and the API
 * key's id. Only a client holding the Idempotency-Key can have it opened again, so a response that
 * carries a secret shown once (a new API key, a webhook's signing secret) is not readable from the
 * database for the 24 hours it is kept.
 */
export function seal(idempotencyKey: string, keyId: string, body: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derive(idempotencyKey, keyId), iv);
  const data = Buffer.concat([cipher.update(body), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), data]);
}

/** Decrypts what {@link seal} produced; throws when it was altered or sealed under another key. */
export function open(idempotencyKey: string, keyId: string, sealed: Buffer): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new Error('not a sealed idempotent response');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', derive(idempotencyKey, keyId), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** The AES key: HKDF over the Idempotency-Key, salted with the API key's id (so one value under two API keys seals apart). */
function derive(idempotencyKey: string, keyId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(idempotencyKey, 'utf8'), Buffer.from(keyId, 'utf8'), INFO, 32));
}
