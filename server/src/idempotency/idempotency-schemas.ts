import { z } from 'zod';
import '../http/openapi.js';

/** The request header that makes a POST safe to retry. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** The response header that marks a stored response replayed instead of the work done again. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** How long a key and its response are kept (seed 002: 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 86_400;

/**
 * An Idempotency-Key value: 1 to 200 printable ASCII characters, not only spaces (HTTP trims a
 * header's surrounding whitespace, so an all-space value arrives empty). The middleware validates
 * with this schema and the OpenAPI document shows it, so the two cannot disagree.
 */
export const IdempotencyKeyHeaderSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x20-\x7E]*[\x21-\x7E][\x20-\x7E]*$/, 'must be printable ASCII')
  .openapi({
    description:
      'Makes this POST safe to retry: the same key with the same request within 24 hours returns the first response (with `Idempotent-Replayed: true`) without doing the work again; with a different request it is a 409, and while the first is still running a 409 with `Retry-After`. Scoped to the calling API key. A UUID v4 is a fine value.',
    example: '5f1c6a1e-8a0e-4d55-9f1b-2f6f7c3f2b10',
  });
