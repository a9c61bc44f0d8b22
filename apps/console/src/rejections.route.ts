import { Router } from 'express';
import type { RefusedWebhook } from '@switchboard/providers';
import type { RejectionLog } from '@switchboard/queues';
import { aggregateRejections } from './rejections.ts';

/**
 * `GET /api/rejections`: the webhooks ingest refused for their signature (the last
 * REJECTION_LOG_SIZE, kept in Redis), grouped per route and reason with their diagnosis.
 */
export function rejectionsRoutes(deps: { rejections: RejectionLog<RefusedWebhook> }): Router {
  const router = Router();
  router.get('/api/rejections', async (_req, res) => {
    let entries: RefusedWebhook[];
    try {
      entries = await deps.rejections.list();
    } catch {
      res.status(503).setHeader('Retry-After', '5').json({ error: 'redis unavailable: refusals cannot be read' });
      return;
    }
    res.json({ data: aggregateRejections(entries), nextCursor: null });
  });
  return router;
}
