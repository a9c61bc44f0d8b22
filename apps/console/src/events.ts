import type { Queue } from 'bullmq';
import { rawEventToPayload, type Db, type Prisma, type RawEvent } from '@switchboard/db';
import type { ProviderId } from '@switchboard/events';
import { enqueue, enqueueBulk, type JobInput } from '@switchboard/queues';
import { afterCursor, toPage, type Cursor, type Page } from './pagination.ts';

export type EventsDeps = { db: Db; inboundQueue: Queue<JobInput<'inbound'>> };

/** A raw event as listed: everything but the body, which can be large (fetch one to see it). */
export type EventSummary = Omit<EventDetail, 'body' | 'attachments'>;

/** A raw event as received, byte for byte. */
export type EventDetail = {
  id: string;
  provider: string;
  dedupKey: string;
  route: string;
  url: string;
  sourceId: string | null;
  receivedAt: string;
  storedAt: string;
  remoteIp: string | null;
  contentType: string | null;
  headers: unknown;
  body: string;
  bodyEncoding: string;
  /** Which item of a many-event body this event is (Meta: `{entry, change, field, index}`); null otherwise. */
  item: unknown;
  attachments: unknown;
  replayCount: number;
  lastReplayAt: string | null;
};

const summaryFields = {
  id: true, provider: true, dedupKey: true, route: true, url: true, sourceId: true, receivedAt: true, storedAt: true,
  remoteIp: true, contentType: true, headers: true, bodyEncoding: true, item: true, replayCount: true, lastReplayAt: true,
} satisfies Prisma.RawEventSelect;

function toSummary(row: Prisma.RawEventGetPayload<{ select: typeof summaryFields }>): EventSummary {
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    storedAt: row.storedAt.toISOString(),
    lastReplayAt: row.lastReplayAt?.toISOString() ?? null,
  };
}

function toDetail(row: RawEvent): EventDetail {
  return { ...toSummary(row), body: row.body, attachments: row.attachments ?? null };
}

export type EventFilter = { provider?: ProviderId; since?: Date; limit: number; cursor?: Cursor };

/** Raw events, newest first. */
export async function listEvents(db: Db, filter: EventFilter): Promise<Page<EventSummary>> {
  const rows = await db.rawEvent.findMany({
    where: {
      AND: [
        filter.provider ? { provider: filter.provider } : {},
        filter.since ? { receivedAt: { gte: filter.since } } : {},
        afterCursor('receivedAt', filter.cursor),
      ],
    },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
    select: summaryFields,
  });
  return toPage(rows, filter.limit, (r) => r.receivedAt, toSummary);
}

export async function getEvent(db: Db, id: string): Promise<EventDetail | null> {
  const row = await db.rawEvent.findUnique({ where: { id } });
  return row ? toDetail(row) : null;
}

export type ReplayOutcome = { kind: 'not_found' } | { kind: 'queue_unavailable'; error: string } | { kind: 'queued'; eventId: string; jobId: string };

/**
 * Puts a stored event back on the inbound queue with its `eventId`: the listener then skips the
 * store and re-runs normalization and interpretation, whose writes are keyed (exactly-once effects).
 */
export async function replayEvent(deps: EventsDeps, id: string): Promise<ReplayOutcome> {
  const row = await deps.db.rawEvent.findUnique({ where: { id } });
  if (!row) return { kind: 'not_found' };
  const now = Date.now();
  let jobId: string;
  try {
    // Its id is unique per replay (the catalog's), so BullMQ never dedupes it against the original or an earlier replay.
    jobId = await enqueue(deps.inboundQueue, 'inbound', rawEventToPayload(row), { replayAt: now });
  } catch (err) {
    // The queue's connection fails fast (Redis down): nothing was queued, so nothing is counted.
    return { kind: 'queue_unavailable', error: (err as Error).message };
  }
  // Counted after the job is queued: a failed enqueue is not a replay.
  await deps.db.rawEvent.update({ where: { id: row.id }, data: { replayCount: { increment: 1 }, lastReplayAt: new Date(now) } });
  return { kind: 'queued', eventId: row.id, jobId };
}

/** Without an explicit `limit`, a range replay refuses more events than this. */
export const MAX_REPLAY_RANGE = 10_000;
const REPLAY_BATCH = 500;

export type ReplayRange = { provider?: ProviderId; since: Date; until: Date; limit?: number };
export type ReplayRangeOutcome =
  | { kind: 'too_many'; count: number }
  /** Redis failed part way: `count` events were queued (and counted) before it did. */
  | { kind: 'queue_unavailable'; count: number; error: string }
  | { kind: 'queued'; count: number };

/**
 * Replays every stored event received in [since, until), oldest first (the order they first ran
 * in), at most `limit` of them. Read and enqueued in batches, so a large range never sits in
 * memory whole.
 */
export async function replayRange(deps: EventsDeps, range: ReplayRange): Promise<ReplayRangeOutcome> {
  const where = { ...(range.provider ? { provider: range.provider } : {}), receivedAt: { gte: range.since, lt: range.until } };
  if (range.limit === undefined) {
    const count = await deps.db.rawEvent.count({ where });
    if (count > MAX_REPLAY_RANGE) return { kind: 'too_many', count };
  }
  const max = range.limit ?? MAX_REPLAY_RANGE;
  const now = Date.now();
  let queued = 0;
  let after: { receivedAt: Date; id: string } | undefined;
  while (queued < max) {
    const rows: RawEvent[] = await deps.db.rawEvent.findMany({
      where: {
        AND: [where, after ? { OR: [{ receivedAt: { gt: after.receivedAt } }, { receivedAt: after.receivedAt, id: { gt: after.id } }] } : {}],
      },
      orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
      take: Math.min(REPLAY_BATCH, max - queued),
    });
    if (rows.length === 0) break;
    try {
      await enqueueBulk(deps.inboundQueue, 'inbound', rows.map((row) => ({ payload: rawEventToPayload(row), options: { replayAt: now } })));
    } catch (err) {
      return { kind: 'queue_unavailable', count: queued, error: (err as Error).message };
    }
    await deps.db.rawEvent.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { replayCount: { increment: 1 }, lastReplayAt: new Date(now) } });
    queued += rows.length;
    const last = rows[rows.length - 1]!;
    after = { receivedAt: last.receivedAt, id: last.id };
  }
  return { kind: 'queued', count: queued };
}
