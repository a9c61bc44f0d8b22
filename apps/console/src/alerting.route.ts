import express, { Router } from 'express';
import { z } from 'zod';
import { isTimeZone, minutesOf } from '@switchboard/events';
import { getSourceAlerting, putSourceAlerting, sourceExists, type Db } from '@switchboard/db';
import { parseOr400 } from './validation.ts';

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a source id') });

const time = z.string().refine((v) => minutesOf(v) !== undefined, 'must be HH:MM (00:00 to 24:00)');

const alertingBody = z
  .object({
    enabled: z.boolean().default(true),
    silenceMinutes: z.number().int().min(1, 'at least 1').max(7 * 24 * 60, 'at most a week'),
    days: z.array(z.number().int().min(1, '1 (Monday) to 7 (Sunday)').max(7, '1 (Monday) to 7 (Sunday)')).min(1, 'at least one day').max(7),
    startTime: time,
    endTime: time,
    timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
  })
  .strict()
  .refine((b) => !(minutesOf(b.endTime)! <= minutesOf(b.startTime)!), { message: 'must be after startTime', path: ['endTime'] });

/**
 * `GET/PUT /api/sources/:id/alerting`: the activity expected of a source (`twilio`, `mailgun`,
 * `whatsapp-bridge`, or a generic source's id) and whether it is silent now.
 */
export function alertingRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/api/sources/:id/alerting', async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'source id');
    if (!p) return;
    if (!(await sourceExists(deps.db, p.id))) return void res.status(404).json({ error: 'unknown source' });
    const current = await getSourceAlerting(deps.db, p.id);
    res.json(current ?? { sourceId: p.id, enabled: false, state: 'active', configured: false });
  });

  router.put('/api/sources/:id/alerting', express.json({ limit: '4kb' }), async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'source id');
    if (!p) return;
    const body = parseOr400(res, alertingBody, req.body ?? {}, 'body');
    if (!body) return;
    if (!(await sourceExists(deps.db, p.id))) return void res.status(404).json({ error: 'unknown source' });
    res.json(await putSourceAlerting(deps.db, p.id, body));
  });

  return router;
}
