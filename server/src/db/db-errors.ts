const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True when an error means Postgres cannot be reached or did not answer in time (so: 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; name?: string; message?: string; errors?: unknown[] };
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  if (Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)) return true; // AggregateError from dual-stack connects
  const msg = e.message ?? '';
  return /Connection terminated|Query read timeout|connection timeout|timeout exceeded when trying to connect/i.test(msg);
}

/**
 * True when Postgres refused a value that cannot be stored as text: a NUL character (U+0000), in
 * text or in JSON. That is bad input (400), not a server fault.
 */
export function isUnstorableText(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '22021' || code === '22P05'; // character_not_in_repertoire, untranslatable_character
}
