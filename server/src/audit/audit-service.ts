import { BadRequestError } from '../http/errors.js';
import type { AuditEntry, AuditStore, NewAuditEntry } from './audit-store.js';

/**
 * Records an action before doing it, then its outcome. Writing first means that when Postgres
 * is down the action is refused (503) instead of happening unrecorded.
 */
export class AuditService {
  constructor(private readonly store: AuditStore) {}

  /** Runs `act` under an audit entry; the entry ends as succeeded or failed with the error's message. */
  async record<T>(entry: NewAuditEntry, act: () => Promise<T>): Promise<T> {
    const id = await this.store.insert(entry);
    try {
      const result = await act();
      await this.store.setOutcome(id, 'succeeded').catch(() => undefined);
      return result;
    } catch (err) {
      await this.store.setOutcome(id, 'failed', { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  /** A page of entries, newest first; `cursor` is what the previous page returned as nextCursor. */
  async list(opts: { roomName?: string; limit: number; cursor?: string }): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    const beforeSeq = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const rows = await this.store.list({ roomName: opts.roomName, limit: opts.limit + 1, beforeSeq });
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > opts.limit && last ? encodeCursor(last.seq) : null;
    return { entries: page.map(({ seq: _seq, ...entry }) => entry), nextCursor };
  }
}

function encodeCursor(seq: string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(s: string): string {
  const m = /^seq:(\d{1,19})$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) throw new BadRequestError('cursor is not one this API issued');
  return m[1]!;
}
