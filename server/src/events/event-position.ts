/**
 * Where an event sits in the stream: its transaction's id (xid8) and its row's seq.
 *
 * Why not seq alone: seq is handed out when a row is inserted, but rows become visible when their
 * transaction commits, and two transactions can commit in the other order. A reader that has moved
 * past seq 11 would never see seq 10 committing after it. So the stream is read in (xid, seq) order
 * and only up to the oldest transaction of this database still running: every transaction below
 * that horizon has ended, so nothing can appear behind a reader's position any more. The price: an
 * event reaches readers once every write transaction that began before it has ended (usually
 * milliseconds; a long-running one holds events back for its duration, and loses none).
 */
export interface Position {
  xid: bigint;
  seq: bigint;
}

/** Before every stored event. */
export const START: Position = Object.freeze({ xid: 0n, seq: 0n });

const FORMAT = /^(\d{1,20})-(\d{1,20})$/;

/** The opaque string clients see (SSE `id:`, `position`, `after`): `<xid>-<seq>`. */
export function formatPosition(p: Position): string {
  return `${p.xid}-${p.seq}`;
}

/** Parses a string made by formatPosition; undefined when it is not one. */
export function parsePosition(s: string): Position | undefined {
  const m = FORMAT.exec(s.trim());
  return m ? { xid: BigInt(m[1]!), seq: BigInt(m[2]!) } : undefined;
}

/** Negative, zero or positive as `a` comes before, at or after `b` in the stream. */
export function comparePositions(a: Position, b: Position): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}
