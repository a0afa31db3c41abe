// What both verifiers share: the header's shape, its age, and the body. No runtime-specific imports.

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = 'X-Rtcstack-Signature';
/** The header carrying the event id: deliveries are at least once, so a receiver dedupes on it. */
export const EVENT_ID_HEADER = 'X-Rtcstack-Event-Id';

/** A webhook delivery's body, once its signature checked out. */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** What verifyWebhook needs. */
export interface VerifyWebhookOptions {
  /** The raw request body, exactly the bytes received: a re-serialised JSON object will not match. */
  body: string | Uint8Array;
  headers: HeadersLike;
  /** The webhook's secret (`whsec_…`), as POST /v1/webhooks returned it. */
  secret: string;
  /** How old a signature may be, in seconds, before it counts as a replay (default 300). */
  toleranceSeconds?: number;
  /** The current time in unix seconds (for tests). */
  nowSeconds?: number;
}

/** Why a delivery was refused. */
export type WebhookRejection = 'missing-signature' | 'malformed-signature' | 'stale-timestamp' | 'signature-mismatch' | 'malformed-body';

/** A delivery that is not from the server, was altered, or is too old. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
  }
}

/** The timestamp and every v1 signature of the header, checked for shape and age. */
export function readSignature(opts: VerifyWebhookOptions): { timestamp: number; signatures: Uint8Array[] } {
  const header = headerValue(opts.headers, SIGNATURE_HEADER);
  if (!header) throw new WebhookVerificationError('missing-signature', `no ${SIGNATURE_HEADER} header`);
  let timestamp = NaN;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const [k, v] = [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    if (k === 't' && /^\d+$/.test(v)) timestamp = Number(v);
    // Several v1 entries are allowed (as during a secret rotation): any one matching is enough.
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) signatures.push(hexBytes(v));
  }
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) {
    throw new WebhookVerificationError('malformed-signature', `${SIGNATURE_HEADER} is not t=<seconds>,v1=<hex>`);
  }
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError('stale-timestamp', `signed ${now - timestamp} s ago, beyond the tolerance of ${tolerance} s`);
  }
  return { timestamp, signatures };
}

function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const lower = name.toLowerCase();
  const entry = Object.entries(headers as Record<string, string | string[] | undefined>).find(([k]) => k.toLowerCase() === lower)?.[1];
  return Array.isArray(entry) ? entry[0] : entry;
}

/** The verified body as an event; a body that is not JSON is refused. */
export function parseBody(body: string | Uint8Array): WebhookEvent {
  try {
    return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError('malformed-body', 'the signed body is not JSON');
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
