import type { Queue } from 'bullmq';
import type { Db } from '@switchboard/db';

export type DashboardData = {
  since: Date;
  eventsByProvider: { key: string; count: number }[];
  messagesBySource: { key: string; count: number }[];
  messagesByIntent: { key: string; count: number }[];
  queues: { name: string; counts: Record<string, number> }[];
};

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/** Today's figures (since midnight UTC) and the queues' current counts. */
export async function dashboardData(db: Db, queues: Queue[], now = new Date()): Promise<DashboardData> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const [events, messages, intents, queueCounts] = await Promise.all([
    db.rawEvent.groupBy({ by: ['provider'], where: { receivedAt: { gte: since } }, _count: { _all: true } }),
    db.message.groupBy({ by: ['source'], where: { receivedAt: { gte: since } }, _count: { _all: true } }),
    db.$queryRaw<{ label: string; count: number }[]>`
      SELECT i.label, count(*)::int AS count FROM message_intents i JOIN messages m ON m.id = i.message_id
      WHERE m.received_at >= ${since} GROUP BY i.label`,
    Promise.all(queues.map(async (q) => ({ name: q.name, counts: await q.getJobCounts(...QUEUE_STATES) }))),
  ]);
  const sorted = (rows: { key: string; count: number }[]) => rows.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return {
    since,
    eventsByProvider: sorted(events.map((r) => ({ key: r.provider, count: r._count._all }))),
    messagesBySource: sorted(messages.map((r) => ({ key: r.source, count: r._count._all }))),
    messagesByIntent: sorted(intents.map((r) => ({ key: r.label, count: r.count }))),
    queues: queueCounts,
  };
}

export { QUEUE_STATES };
