import { randomBytes } from 'node:crypto';
import type { Db } from '@switchboard/db';
import { afterCursor, toPage, type Cursor, type Page } from './pagination.ts';

/** A source as listed: never its secrets. */
export type SourceView = { id: string; name: string; createdAt: string };
export type CreatedSource = { id: string; name: string; secret: string };

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A short, url-safe id for `/webhooks/generic/:id`: 96 random bits. */
export function generateSourceId(): string {
  return `src_${randomBytes(12).toString('base64url')}`;
}

export async function listSources(db: Db, filter: { limit: number; cursor?: Cursor }): Promise<Page<SourceView>> {
  const rows = await db.source.findMany({
    where: { AND: [{ deletedAt: null }, afterCursor('createdAt', filter.cursor)] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
    select: { id: true, name: true, createdAt: true },
  });
  return toPage(rows, filter.limit, (r) => r.createdAt, (r) => ({ id: r.id, name: r.name, createdAt: r.createdAt.toISOString() }));
}

/** Creates a source; the answer is the only place its secret is ever shown. */
export async function createSource(db: Db, input: { name: string; secret?: string }): Promise<CreatedSource> {
  const secret = input.secret ?? generateSecret();
  const row = await db.source.create({ data: { id: generateSourceId(), name: input.name, secrets: [secret] }, select: { id: true, name: true } });
  return { ...row, secret };
}

/** Soft delete: ingest stops accepting the source at its next refresh; its events stay. False when unknown or already deleted. */
export async function deleteSource(db: Db, id: string): Promise<boolean> {
  const { count } = await db.source.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
  return count === 1;
}
