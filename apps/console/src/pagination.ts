import { z } from 'zod';

/** Where the previous page stopped: the last row's sort time and id (the tie-breaker). */
export type Cursor = { at: Date; id: string };

/** A page of a list, as every list route answers it. */
export type Page<T> = { data: T[]; nextCursor: string | null };

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `limit`: 1..500, 50 when absent; anything else is a 400, never silently clamped. */
export const limitSchema = z
  .string()
  .regex(/^\d+$/, `must be a whole number from 1 to ${MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `must be from 1 to ${MAX_LIMIT}`).max(MAX_LIMIT, `must be from 1 to ${MAX_LIMIT}`))
  .optional()
  .transform((v) => v ?? DEFAULT_LIMIT);

/** The cursor is opaque to clients: base64url of `[iso time, id]`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

const cursorTuple = z.tuple([z.iso.datetime(), z.string().min(1).max(200)]);

export function decodeCursor(value: string): Cursor | undefined {
  try {
    const parsed = cursorTuple.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? { at: new Date(parsed.data[0]), id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

export const cursorSchema = z
  .string()
  .transform((value, ctx) => {
    const cursor = decodeCursor(value);
    if (!cursor) ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out' });
    return cursor ?? z.NEVER;
  })
  .optional();

/** An ISO 8601 time (with a zone) or a plain date (midnight UTC). */
export const timeSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or time, e.g. 2026-01-31T12:00:00Z' }).transform((v) => new Date(v));

/**
 * The Prisma filter for "after the cursor" in a newest-first listing ordered by (`field` desc, id
 * desc). The id breaks ties between rows with the same time, so no row is skipped or repeated.
 */
export function afterCursor<F extends string>(field: F, cursor: Cursor | undefined): { OR: object[] } | object {
  if (!cursor) return {};
  return { OR: [{ [field]: { lt: cursor.at } }, { [field]: cursor.at, id: { lt: cursor.id } }] };
}

/** Cuts the `limit + 1` rows fetched into a page, with the cursor of its last row when more follow. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, timeOf: (row: R) => Date, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(map), nextCursor: more && last ? encodeCursor({ at: timeOf(last), id: last.id }) : null };
}
