import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import { listCalls } from './calls.ts';
import { cursorSchema, limitSchema, timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';

const query = z.object({ from: z.string().trim().min(1).max(64).optional(), since: timeSchema.optional(), limit: limitSchema, cursor: cursorSchema });

/** `GET /api/calls`: calls through the IVR. */
export function callsRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/api/calls', async (req, res) => {
    const q = parseOr400(res, query, req.query, 'query');
    if (!q) return;
    res.json(await listCalls(deps.db, q));
  });
  return router;
}
