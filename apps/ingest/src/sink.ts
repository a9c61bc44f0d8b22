import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { jobs, jobIdFor, type JobInput } from '@switchboard/queues';
import type { Spool } from './spool.ts';

/** How an accepted event was made durable. `duplicate`: this process already made it durable. */
export type SinkOutcome = 'queued' | 'spooled' | 'duplicate';

/** Where an accepted event goes before its 2xx: it resolves only once the event is durable. */
export type EventSink = {
  /** Resolves when the event is in Redis (or the local spool); rejects when neither could take it. */
  submit(event: RawEventPayload): Promise<SinkOutcome>;
  close(): Promise<void>;
};

/** The deterministic job id of a raw event: a provider's retry finds its first delivery's job. */
export function rawEventJobId(event: Pick<RawEventPayload, 'provider' | 'dedupKey'>): string {
  return jobIdFor(event.provider, event.dedupKey);
}

export type DurableSinkOptions = {
  queue: Queue<JobInput<'inbound'>>;
  /** The queue's connection: its status tells whether to try Redis at all. */
  redis: Redis;
  spool: Spool;
  logger: Logger;
  /** Most events in one addBulk. */
  maxBatch?: number;
  /** Give up on Redis after this long and spool (the connection's own command timeout is 2 s). */
  addTimeoutMs?: number;
  /** How often to look for spooled entries to drain while Redis is up. */
  drainIntervalMs?: number;
  /** How many recently made-durable job ids to remember, to acknowledge retries without a write. */
  recentIds?: number;
};

type Pending = { event: RawEventPayload; jobId: string; resolve(outcome: SinkOutcome): void; reject(err: unknown): void };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The durable hand-off: events submitted in the same tick go to Redis in one `addBulk` (one
 * round trip); when Redis cannot take them (not connected, error, timeout) they are appended to
 * the spool (one fdatasync for the batch). Either way `submit` resolves only once its event is
 * durable, so the 2xx is written after. A drainer moves spooled entries into the queue when
 * Redis is back (and at start, for what a previous process left).
 */
export function durableSink(options: DurableSinkOptions): EventSink & { drainNow(): Promise<number> } {
  const { queue, redis, spool, logger } = options;
  const maxBatch = options.maxBatch ?? 256;
  const addTimeoutMs = options.addTimeoutMs ?? 2_500;
  // Two generations of ids, swapped when the young one is full: O(1) without deleting from a
  // Set one entry at a time (which leaves holes that make taking the oldest entry O(n)).
  const generation = Math.max(1, Math.floor((options.recentIds ?? 50_000) / 2));
  let recent = new Set<string>();
  let older = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let pending: Pending[] = [];
  let scheduled = false;
  let closed = false;

  const remember = (jobId: string) => {
    if (recent.size >= generation) {
      older = recent;
      recent = new Set();
    }
    recent.add(jobId);
  };

  const addBulk = (events: readonly { event: RawEventPayload; jobId: string }[]) =>
    withTimeout(
      queue.addBulk(events.map(({ event, jobId }) => ({ name: jobs.inbound.name, data: event, opts: { jobId } }))),
      addTimeoutMs,
    );

  async function write(batch: Pending[]): Promise<void> {
    let outcome: SinkOutcome = 'queued';
    try {
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      await addBulk(batch);
    } catch (err) {
      logger.debug('redis cannot take events; spooling', { count: batch.length, error: (err as Error).message });
      try {
        await spool.append(batch.map((p) => p.event));
        outcome = 'spooled';
        scheduleDrain();
      } catch (spoolErr) {
        for (const p of batch) p.reject(spoolErr);
        return;
      }
    }
    for (const p of batch) {
      remember(p.jobId);
      p.resolve(outcome);
    }
  }

  function flush(): void {
    scheduled = false;
    while (pending.length > 0) {
      const batch = pending.length <= maxBatch ? pending : pending.slice(0, maxBatch);
      pending = pending.length <= maxBatch ? [] : pending.slice(maxBatch);
      const running = write(batch).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
  }

  // Draining: one at a time, when Redis says ready and on a slow poll while it stays up.
  let draining: Promise<number> | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  function drainNow(): Promise<number> {
    draining ??= (async () => {
      try {
        if (redis.status !== 'ready') return 0;
        const moved = await spool.drain((events) => addBulk(events.map((event) => ({ event, jobId: rawEventJobId(event) }))).then(() => undefined), maxBatch);
        if (moved > 0) logger.info('spooled events moved to the queue', { count: moved });
        return moved;
      } catch (err) {
        logger.warn('spool drain stopped; will retry', { error: (err as Error).message });
        scheduleDrain();
        return 0;
      }
    })().finally(() => {
      draining = undefined;
    });
    return draining;
  }
  function scheduleDrain(): void {
    if (closed || drainTimer) return;
    drainTimer = setTimeout(async () => {
      drainTimer = undefined;
      if (redis.status === 'ready') await drainNow();
      if (!closed && (await spool.hasBacklog().catch(() => false))) scheduleDrain();
    }, options.drainIntervalMs ?? 1_000);
    drainTimer.unref();
  }
  const onReady = () => void drainNow();
  redis.on('ready', onReady);
  // A previous process may have left a spool.
  void spool.hasBacklog().then((backlog) => backlog && (redis.status === 'ready' ? void drainNow() : scheduleDrain())).catch(() => undefined);

  return {
    submit(event) {
      const jobId = rawEventJobId(event);
      if (recent.has(jobId) || older.has(jobId)) return Promise.resolve('duplicate');
      if (closed) return Promise.reject(new Error('ingest is shutting down'));
      return new Promise<SinkOutcome>((resolve, reject) => {
        pending.push({ event, jobId, resolve, reject });
        if (pending.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    drainNow,
    async close() {
      flush();
      closed = true;
      redis.off('ready', onReady);
      if (drainTimer) clearTimeout(drainTimer);
      await Promise.all([...inFlight]);
      await draining;
      await spool.close();
    },
  };
}
