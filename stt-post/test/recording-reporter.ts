import type { Reporter, TranscriptionResult } from '../src/reporter.js';

/** A Reporter that records every call, for tests that run processJob without a control plane. */
export class RecordingReporter implements Reporter {
  readonly progressCalls: number[] = [];
  readonly results: TranscriptionResult[] = [];
  readonly failures: string[] = [];
  /** Set to make a method throw (once per call) instead of recording. */
  fail: Partial<Record<'progress' | 'result' | 'failed', () => Error>> = {};

  async progress(fraction: number): Promise<void> {
    const err = this.fail.progress?.();
    if (err) throw err;
    this.progressCalls.push(fraction);
  }

  async result(result: TranscriptionResult): Promise<void> {
    const err = this.fail.result?.();
    if (err) throw err;
    this.results.push(result);
  }

  async failed(reason: string): Promise<void> {
    const err = this.fail.failed?.();
    if (err) throw err;
    this.failures.push(reason);
  }
}
