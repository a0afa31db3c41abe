import { ServerError } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { mapLiveKitError } from './livekit-errors.js';

describe('mapLiveKitError', () => {
  const map = (err: unknown) => mapLiveKitError(err, 'do it', { notFound: 'Room x not found' });

  it('maps not found to 404 with our wording', () => {
    expect(map(new ServerError('not_found', 'room does not exist', 404, 'not_found'))).toMatchObject({ status: 404, message: 'Room x not found' });
  });
  it('maps unreachable and slow LiveKit to 503', () => {
    expect(map(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toMatchObject({ status: 503 });
    expect(map(new DOMException('timed out', 'TimeoutError'))).toMatchObject({ status: 503, message: 'LiveKit did not answer in time; could not do it' });
  });
  it('maps rejected credentials and server errors to 502, bad arguments to 400', () => {
    expect(map(new ServerError('unauthenticated', 'bad token', 401, 'unauthenticated'))).toMatchObject({ status: 502 });
    expect(map(new ServerError('internal', 'boom', 500, 'internal'))).toMatchObject({ status: 502 });
    expect(map(new ServerError('invalid_argument', 'no', 400, 'invalid_argument'))).toMatchObject({ status: 400 });
  });
});
