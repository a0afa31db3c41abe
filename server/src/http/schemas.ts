import { isStorableInstant, STORABLE_INSTANT_MESSAGE } from '@rtcstack/contracts';
import { z } from 'zod';
import './openapi.js';

/** RFC 9457 problem details, as every error response is shaped. */
export const ProblemSchema = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** A LiveKit room name or participant identity as it may appear in a URL path. */
export const NameSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w.\-:@=+]+$/, 'may contain only letters, digits and _ . - : @ = +');

/** An ISO-8601 timestamp string. */
export const IsoDateSchema = z.iso.datetime({ offset: true }).openapi({ example: '2025-01-01T12:00:00.000Z' });

/**
 * An ISO-8601 timestamp a client sends, read as the UTC instant it names (years 0001 to 9999):
 * any RFC 3339 offset is taken, though Postgres refuses those past ±15:59. (Contracts'
 * IsoTimestampSchema does the same; built here, after zod-to-openapi's extension, so that it has `.openapi`.)
 */
export const IsoDateInputSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableInstant, STORABLE_INSTANT_MESSAGE)
  .transform((s) => new Date(s).toISOString())
  .openapi({ example: '2025-01-01T12:00:00.000Z' });
