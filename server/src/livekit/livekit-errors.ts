import { ServerError } from 'livekit-server-sdk';
import { BadGatewayError, BadRequestError, HttpError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';

/** What to say when LiveKit answers "not found" for a call. */
export interface LiveKitCallOptions {
  notFound?: string;
}

/**
 * Translates a failure of a LiveKit API call into an HttpError: unreachable or slow → 503,
 * a 5xx or a rejected credential → 502, "not found" → 404, a refused argument → 400.
 */
export function mapLiveKitError(err: unknown, what: string, opts: LiveKitCallOptions = {}): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ServerError) {
    if (err.status === 404 || err.code === 'not_found') return new NotFoundError(opts.notFound ?? `LiveKit: ${err.message}`);
    if (err.status === 401 || err.status === 403 || err.code === 'unauthenticated' || err.code === 'permission_denied') {
      return new BadGatewayError(`LiveKit rejected the control plane's credentials while trying to ${what}; check LIVEKIT_API_KEY and LIVEKIT_API_SECRET`, { cause: err });
    }
    if (err.status === 400 || err.code === 'invalid_argument' || err.code === 'malformed') {
      return new BadRequestError(`LiveKit refused to ${what}: ${err.message}`);
    }
    if (err.status === 503 || err.code === 'unavailable') {
      return new ServiceUnavailableError(`LiveKit is unavailable; could not ${what}`, { cause: err });
    }
    return new BadGatewayError(`LiveKit failed to ${what}: ${err.message}`, { cause: err });
  }
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new ServiceUnavailableError(`LiveKit did not answer in time; could not ${what}`, { cause: err });
  }
  if (e?.name === 'TypeError' || e?.cause?.code) {
    return new ServiceUnavailableError(`LiveKit is unreachable; could not ${what}`, { cause: err });
  }
  return new BadGatewayError(`LiveKit call failed; could not ${what}`, { cause: err });
}

/** Runs a LiveKit call and maps its failure; the one place upstream errors are translated. */
export async function callLiveKit<T>(what: string, fn: () => Promise<T>, opts?: LiveKitCallOptions): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapLiveKitError(err, what, opts);
  }
}
