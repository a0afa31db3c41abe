import type { paths } from './generated/schema.js';

type GetPath = { [P in keyof paths]: paths[P] extends { get: unknown } ? P : never }[keyof paths];
type GetOperation<P extends GetPath> = paths[P]['get'];
type Page<P extends GetPath> = GetOperation<P> extends { responses: { 200: { content: { 'application/json': infer D } } } } ? D : never;

/** The API's lists that page with `cursor` and answer `nextCursor`. */
export type ListPath = { [P in GetPath]: [Page<P>] extends [never] ? never : Page<P> extends { nextCursor: string | null } ? P : never }[GetPath];

/** The element type of a list's array field (`rooms`, `recordings`, …). */
export type ListItem<P extends ListPath> = {
  [K in keyof Page<P>]: K extends 'nextCursor' ? never : NonNullable<Page<P>[K]> extends ReadonlyArray<infer E> ? E : never;
}[keyof Page<P>];

type Params<P extends ListPath> = GetOperation<P> extends { parameters: infer X } ? X : never;
type Query<P extends ListPath> = Params<P> extends { query?: infer Q } ? Omit<NonNullable<Q>, 'cursor'> : never;

/** Which page and filters: the list's own parameters, less `cursor`, which paginate drives. */
export interface PaginateOptions<P extends ListPath> {
  /** Path parameters, for lists under a resource (e.g. a room's participants). */
  path?: Params<P> extends { path?: infer X } ? X : never;
  /** Query parameters (`limit` sets the page size, not a total). */
  query?: Query<P>;
  /** Stops the iteration (the pending request rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** The one GET that paginate needs: throws RtcstackError on a non-2xx. */
type Get = (url: string, init: object) => Promise<{ data: unknown }>;

/**
 * Yields every item of a cursor-paginated list, fetching the next page when the current one is
 * used up and stopping at `nextCursor: null`. The item field is the page's one array field.
 */
export async function* paginate<P extends ListPath>(get: Get, path: P, opts: PaginateOptions<P> = {}): AsyncGenerator<ListItem<P>, void, undefined> {
  let cursor: string | undefined;
  do {
    const query = { ...(opts.query as object), ...(cursor ? { cursor } : {}) };
    const { data } = await get(path, { params: { path: opts.path, query }, signal: opts.signal });
    const page = data as Record<string, unknown> & { nextCursor?: string | null };
    const arrays = Object.entries(page).filter(([k, v]) => k !== 'nextCursor' && Array.isArray(v));
    if (arrays.length !== 1) throw new Error(`paginate: ${path} answered ${arrays.length} array fields; expected exactly one`);
    yield* arrays[0]![1] as ListItem<P>[];
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
