import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Db } from '@switchboard/db';
import { readRejections, type RejectionReason } from '@switchboard/queues';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

const DAY_MS = 24 * 3_600_000;

export type Traffic = {
  /** Minute starts (unix seconds) of the last 24 h, oldest first: the chart's x axis. */
  minutes: number[];
  /** Events per minute, per provider, aligned with `minutes`. */
  series: { provider: string; total: number; perMinute: number[] }[];
  rejections: { provider: string; reason: RejectionReason; count: number }[];
};

/** Events per minute per provider over the last 24 h, and ingest's rejections over the same day. */
export async function trafficData(db: Db, redis: Redis, prefix: string, now = Date.now()): Promise<Traffic> {
  const first = Math.floor((now - DAY_MS) / 60_000) + 1;
  const last = Math.floor(now / 60_000);
  const [rows, rejections] = await Promise.all([
    db.$queryRaw<{ provider: string; minute: bigint; count: number }[]>`
      SELECT provider, floor(extract(epoch FROM received_at) / 60)::bigint AS minute, count(*)::int AS count
      FROM raw_events WHERE received_at >= ${new Date(first * 60_000)} GROUP BY 1, 2`,
    readRejections(redis, prefix, now),
  ]);
  const minutes = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * 60);
  const byProvider = new Map<string, number[]>();
  for (const row of rows) {
    const index = Number(row.minute) - first;
    if (index < 0 || index >= minutes.length) continue;
    let counts = byProvider.get(row.provider);
    if (!counts) byProvider.set(row.provider, (counts = new Array<number>(minutes.length).fill(0)));
    counts[index]! += row.count;
  }
  const series = [...byProvider]
    .map(([provider, perMinute]) => ({ provider, perMinute, total: perMinute.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.provider.localeCompare(b.provider));
  return { minutes, series, rejections };
}

export type QueueHealth = {
  name: string;
  counts: Record<string, number>;
  /** Age in ms of the job that has waited longest (waiting or prioritized), null when none waits. */
  oldestWaitingMs: number | null;
  failed: { id: string; name: string; reason: string; at: string | null }[];
};

/** Per queue: depths, the oldest waiting job's age, and the latest failed jobs (for Bull Board links). */
export async function pipelineData(queues: Queue[], now = Date.now()): Promise<QueueHealth[]> {
  return Promise.all(
    queues.map(async (q) => {
      const [counts, oldest, failed] = await Promise.all([
        q.getJobCounts(...QUEUE_STATES),
        // asc = true: the list's far end, the next job a worker takes, is the one queued first.
        q.getJobs(['wait', 'prioritized'], 0, 0, true),
        q.getFailed(0, 4),
      ]);
      const head = oldest[0];
      return {
        name: q.name,
        counts,
        oldestWaitingMs: head ? Math.max(0, now - head.timestamp) : null,
        failed: failed.filter((j) => j).map((j) => ({
          id: String(j.id),
          name: j.name,
          reason: j.failedReason ?? '',
          at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        })),
      };
    }),
  );
}

export type EndpointHealth = {
  id: string;
  url: string;
  description: string;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  /** Deliveries created in the last 24 h, by status. */
  delivered: number;
  failed: number;
  pending: number;
  /** delivered / (delivered + failed) over the last 24 h; null before any settled. */
  successRate: number | null;
  lastFailure: { at: string; responseStatus: number | null; error: string | null; responseBody: string | null } | null;
};

/** Every outbound endpoint (deleted ones left out) with its last day's deliveries and last failed attempt. */
export async function endpointsHealth(db: Db, now = Date.now()): Promise<EndpointHealth[]> {
  const since = new Date(now - DAY_MS);
  const [endpoints, counts, failures] = await Promise.all([
    db.webhookEndpoint.findMany({ where: { deletedAt: null }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 200 }),
    db.webhookDelivery.groupBy({ by: ['endpointId', 'status'], where: { createdAt: { gte: since } }, _count: { _all: true } }),
    // Per endpoint, through its (endpoint_id, created_at) index: only the last week's deliveries
    // are searched, so the page costs the same however long the history.
    db.$queryRaw<{ endpoint_id: string; at: Date; response_status: number | null; error: string | null; response_body: string | null }[]>`
      SELECT e.id AS endpoint_id, f.at, f.response_status, f.error, f.response_body
      FROM webhook_endpoints e CROSS JOIN LATERAL (
        SELECT a.at, a.response_status, a.error, a.response_body
        FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id
        WHERE d.endpoint_id = e.id AND d.created_at >= ${new Date(now - 7 * DAY_MS)}
          AND (a.error IS NOT NULL OR a.response_status IS NULL OR a.response_status >= 300)
        ORDER BY a.at DESC LIMIT 1) f
      WHERE e.deleted_at IS NULL`,
  ]);
  return endpoints.map((e) => {
    const count = (status: string) => counts.find((c) => c.endpointId === e.id && c.status === status)?._count._all ?? 0;
    const delivered = count('delivered');
    const failed = count('failed');
    const f = failures.find((r) => r.endpoint_id === e.id);
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      enabled: e.enabled,
      disabledAt: e.disabledAt?.toISOString() ?? null,
      disabledReason: e.disabledReason,
      failingSince: e.failingSince?.toISOString() ?? null,
      delivered,
      failed,
      pending: count('pending'),
      successRate: delivered + failed > 0 ? delivered / (delivered + failed) : null,
      lastFailure: f ? { at: f.at.toISOString(), responseStatus: f.response_status, error: f.error, responseBody: f.response_body } : null,
    };
  });
}

/** A campaign's failure rate per hour: failed or undelivered among the messages that reached a final status that hour. */
export async function campaignFailureSeries(db: Db, campaignId: string): Promise<{ hours: number[]; failureRate: number[]; settled: number[] }> {
  const rows = await db.$queryRaw<{ hour: bigint; settled: number; failed: number }[]>`
    SELECT floor(extract(epoch FROM status_at) / 3600)::bigint AS hour, count(*)::int AS settled,
           count(*) FILTER (WHERE status IN ('failed', 'undelivered'))::int AS failed
    FROM campaign_messages
    WHERE campaign_id = ${campaignId}::uuid AND status_at IS NOT NULL AND status IN ('delivered', 'read', 'failed', 'undelivered', 'sent')
    GROUP BY 1 ORDER BY 1`;
  return {
    hours: rows.map((r) => Number(r.hour) * 3_600),
    settled: rows.map((r) => r.settled),
    failureRate: rows.map((r) => (r.settled > 0 ? r.failed / r.settled : 0)),
  };
}
