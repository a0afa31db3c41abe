import type { Knex } from 'knex';
import type { CreatedAtPosition, CreatedAtWindow } from '../http/pagination.js';

/** The alias of the column keysetByCreatedAt adds: the row's created_at to the microsecond. */
const POSITION_COLUMN = 'keyset_created_at';

/**
 * Orders `q` by (created_at, id) and keeps the window's rows. created_at never changes after insert
 * and id breaks ties, so the order is total and stable: a row inserted while a client pages lands
 * in its place and never shifts another. The position is read as text to the microsecond, because a
 * JS Date keeps only milliseconds and a cursor rounded to them would skip rows of the same
 * millisecond. Select the table's own columns on `q` first; this adds the position column.
 */
export function keysetByCreatedAt(db: Knex, q: Knex.QueryBuilder, table: string, order: 'asc' | 'desc', w: CreatedAtWindow): Knex.QueryBuilder {
  const createdAt = `${table}.created_at`;
  const id = `${table}.id`;
  q.select(db.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${POSITION_COLUMN}`, [createdAt]));
  if (w.after) q.whereRaw(`(??, ??) ${order === 'desc' ? '<' : '>'} (?::timestamptz, ?)`, [createdAt, id, w.after.createdAt, w.after.id]);
  else if (w.offset) q.offset(w.offset);
  return q.orderBy([{ column: createdAt, order }, { column: id, order }]).limit(w.limit);
}

/** The keyset position of a row fetched through keysetByCreatedAt. */
export function createdAtPositionOf(row: Record<string, unknown>): CreatedAtPosition {
  return { createdAt: row[POSITION_COLUMN] as string, id: row.id as string };
}
