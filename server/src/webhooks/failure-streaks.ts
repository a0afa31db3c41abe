/** What a batch of finished attempts does to one webhook's run of consecutive failures. */
export interface FailureStreak {
  webhookId: string;
  /** Failures before the batch's first success (all of them when none succeeded). */
  lead: number;
  /** Whether one succeeded, which resets the count. */
  reset: boolean;
  /** Failures after the last success. */
  tail: number;
  /** The longest run of failures after a success: it disables the webhook as surely as a long lead. */
  peak: number;
}

/**
 * Folds a batch of attempts, in the order they finished, into one streak per webhook, so that one
 * statement can move each webhook's count as if the attempts had been recorded one by one: the new
 * count is `tail` after a success and `count + lead` otherwise, and the webhook is disabled when a
 * leading failure takes `count + lead` to the threshold, or when `peak` reaches it. Sorted by webhook id, so that two replicas lock
 * the same webhook rows in the same order.
 */
export function failureStreaks(attempts: ReadonlyArray<{ webhookId: string; next: { status: string } }>): FailureStreak[] {
  const byHook = new Map<string, FailureStreak>();
  for (const a of attempts) {
    let s = byHook.get(a.webhookId);
    if (!s) byHook.set(a.webhookId, (s = { webhookId: a.webhookId, lead: 0, reset: false, tail: 0, peak: 0 }));
    if (a.next.status === 'succeeded') {
      s.reset = true;
      s.tail = 0;
    } else if (s.reset) {
      s.tail += 1;
      s.peak = Math.max(s.peak, s.tail);
    } else {
      s.lead += 1;
    }
  }
  return [...byHook.values()].sort((x, y) => (x.webhookId < y.webhookId ? -1 : 1));
}
