import { z } from 'zod';
import { BadRequestError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { IsoDateSchema, NameSchema } from '../http/schemas.js';
import type { AuditStore } from './audit-store.js';

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
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('AuditList');

const AuditQuerySchema = z.object({
  roomId: NameSchema.optional().openapi({ description: 'Only actions in this room' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** GET /v1/audit: who closed rooms, kicked and muted whom. */
export function registerAuditRoutes(ctx: RouteContext, store: AuditStore): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/audit',
    summary: 'Moderation and room actions taken through the API, newest first',
    tag: 'Audit',
    query: AuditQuerySchema,
    responses: { 200: { description: 'A page of audit entries', schema: AuditListSchema } },
    handler: async ({ query }, _req, res) => {
      const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await store.list({ roomName: query.roomId, limit: query.limit + 1, beforeSeq });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor(last.seq) : null;
      res.json({ entries: page.map(({ seq: _seq, ...entry }) => entry), nextCursor });
    },
  });
}

function encodeCursor(seq: string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(s: string): string {
  const m = /^seq:(\d{1,19})$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) throw new BadRequestError('cursor is not one this API issued');
  return m[1]!;
}
