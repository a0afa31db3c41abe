import { describe, expect, it } from 'vitest';
import { createdAtCursorSchema, createdAtWindow, decodeCursor, encodeCursor, legacyPageRequest, pageByKey } from './pagination.js';
import { HttpError } from './errors.js';

const names = (page: { items: Array<{ name: string }> }) => page.items.map((i) => i.name);

describe('pageByKey', () => {
  const rooms = ['b', 'd', 'a', 'c', 'e'].map((name) => ({ name }));

  it('walks the whole list in key order, each item once', () => {
    const first = pageByKey(rooms, (r) => r.name, { limit: 2 }, 'room');
    expect(names(first)).toEqual(['a', 'b']);
    const second = pageByKey(rooms, (r) => r.name, { limit: 2, cursor: first.nextCursor! }, 'room');
    expect(names(second)).toEqual(['c', 'd']);
    const last = pageByKey(rooms, (r) => r.name, { limit: 2, cursor: second.nextCursor! }, 'room');
    expect(last).toEqual({ items: [{ name: 'e' }], nextCursor: null });
  });

  it('an item added or removed between pages shifts no other', () => {
    const first = pageByKey(rooms, (r) => r.name, { limit: 2 }, 'room');
    const changed = [...rooms.filter((r) => r.name !== 'a'), { name: 'aa' }, { name: 'cc' }];
    expect(names(pageByKey(changed, (r) => r.name, { limit: 3, cursor: first.nextCursor! }, 'room'))).toEqual(['c', 'cc', 'd']);
  });

  it("refuses another list's cursor", () => {
    expect(() => pageByKey(rooms, (r) => r.name, { limit: 2, cursor: encodeCursor({ identity: 'a' }) }, 'room')).toThrow(HttpError);
  });
});

describe('createdAtCursorSchema', () => {
  const schema = createdAtCursorSchema('rec');
  const at = (createdAt: string, id = 'rec_abc') => encodeCursor({ createdAt, id });

  it('takes a position to the microsecond', () => {
    expect(decodeCursor(at('2026-01-01T12:00:00.123456Z'), schema)).toEqual({ createdAt: '2026-01-01T12:00:00.123456Z', id: 'rec_abc' });
  });

  it.each([
    ['a millisecond timestamp', at('2026-01-01T12:00:00.123Z')],
    ['a day that does not exist', at('2026-02-30T12:00:00.000000Z')],
    ['a year Postgres refuses', at('0000-01-01T00:00:00.000000Z')],
    ["another list's id", at('2026-01-01T12:00:00.123456Z', 'tr_abc')],
    ['an extra field', encodeCursor({ createdAt: '2026-01-01T12:00:00.123456Z', id: 'rec_abc', x: 1 })],
    ['not base64 JSON', 'bogus'],
  ])('refuses %s with a 400 naming query.cursor', (_what, cursor) => {
    try {
      decodeCursor(cursor, schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ status: 400, extra: { errors: [{ field: 'query.cursor', message: 'invalid cursor' }] } });
    }
  });

  it('a window fetches one row more than the page, for the look-ahead', () => {
    expect(createdAtWindow({ limit: 20 }, 'rec')).toEqual({ limit: 21, after: undefined, offset: undefined });
  });
});

describe('legacyPageRequest', () => {
  it('pages by page/pageSize unless limit or cursor is given; a bare request is page 1 of 20', () => {
    expect(legacyPageRequest({})).toEqual({ mode: 'page', page: 1, pageSize: 20, limit: 20, offset: 0 });
    expect(legacyPageRequest({ page: 3, pageSize: 10 })).toEqual({ mode: 'page', page: 3, pageSize: 10, limit: 10, offset: 20 });
    expect(legacyPageRequest({ cursor: 'c' })).toEqual({ mode: 'cursor', limit: 20, cursor: 'c' });
    expect(legacyPageRequest({ limit: 5 })).toEqual({ mode: 'cursor', limit: 5, cursor: undefined });
  });

  it('refuses a request that mixes the two, naming the deprecated field', () => {
    expect(() => legacyPageRequest({ page: 2, limit: 5 })).toThrow(expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'query.page' })] }));
    expect(() => legacyPageRequest({ pageSize: 2, cursor: 'c' })).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'query.pageSize' })] }));
  });
});
