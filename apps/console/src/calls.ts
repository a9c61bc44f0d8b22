import type { Db, Prisma } from '@switchboard/db';
import { afterCursor, toPage, type Cursor, type Page } from './pagination.ts';

export type CallView = {
  id: string;
  callSid: string;
  from: string;
  to: string | null;
  status: string;
  startedAt: string;
  updatedAt: string;
  /** The IVR menu choices, in the order they were made. */
  choices: { digits: string | null; choice: string | null; at: string }[];
  /** Every step (incoming, menu, status), oldest first. */
  steps: { kind: string; digits: string | null; choice: string | null; status: string | null; at: string }[];
  recordings: { recordingSid: string; url: string; durationSec: number | null; status: string; at: string }[];
};

const include = {
  steps: { orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] },
  recordings: { orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] },
} satisfies Prisma.CallInclude;

export type CallFilter = { from?: string; since?: Date; limit: number; cursor?: Cursor };

/** Calls, newest first, with their IVR choices and voicemail recordings. */
export async function listCalls(db: Db, filter: CallFilter): Promise<Page<CallView>> {
  const rows = await db.call.findMany({
    where: {
      AND: [
        filter.from !== undefined ? { from: filter.from } : {},
        filter.since !== undefined ? { startedAt: { gte: filter.since } } : {},
        afterCursor('startedAt', filter.cursor),
      ],
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
    include,
  });
  return toPage(rows, filter.limit, (r) => r.startedAt, (r) => ({
    id: r.id,
    callSid: r.callSid,
    from: r.from,
    to: r.to,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    choices: r.steps.filter((s) => s.kind === 'menu').map((s) => ({ digits: s.digits, choice: s.choice, at: s.receivedAt.toISOString() })),
    steps: r.steps.map((s) => ({ kind: s.kind, digits: s.digits, choice: s.choice, status: s.status, at: s.receivedAt.toISOString() })),
    recordings: r.recordings.map((rec) => ({ recordingSid: rec.recordingSid, url: rec.url, durationSec: rec.durationSec, status: rec.status, at: rec.receivedAt.toISOString() })),
  }));
}
