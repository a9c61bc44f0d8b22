import express, { type Express } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { requireAdmin } from './auth.ts';

export type ConsoleAppDeps = { adminToken: string; queues: Queue[] };

/** The operators' app: admin API, Bull Board, dashboard. Never mounted on the ingest port. */
export function createConsoleApp(deps: ConsoleAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const auth = requireAdmin(deps.adminToken);
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  app.use('/admin/queues', auth, board.getRouter());

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  return app;
}
