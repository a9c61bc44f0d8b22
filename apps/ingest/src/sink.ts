import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { batchJobId, jobIdOf, jobs, type JobInput } from '@switchboard/queues';
import type { Spool, SpoolEntry } from './spool.ts';

/** How an accepted event was made durable. `duplicate`: this process already made it durable. */
export type SinkOutcome = 'queued' | 'spooled' | 'duplicate';

/** Where an accepted event goes before its 2xx: it resolves only once the event is durable. */
export type EventSink = {
  /** Resolves when the event is in Redis (or the local spool); rejects when neither could take it. */
  submit(event: RawEventPayload): Promise<SinkOutcome>;
  close(): Promise<void>;
};

/** The deterministic job id of a raw event (the catalog's): a provider's retry finds its first delivery's job. */
export function rawEventJobId(event: Pick<RawEventPayload, 'provider' | 'dedupKey'>): string {
  return jobIdOf('inbound', event);
}

/** The data of an inbound job as ingest adds it: one raw event, or a batch of them. */
export type InboundJobData = JobInput<'inbound'> | JobInput<'inboundBatch'>;

/** An inbound job ready for `add`: its catalog name, its data and its deterministic id. */
export type InboundJob = { name: string; data: InboundJobData; opts: { jobId: string } };

/**
 * The job of a group of events made durable together: a group of one is a `raw-event` job (so
 * Bull Board shows single events in normal traffic), a larger one a `raw-events` job whose id is
 * derived from its events' ids, so adding the same group again (a spool drain after an add that
 * timed out but landed) is a no-op. `ids` are the events' own job ids, when already computed.
 */
export function inboundJob(events: readonly RawEventPayload[], ids: readonly string[] = events.map(rawEventJobId)): InboundJob {
  if (events.length === 1) return { name: jobs.inbound.name, data: events[0]!, opts: { jobId: ids[0]! } };
  // The catalog's batch id (`jobs.inboundBatch.jobId`) from the ids already computed.
  return { name: jobs.inboundBatch.name, data: { events: events as RawEventPayload[] }, opts: { jobId: batchJobId(ids) } };
}

/** The job of a spooled entry: the same name, data and id as when the sink first tried to add it. */
function spooledJob(entry: SpoolEntry): InboundJob {
  return 'events' in entry ? inboundJob(entry.events) : inboundJob([entry]);
}

export type DurableSinkOptions = {
  queue: Queue<InboundJobData>;
  /** The queue's connection: its status tells whether to try Redis at all. */
  redis: Redis;
  spool: Spool;
  logger: Logger;
  /** Most events in one batch job. */
  maxBatch?: number;
  /** Give up on Redis after this long and spool (the connection's own command timeout is 2 s). */
  addTimeoutMs?: number;
  /** How often to look for spooled entries to drain while Redis is up. */
  drainIntervalMs?: number;
  /** How many recently made-durable job ids to remember, to acknowledge retries without a write. */
  recentIds?: number;
};

type Pending = { event: RawEventPayload; jobId: string; resolve(outcome: SinkOutcome): void; reject(err: unknown): void };

const ADD_TIMED_OUT = 'redis did not answer within';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${ADD_TIMED_OUT} ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A write that got no answer in time: ingest's own limit, or the connection's command timeout (ioredis's message). */
const timedOut = (err: Error) => err.message.startsWith(ADD_TIMED_OUT) || err.message === 'Command timed out';

/**
 * The durable hand-off, as a group commit: one write at a time, and the events submitted while it
 * runs (or in the same tick) become the next write's ONE job: one Lua script and one round trip
 * for the lot. Idle, an event is written at once, alone; under load the groups grow by themselves
 * to what arrives during a round trip (a full group of `maxBatch` is written at once). A BullMQ
 * add costs about the same CPU whatever its size, so this, not the tick, is what makes it cheap.
 * When Redis cannot take a group (not connected, error, timeout) it is appended to the spool as
 * one entry (one fdatasync for everything waiting). Either way `submit` resolves only once its
 * event is durable, so the 2xx is written after. A drainer moves spooled entries into the queue,
 * each as the job it would have been, when Redis is back (and at start, for what a previous
 * process left).
 *
 * Per-event dedup: a batch job's id is its group's, so BullMQ no longer stops a provider's retry
 * of one of its events; the ids this process made durable (the last ~50,000) answer retries here
 * without a write, and the listener's unique (provider, dedup key) keeps effects exactly-once.
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
  /** Events submitted and not yet durable, by job id: a retry arriving meanwhile waits for its first delivery. */
  const unsettled = new Map<string, Promise<SinkOutcome>>();
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

  const add = (job: InboundJob) => withTimeout(queue.add(job.name, job.data, job.opts), addTimeoutMs);
  const addBulk = (list: InboundJob[]) => withTimeout(queue.addBulk(list), addTimeoutMs);

  /**
   * Set when a write to Redis timed out, until Redis answers a PING or the connection is replaced
   * (its 'ready'). The connection may have gone silent (its host gone, a partition: the liveness
   * check replaces it after REDIS_SILENCE_LIMIT_MS, `watchRedis`); meanwhile every group is spooled
   * at once instead of waiting out a timeout of its own, so ingest answers at the spool's pace.
   */
  let suspect = false;
  const trust = () => {
    if (!suspect) return;
    suspect = false;
    scheduleDrain();
  };
  const distrust = () => {
    if (suspect) return;
    suspect = true;
    const probe = () => {
      if (suspect && !closed) redis.ping().then(trust, () => setTimeout(probe, 200).unref());
    };
    probe();
  };

  async function write(group: Pending[]): Promise<void> {
    const job = inboundJob(
      group.map((p) => p.event),
      group.map((p) => p.jobId),
    );
    let outcome: SinkOutcome = 'queued';
    try {
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      if (suspect) throw new Error('redis has not answered an earlier write');
      await add(job);
    } catch (err) {
      if (timedOut(err as Error)) distrust();
      logger.debug('redis cannot take events; spooling', { count: group.length, error: (err as Error).message });
      try {
        await spool.append([job.data]);
        outcome = 'spooled';
        scheduleDrain();
      } catch (spoolErr) {
        for (const p of group) {
          unsettled.delete(p.jobId);
          p.reject(spoolErr);
        }
        return;
      }
    }
    for (const p of group) {
      unsettled.delete(p.jobId);
      remember(p.jobId);
      p.resolve(outcome);
    }
  }

  /** Writes what waits: one group while no write runs, every full group at once, everything when `all`. */
  function flush(all = false): void {
    scheduled = false;
    while (pending.length > 0 && (all || inFlight.size === 0 || pending.length >= maxBatch)) {
      const group = pending.length <= maxBatch ? pending : pending.slice(0, maxBatch);
      pending = pending.length <= maxBatch ? [] : pending.slice(maxBatch);
      const running = write(group).finally(() => {
        inFlight.delete(running);
        // The next group: what came meanwhile, and what comes in this tick.
        if (pending.length > 0) schedule();
      });
      inFlight.add(running);
    }
  }
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  // Draining: one at a time, when Redis says ready and on a slow poll while it stays up.
  let draining: Promise<number> | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  function drainNow(): Promise<number> {
    draining ??= (async () => {
      try {
        if (redis.status !== 'ready' || suspect) return 0;
        const moved = await spool.drain((entries) => addBulk(entries.map(spooledJob)).then(() => undefined), maxBatch);
        if (moved > 0) logger.info('spooled events moved to the queue', { count: moved });
        return moved;
      } catch (err) {
        if (timedOut(err as Error)) distrust();
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
  const onReady = () => {
    suspect = false;
    void drainNow();
  };
  redis.on('ready', onReady);
  // A previous process may have left a spool.
  void spool.hasBacklog().then((backlog) => backlog && (redis.status === 'ready' ? void drainNow() : scheduleDrain())).catch(() => undefined);

  return {
    submit(event) {
      const jobId = rawEventJobId(event);
      if (recent.has(jobId) || older.has(jobId)) return Promise.resolve('duplicate');
      // The same event twice before its first delivery is durable (a provider retrying fast): the
      // second is acknowledged when the first is, and never written.
      const first = unsettled.get(jobId);
      if (first) return first.then(() => 'duplicate');
      if (closed) return Promise.reject(new Error('ingest is shutting down'));
      const durable = new Promise<SinkOutcome>((resolve, reject) => {
        pending.push({ event, jobId, resolve, reject });
        if (pending.length >= maxBatch) flush();
        else schedule();
      });
      unsettled.set(jobId, durable);
      return durable;
    },
    drainNow,
    async close() {
      flush(true);
      closed = true;
      redis.off('ready', onReady);
      if (drainTimer) clearTimeout(drainTimer);
      await Promise.all([...inFlight]);
      await draining;
      await spool.close();
    },
  };
}
