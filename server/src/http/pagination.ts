import { z } from 'zod';
import './openapi.js';
import { BadRequestError } from './errors.js';

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
