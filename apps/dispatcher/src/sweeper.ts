import { dueDeliveries, type Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { enqueueBulk, jobIdOf, type JobInput } from '@switchboard/queues';
import type { Queue } from 'bullmq';

export type SweeperOptions = {
  db: Db;
  queue: Queue<JobInput<'delivery'>>;
  logger: Logger;
  intervalMs: number;
  /** A delivery due for less than this is left alone: its writer or its worker is about to add the job. */
  graceMs?: number;
  pageSize?: number;
  /** Pages per sweep: a larger backlog is walked over several sweeps, resuming where the last stopped. */
  pagesPerSweep?: number;
  /** Where a failed sweep goes (the process's outage monitor: an outage is reported once, not per sweep); default: a warning. */
  onError?: (err: Error) => void;
};

export type Sweeper = { sweep(): Promise<number>; close(): Promise<void> };

/**
 * The outbox sweeper: finds pending deliveries whose attempt is overdue (a process died between a
 * commit and its enqueue, or mid-request so its claim lapsed) and makes sure the job of their next
 * attempt exists. It walks the backlog by keyset (next_attempt_at, id), resuming where it stopped,
 * so a backlog of any size is covered. A job that is waiting, active or delayed is left alone; one
 * BullMQ still keeps as completed or failed is removed and added again (an add under a known id
 * would be a silent no-op). A repeated sweep is harmless: an attempt is claimed in Postgres.
 */
export function startSweeper(options: SweeperOptions): Sweeper {
  const graceMs = options.graceMs ?? 30_000;
  const pageSize = options.pageSize ?? 500;
  const pagesPerSweep = options.pagesPerSweep ?? 20;
  let cursor: { at: Date; id: string } | undefined;
  let running: Promise<number> | undefined;

  async function sweepOnce(): Promise<number> {
    let added = 0;
    for (let page = 0; page < pagesPerSweep; page++) {
      const rows = await dueDeliveries(options.db, { dueBefore: new Date(Date.now() - graceMs), ...(cursor ? { after: cursor } : {}), limit: pageSize });
      const last = rows[rows.length - 1];
      cursor = rows.length < pageSize || !last ? undefined : { at: last.nextAttemptAt, id: last.id };
      const next = (r: (typeof rows)[number]) => ({ deliveryId: r.id, attempt: r.attempts + 1 });
      const states = await Promise.all(rows.map((r) => options.queue.getJobState(jobIdOf('delivery', next(r)))));
      const live = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
      const missing = rows.filter((_, i) => !live.has(states[i]!));
      const settled = rows.filter((_, i) => states[i] === 'completed' || states[i] === 'failed');
      await Promise.all(settled.map((r) => options.queue.remove(jobIdOf('delivery', next(r)))));
      await enqueueBulk(options.queue, 'delivery', missing.map((r) => ({ payload: next(r) })));
      added += missing.length;
      if (!cursor) break;
    }
    return added;
  }

  const sweep = () => {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    sweep()
      .then((added) => {
        if (added > 0) options.logger.info('outbox sweep', { added });
      })
      .catch(options.onError ?? ((err: Error) => options.logger.warn('outbox sweep failed', { error: err.message })));
  }, options.intervalMs);
  timer.unref();

  return {
    sweep,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
