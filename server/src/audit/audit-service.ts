import type { AuditStore, NewAuditEntry } from './audit-store.js';

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
}
