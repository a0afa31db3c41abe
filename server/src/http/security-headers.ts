import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** What helmet does to a response: the headers it sets and those it removes, in its order. */
interface HeaderPlan {
  set: Array<[name: string, value: string]>;
  remove: string[];
}

/** Runs helmet once against a response that only records, and returns what it did. */
function planOf(options: Readonly<HelmetOptions> | undefined): HeaderPlan {
  const plan: HeaderPlan = { set: [], remove: [] };
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => plan.set.push([name, Array.isArray(value) ? value.join(', ') : String(value)]),
    removeHeader: (name: string) => plan.remove.push(name),
    getHeader: () => undefined,
  };
  let finished = false;
  helmet(options)({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // helmet's middlewares are synchronous for static options; anything else must not be frozen.
  if (!finished) throw new Error('helmet did not finish synchronously: its options are not static');
  return plan;
}

/**
 * helmet's security headers, worked out once. helmet() runs a chain of thirteen middlewares on
 * every request, each writing one header; with static options (no per-request CSP directives)
 * their values never change, so helmet is run once at start-up against a recording response and
 * each request gets the same headers in one loop: the same names and values, in the same order
 * (a unit test compares them with helmet's own). The token benchmark measured helmet's chain at
 * about a tenth of the control plane's CPU per request. Options with function directives (a CSP
 * nonce) are refused here: use helmet() itself for those.
 */
export function securityHeaders(options?: Readonly<HelmetOptions>): RequestHandler {
  const csp = options?.contentSecurityPolicy;
  const directives = typeof csp === 'object' && csp ? Object.values(csp.directives ?? {}) : [];
  if (directives.some((d) => typeof d === 'function' || (Array.isArray(d) && d.some((x) => typeof x === 'function')))) {
    throw new Error('securityHeaders() takes static helmet options only (a CSP directive is a function)');
  }
  const { set, remove } = planOf(options);
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of remove) res.removeHeader(name);
    next();
  };
}
