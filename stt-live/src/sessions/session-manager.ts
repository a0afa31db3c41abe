import type { Logger } from 'pino';
import type { SpeechEngine } from '../engines/engine.js';
import { RoomSession, type SessionDeps, type SessionRequest } from './room-session.js';

/** The sessions this sidecar runs, by transcription id. */
export class SessionManager {
  private readonly sessions = new Map<string, RoomSession>();
  private readonly starting = new Map<string, Promise<RoomSession>>();

  constructor(private readonly deps: Omit<SessionDeps, 'onEnded' | 'logger'> & { engine: SpeechEngine; logger: Logger; stopFlushMs: number }) {}

  /** Starts a session, or returns the one with this id (`created: false`); idempotent under concurrent calls. */
  async start(id: string, request: SessionRequest): Promise<{ session: RoomSession; created: boolean }> {
    const existing = this.sessions.get(id);
    if (existing) return { session: existing, created: false };
    const pending = this.starting.get(id);
    if (pending) return { session: await pending, created: false };
    const promise = this.create(id, request);
    this.starting.set(id, promise);
    try {
      return { session: await promise, created: true };
    } finally {
      this.starting.delete(id);
    }
  }

  get(id: string): RoomSession | undefined {
    return this.sessions.get(id);
  }

  list(): RoomSession[] {
    return [...this.sessions.values()];
  }

  /** Stops a session after its last words are delivered; undefined when unknown. */
  async stop(id: string): Promise<RoomSession | undefined> {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    await session.stop(this.deps.stopFlushMs);
    return session;
  }

  /** Stops every session (shutdown) and tells the control plane they ended, so none stays "active". */
  async stopAll(reason: string): Promise<void> {
    await Promise.all(
      [...this.sessions.keys()].map(async (id) => {
        const session = await this.stop(id);
        await session?.reportEnded('failed', reason);
      }),
    );
  }

  private async create(id: string, request: SessionRequest): Promise<RoomSession> {
    const session = new RoomSession(id, request, { ...this.deps, onEnded: (ended) => this.sessions.delete(ended) });
    await session.start();
    this.sessions.set(id, session);
    return session;
  }
}
