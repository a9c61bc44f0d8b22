import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { INTEGRATIONS } from '@switchboard/logger';
import { tailLines } from './log-tail.ts';
import { parseOr400 } from './validation.ts';

const query = z.object({
  type: z.enum(INTEGRATIONS, { error: `must be one of ${INTEGRATIONS.join(', ')}` }),
  lines: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be from 1 to 1000').max(1000, 'must be from 1 to 1000'))
    .optional()
    .transform((v) => v ?? 100),
});

/**
 * `GET /webhook/logs?type=&lines=`: the last entries of one integration's log file, newest first
 * like every list here. A line that is not a JSON object (one being written) is left out.
 */
export function logsRoutes(deps: { logDir: string }): Router {
  const router = Router();
  router.get('/webhook/logs', async (req, res) => {
    const q = parseOr400(res, query, req.query, 'query');
    if (!q) return;
    const lines = await tailLines(path.join(deps.logDir, `${q.type}.log`), q.lines);
    const data: unknown[] = [];
    for (const line of lines) {
      try {
        const entry: unknown = JSON.parse(line);
        if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) data.push(entry);
      } catch {
        // A partial line at the end of a file being written.
      }
    }
    res.json({ data: data.reverse() });
  });
  return router;
}
