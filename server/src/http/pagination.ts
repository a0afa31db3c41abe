import { z } from 'zod';
import './openapi.js';
import { BadRequestError, ValidationError } from './errors.js';

/** The most items one page may hold; `limit` is bounded by it on every list. */
export const MAX_PAGE_LIMIT = 200;

/** `limit` and `cursor`, the query parameters of every list (spread into its query schema). */
export const CursorQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(50).openapi({ description: `Items per page (1–${MAX_PAGE_LIMIT})` }),
  cursor: z.string().min(1).max(512).optional().openapi({ description: 'The `nextCursor` of the previous page; omit for the first page' }),
};

/** `nextCursor` beside a list's own field: opaque, null on the last page. */
export const NextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: 'Opaque; pass as `cursor` for the next page. Null on the last page.' });

/**
 * Encodes a keyset position (the sort key of the last item served) as an opaque cursor. Keyset, not
 * offset: a row inserted while a client pages never shifts, repeats or hides another.
 */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor; a tampered or foreign one is a 400 naming `query.cursor`. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BadRequestError('cursor is not one this list issued', { errors: [{ field: 'query.cursor', message: 'invalid cursor' }] });
  return parsed.data;
}

/**
 * Slices a page from `limit + 1` fetched items: the extra one only says whether a next page exists.
 * `position` gives the sort key of an item, which becomes the next cursor.
 */
export function pageOf<T>(items: T[], limit: number, position: (last: T) => Record<string, string | number>): { items: T[]; nextCursor: string | null } {
  if (items.length <= limit) return { items, nextCursor: null };
  const page = items.slice(0, limit);
  return { items: page, nextCursor: encodeCursor(position(page[page.length - 1]!)) };
}

/** A page of a list, and the cursor of the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a list request asks for: `limit` items after `cursor` (absent on the first page). */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

/**
 * `limit` with a list's own default. Lists that answered everything before they were paginated
 * (rooms, participants, ingress, webhooks) default to MAX_PAGE_LIMIT, so that a client that never
 * sends `limit` still sees the whole list wherever it holds up to that many.
 */
export function limitWithDefault(defaultLimit: number) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(defaultLimit)
    .openapi({ description: `Items per page (1–${MAX_PAGE_LIMIT}, default ${defaultLimit})` });
}

/**
 * Pages a list that an upstream (LiveKit) hands over whole: sorted by a unique, immutable key, served
 * after the cursor's key. An item added between two requests lands in its place in the key order, so
 * it never shifts, repeats or hides another (unlike an offset); one removed simply stops appearing.
 * `field` names the key inside the cursor, so that one list's cursor is refused by another.
 */
export function pageByKey<T>(all: readonly T[], key: (item: T) => string, req: PageRequest, field: string): Page<T> {
  const after = req.cursor === undefined ? undefined : decodeCursor(req.cursor, z.object({ [field]: z.string().min(1).max(256) }).strict())[field];
  // Code-unit order (not localeCompare): the same on every replica and every Node version.
  const sorted = [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  return pageOf(rest.slice(0, req.limit + 1), req.limit, (last) => ({ [field]: key(last) }));
}

/** The keyset position of a row in a (created_at, id) order; `createdAt` keeps Postgres's microseconds. */
export type CreatedAtPosition = { createdAt: string; id: string };

const MICROSECOND_ISO = /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * The cursor schema of a list ordered by (created_at, id) whose ids start with `idPrefix`. The
 * timestamp must be a real instant (no 30 February), so a tampered cursor is a 400, never a
 * Postgres error.
 */
export function createdAtCursorSchema(idPrefix: string): z.ZodType<CreatedAtPosition> {
  return z
    .object({
      createdAt: z
        .string()
        .regex(MICROSECOND_ISO)
        .refine((s) => {
          const d = new Date(s);
          return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 23) === s.slice(0, 23);
        }),
      id: z.string().regex(new RegExp(`^${idPrefix}_[A-Za-z0-9_-]{1,64}$`)),
    })
    .strict();
}

/**
 * page/pageSize, the offset pagination that recordings and transcriptions had before cursors, with
 * limit/cursor beside them. Deprecated: an offset shifts when a row is inserted while a client pages.
 */
export const LegacyPageQueryShape = {
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER) // what int() allows anyway, stated so that the document says it
    .optional()
    .openapi({ description: 'Deprecated: use `cursor`. Page number (default 1)', param: { deprecated: true } }),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'Deprecated: use `limit`. Items per page (1–100, default 20)', param: { deprecated: true } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .optional()
    .openapi({ description: `Items per page (1–${MAX_PAGE_LIMIT}, default 20); with \`limit\` or \`cursor\` the list pages by cursor` }),
  cursor: CursorQueryShape.cursor,
};

/** The fields a list with LegacyPageQueryShape answers beside its items. */
export const LegacyPageResponseShape = {
  total: z.number().int().openapi({ description: 'How many items match the filters now, over every page (the cursor does not change it)' }),
  page: z.number().int().optional().openapi({ description: 'Deprecated: only when the request paged with page/pageSize', deprecated: true }),
  pageSize: z.number().int().optional().openapi({ description: 'Deprecated: only when the request paged with page/pageSize', deprecated: true }),
  nextCursor: NextCursorSchema,
};

/** How a list with LegacyPageQueryShape was asked for: by cursor, or (deprecated) by page number at an offset. */
export type LegacyPageRequest = (PageRequest & { mode: 'cursor' }) | { mode: 'page'; page: number; pageSize: number; limit: number; offset: number };

/**
 * Reads a LegacyPageQueryShape query. limit or cursor → cursor paging; otherwise page/pageSize (the
 * defaults, page 1 of 20, are also the first cursor page, and it answers a nextCursor too, so a
 * client can switch over from any page). Mixing the two is a 400.
 */
export function legacyPageRequest(q: { page?: number; pageSize?: number; limit?: number; cursor?: string }): LegacyPageRequest {
  const byCursor = q.limit !== undefined || q.cursor !== undefined;
  if (byCursor && (q.page !== undefined || q.pageSize !== undefined)) {
    const field = q.page !== undefined ? 'query.page' : 'query.pageSize';
    throw new ValidationError([{ field, message: 'page/pageSize and limit/cursor are two ways to page; send one of them' }]);
  }
  if (byCursor) return { mode: 'cursor', limit: q.limit ?? 20, cursor: q.cursor };
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  return { mode: 'page', page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
}

/** Which rows of a (created_at, id) order a store fetches: after a position, or (deprecated) at an offset. */
export interface CreatedAtWindow {
  /** How many rows to fetch: the page's limit plus one, for pageOf's look-ahead. */
  limit: number;
  after?: CreatedAtPosition;
  /** Offset paging (page/pageSize), kept for old clients; unused when `after` is set. */
  offset?: number;
}

/** The window a store fetches for a request on a (created_at, id) list whose ids start with `idPrefix`. */
export function createdAtWindow(req: PageRequest & { offset?: number }, idPrefix: string): CreatedAtWindow {
  const after = req.cursor === undefined ? undefined : decodeCursor(req.cursor, createdAtCursorSchema(idPrefix));
  return { limit: req.limit + 1, after, offset: req.offset };
}
