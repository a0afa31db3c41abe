/** Asks a sidecar's GET /health with a short timeout and remembers the answer for a few seconds. */
export class SidecarProbe {
  private cached?: { up: boolean; at: number };
  private inflight?: Promise<boolean>;

  constructor(
    private readonly url: string | undefined,
    private readonly opts: { timeoutMs: number; cacheMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** True only when the sidecar is configured and answered 2xx within the timeout. */
  async isUp(): Promise<boolean> {
    if (!this.url) return false;
    if (this.cached && this.now() - this.cached.at < this.opts.cacheMs) return this.cached.up;
    this.inflight ??= this.probe().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async probe(): Promise<boolean> {
    let up = false;
    try {
      const res = await fetch(new URL('/health', this.url), { signal: AbortSignal.timeout(this.opts.timeoutMs) });
      up = res.ok;
      await res.body?.cancel();
    } catch {
      up = false;
    }
    this.cached = { up, at: this.now() };
    return up;
  }
}
