import { z } from 'zod';
import { CursorQueryShape, NextCursorSchema } from '../http/pagination.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { IsoDateSchema, NameSchema } from '../http/schemas.js';
import type { AuditService } from './audit-service.js';

const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    occurredAt: IsoDateSchema,
    action: z.string().openapi({ example: 'participant.removed' }),
    roomName: z.string(),
    participantIdentity: z.string().nullable(),
    actor: z.string().openapi({ description: '`api-key`, or `<role>:<identity>` for a participant token' }),
    outcome: z.enum(['pending', 'succeeded', 'failed']),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

const AuditListSchema = z
  .object({
    entries: z.array(AuditEntrySchema),
    nextCursor: NextCursorSchema,
  })
  .openapi('AuditList');

const AuditQuerySchema = z.object({
  roomId: NameSchema.optional().openapi({ description: 'Only actions in this room' }),
  ...CursorQueryShape,
});

/** GET /v1/audit: who closed rooms, kicked and muted whom. */
export function registerAuditRoutes(ctx: RouteContext, audit: AuditService): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/audit',
    summary: 'Moderation and room actions taken through the API, newest first',
    tag: 'Audit',
    scope: 'audit:read',
    query: AuditQuerySchema,
    responses: { 200: { description: 'A page of audit entries', schema: AuditListSchema } },
    handler: async ({ query }, _req, res) => {
      res.json(await audit.list({ roomName: query.roomId, limit: query.limit, cursor: query.cursor }));
    },
  });
}
