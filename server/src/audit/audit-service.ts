import { z } from 'zod';
import { decodeCursor, pageOf, type PageRequest } from '../http/pagination.js';
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
  async list(opts: { roomName?: string } & PageRequest): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    // seq is the insertion order (a bigserial): immutable and unique, so a keyset on it is stable.
    const beforeSeq = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, AuditCursorSchema).seq;
    const rows = await this.store.list({ roomName: opts.roomName, limit: opts.limit + 1, beforeSeq });
    const page = pageOf(rows, opts.limit, (last) => ({ seq: last.seq }));
    return { entries: page.items.map(({ seq: _seq, ...entry }) => entry), nextCursor: page.nextCursor };
  }
}

/** An audit cursor: the seq of the last entry served (18 digits at most, so it always fits a bigint). */
const AuditCursorSchema = z.object({ seq: z.string().regex(/^\d{1,18}$/) }).strict();
