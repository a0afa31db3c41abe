import { randomBytes } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import type { Principal } from '../http/principal.js';
import { hashApiKey, hashesEqual, keyPrefix, lookupIdOf, mintApiKey } from './api-key-secret.js';
import { KeyCursorSchema, type CreateApiKey, type StatusClass } from './api-keys-schemas.js';
import type { ApiKey, ApiKeysStore } from './api-keys-store.js';
import { firstUngrantable } from './grantable-scopes.js';

/** A key with its plaintext, which exists only in this response. */
export interface ApiKeyWithSecret {
  apiKey: ApiKey;
  key: string;
}

/** One day of a key's requests (UTC), by status class. */
export interface UsageDay {
  day: string;
  total: number;
  byStatusClass: Record<StatusClass, number>;
}

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Scoped API keys: minting (plaintext once, hash stored), revocation, rotation with a grace period,
 * usage, and the resolver that authenticates a request's X-API-Key. A key manages (creates, rotates,
 * revokes) only keys whose every scope it holds itself, so keys:admin never escalates to more.
 */
export class ApiKeysService {
  constructor(private readonly store: ApiKeysStore) {}

  /**
   * The principal a stored key authenticates, or undefined when it is unknown, revoked, expired, or a
   * rotated-out secret past its grace. One indexed read per request, so a revocation holds at once
   * on every replica; hashes are compared in constant time.
   */
  async resolve(key: string): Promise<Principal | undefined> {
    const lookupId = lookupIdOf(key);
    if (!lookupId) return undefined;
    const c = await this.store.credentials(lookupId);
    if (!c?.active) return undefined;
    const given = hashApiKey(key);
    const current = hashesEqual(given, c.secretHash);
    const previous = c.previousSecretHash !== null && hashesEqual(given, c.previousSecretHash);
    if (!current && !(previous && c.previousActive)) return undefined;
    return { keyId: c.id, prefix: keyPrefix(c.lookupId), name: c.name, scopes: c.scopes, rateLimitPerMinute: c.rateLimitPerMinute ?? undefined, bootstrap: false };
  }

  async create(input: CreateApiKey, caller: Principal): Promise<ApiKeyWithSecret> {
    const scopes = [...new Set(input.scopes)];
    this.checkMayGrant(caller, scopes, 'grant');
    const minted = mintApiKey();
    const apiKey = await this.store.insert({
      id: `key_${randomBytes(9).toString('base64url')}`,
      lookupId: minted.lookupId,
      name: input.name,
      scopes,
      secretHash: minted.hash,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      createdBy: caller.keyId,
      expiresAt: input.expiresAt,
      expiresInSeconds: input.expiresInSeconds,
    });
    return { apiKey, key: minted.key };
  }

  /** A page of keys, newest first. */
  async list(opts: { limit: number; cursor?: string }): Promise<{ apiKeys: ApiKey[]; nextCursor: string | null }> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, KeyCursorSchema);
    const rows = await this.store.list({ limit: opts.limit + 1, after });
    const page = pageOf(rows, opts.limit, (last) => ({ ...last.position }));
    return { apiKeys: page.items.map(({ position: _p, ...k }) => k), nextCursor: page.nextCursor };
  }

  async get(keyId: string): Promise<ApiKey> {
    const k = await this.store.get(keyId);
    if (!k) throw new NotFoundError(`API key ${keyId} not found`);
    return k;
  }

  /** Revokes a key; from the next request on, on every replica, it answers 401. Revoking twice is a no-op. */
  async revoke(keyId: string, caller: Principal): Promise<void> {
    this.checkMayGrant(caller, (await this.get(keyId)).scopes, 'revoke');
    if (!(await this.store.revoke(keyId))) throw new NotFoundError(`API key ${keyId} not found`);
  }

  /** A new secret for the same key; the old one keeps working for `graceSeconds` (the one before it stops now). */
  async rotate(keyId: string, graceSeconds: number, caller: Principal): Promise<ApiKeyWithSecret> {
    const existing = await this.get(keyId);
    this.checkMayGrant(caller, existing.scopes, 'rotate');
    const minted = mintApiKey(existing.lookupId);
    const apiKey = await this.store.rotate(keyId, minted.hash, graceSeconds);
    if (!apiKey) throw new ConflictError(`API key ${keyId} is revoked or expired and cannot be rotated; create a new key`);
    return { apiKey, key: minted.key };
  }

  /** The key's requests per day (UTC) over the last `days` days, oldest first; days without requests are left out. */
  async usage(keyId: string, days: number): Promise<UsageDay[]> {
    await this.get(keyId);
    const byDay = new Map<string, UsageDay>();
    for (const c of await this.store.usage(keyId, days)) {
      const d = byDay.get(c.day) ?? { day: c.day, total: 0, byStatusClass: Object.fromEntries(STATUS_CLASSES.map((s) => [s, 0])) as UsageDay['byStatusClass'] };
      if ((STATUS_CLASSES as readonly string[]).includes(c.statusClass)) d.byStatusClass[c.statusClass as StatusClass] += c.count;
      d.total += c.count;
      byDay.set(c.day, d);
    }
    return [...byDay.values()];
  }

  private checkMayGrant(caller: Principal, scopes: readonly string[], verb: 'grant' | 'revoke' | 'rotate'): void {
    const missing = firstUngrantable(caller.scopes, scopes);
    if (missing === undefined) return;
    const detail =
      verb === 'grant'
        ? `This API key cannot grant the scope ${missing}: a key may grant only scopes it holds itself`
        : `This API key cannot ${verb} a key with the scope ${missing}: a key may manage only keys whose scopes it holds itself`;
    throw new ForbiddenError(detail, { requiredScope: missing });
  }
}
