import express, { Router } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { Logger } from '@switchboard/logger';
import { classifyFailure, redriveFailed } from '@switchboard/queues';
import { timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';

const retryBody = z
  .object({
    /** Text the failed reason must contain (case-insensitive); without it, transient failures only. */
    reason: z.string().trim().min(1, 'must not be empty').max(500, 'at most 500 characters').optional(),
    since: timeSchema.optional(),
  })
  .strict();

/**
 * `POST /api/queues/:name/retry-failed {reason?, since?}`: moves failed jobs back to `wait`, each
 * at most once however many operators or processes do it at the same time (see `redriveFailed`).
 * The queues must sit on a fail-fast connection: with Redis down the answer is a quick 503.
 */
export function queuesRoutes(deps: { queues: Queue[]; logger: Logger }): Router {
  const router = Router();
  const byName = new Map(deps.queues.map((q) => [q.name, q]));

  router.post('/api/queues/:name/retry-failed', express.json({ limit: '4kb' }), async (req, res) => {
    const queue = byName.get(req.params.name);
    if (!queue) {
      res.status(404).json({ error: `no queue ${req.params.name}`, queues: [...byName.keys()] });
      return;
    }
    const body = parseOr400(res, retryBody, req.body ?? {}, 'body');
    if (!body) return;
    try {
      const result = await redriveFailed(queue, { reason: body.reason, since: body.since });
      deps.logger.info('failed jobs retried from the console', { queue: queue.name, reason: body.reason, since: body.since, ...result });
      res.json({ queue: queue.name, ...result });
    } catch (err) {
      if (classifyFailure(err).kind !== 'transient') throw err;
      res.status(503).json({ error: 'queue unavailable (Redis); retry when it is back' });
    }
  });

  return router;
}
