import { describe, expect, it } from 'vitest';
import { failureStreaks } from './failure-streaks.js';

type Status = 'succeeded' | 'failed' | 'pending';
const batch = (...xs: Array<[string, Status]>) => xs.map(([webhookId, status]) => ({ webhookId, next: { status } }));

/** What recordAttempts' statement does with one streak (the same arithmetic, in JS). */
function applyStreak(count: number, enabled: boolean, s: { lead: number; reset: boolean; tail: number; peak: number }, disableAfter: number) {
  return { count: s.reset ? s.tail : count + s.lead, enabled: (s.lead > 0 && count + s.lead >= disableAfter) || s.peak >= disableAfter ? false : enabled };
}

/** Recording the attempts one by one, as the count is defined. */
function oneByOne(count: number, enabled: boolean, statuses: Status[], disableAfter: number) {
  for (const st of statuses) {
    count = st === 'succeeded' ? 0 : count + 1;
    if (count >= disableAfter) enabled = false;
  }
  return { count, enabled };
}

describe('failureStreaks', () => {
  it('folds each webhook of a batch separately, sorted by webhook id', () => {
    expect(failureStreaks(batch(['b', 'failed'], ['a', 'succeeded'], ['b', 'pending'], ['b', 'succeeded'], ['b', 'failed']))).toEqual([
      { webhookId: 'a', lead: 0, reset: true, tail: 0, peak: 0 },
      { webhookId: 'b', lead: 2, reset: true, tail: 1, peak: 1 },
    ]);
  });

  it('moves the count and disables exactly as recording the attempts one by one would', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 2000; run++) {
      const disableAfter = 1 + Math.floor(random() * 6);
      const count = Math.floor(random() * 8);
      const statuses = Array.from({ length: Math.floor(random() * 12) }, (): Status => (random() < 0.4 ? 'succeeded' : random() < 0.5 ? 'failed' : 'pending'));
      const [streak] = failureStreaks(batch(...statuses.map((s): [string, Status] => ['wh', s])));
      const batched = streak ? applyStreak(count, true, streak, disableAfter) : { count, enabled: true };
      expect(batched, JSON.stringify({ count, disableAfter, statuses })).toEqual(oneByOne(count, true, statuses, disableAfter));
    }
  });
});
