import type { Knex } from 'knex';

/** One audited action as stored. */
export interface AuditEntry {
  id: string;
  occurredAt: string;
  action: string;
  roomName: string;
  participantIdentity: string | null;
  actor: string;
  outcome: 'pending' | 'succeeded' | 'failed';
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** What a caller records before it acts. */
export type NewAuditEntry = Pick<AuditEntry, 'action' | 'roomName' | 'actor'> &
  Partial<Pick<AuditEntry, 'participantIdentity' | 'requestId' | 'detail'>>;

interface AuditRow {
  id: string;
  seq: string;
  occurred_at: Date;
  action: string;
  room_name: string;
  participant_identity: string | null;
  actor: string;
  outcome: AuditEntry['outcome'];
  request_id: string | null;
  detail: Record<string, unknown>;
}

/** Postgres access for the audit log; the only place that knows its table. */
export class AuditStore {
  constructor(private readonly db: Knex) {}

  /** Inserts a pending entry and returns its id. */
  async insert(e: NewAuditEntry): Promise<string> {
    const [row] = await this.db<AuditRow>('audit_log')
      .insert({
        action: e.action,
        room_name: e.roomName,
        participant_identity: e.participantIdentity ?? null,
        actor: e.actor,
        request_id: e.requestId ?? null,
        detail: e.detail ?? {},
      })
      .returning('id');
    return row!.id;
  }

  /** Records how the action went. */
  async setOutcome(id: string, outcome: 'succeeded' | 'failed', detail?: Record<string, unknown>): Promise<void> {
    await this.db<AuditRow>('audit_log')
      .where({ id })
      .update(detail ? { outcome, detail: this.db.raw('detail || ?::jsonb', [JSON.stringify(detail)]) as never } : { outcome });
  }

  /** Newest first, optionally for one room, keyset-paginated by insertion order. */
  async list(opts: { roomName?: string; limit: number; beforeSeq?: string }): Promise<Array<AuditEntry & { seq: string }>> {
    const q = this.db<AuditRow>('audit_log').orderBy('seq', 'desc').limit(opts.limit);
    if (opts.roomName) q.where('room_name', opts.roomName);
    if (opts.beforeSeq) q.where('seq', '<', opts.beforeSeq);
    const rows = await q;
    return rows.map((r) => ({ ...toEntry(r), seq: String(r.seq) }));
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    occurredAt: r.occurred_at.toISOString(),
    action: r.action,
    roomName: r.room_name,
    participantIdentity: r.participant_identity,
    actor: r.actor,
    outcome: r.outcome,
    requestId: r.request_id,
    detail: r.detail,
  };
}
