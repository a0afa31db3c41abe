import { z } from 'zod';
import '../http/openapi.js';

const DependencySchema = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number().int(),
    error: z.string().optional(),
  })
  .openapi('DependencyHealth');

/** Response of GET /v1/health. */
export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']).openapi({ description: '`degraded` when Postgres or LiveKit does not answer' }),
    version: z.string(),
    capabilities: z.object({
      transcriptionLive: z.boolean().openapi({ description: 'stt-live sidecar answers its health probe' }),
      transcriptionPost: z.boolean().openapi({ description: 'stt-post sidecar answers its health probe' }),
    }),
    dependencies: z.object({ postgres: DependencySchema, livekit: DependencySchema }),
  })
  .openapi('Health');
/** Health report. */
export type Health = z.infer<typeof HealthSchema>;
