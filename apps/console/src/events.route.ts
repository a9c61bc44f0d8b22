import express, { Router } from 'express';
import { z } from 'zod';
import { providerIdSchema } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { getEvent, listEvents, MAX_REPLAY_RANGE, replayEvent, replayRange, type EventsDeps } from './events.ts';
import { cursorSchema, limitSchema, timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';

const providerSchema = z.enum(providerIdSchema.options, { error: `must be one of ${providerIdSchema.options.join(', ')}` });

const listQuery = z
  .object({ source: providerSchema.optional(), provider: providerSchema.optional(), since: timeSchema.optional(), limit: limitSchema, cursor: cursorSchema })
  .refine((q) => !(q.source && q.provider && q.source !== q.provider), { message: 'source and provider (its alias) disagree', path: ['provider'] });

export const eventIdSchema = z.object({ id: z.uuid({ error: 'must be an event id (a UUID)' }) });

const replayBody = z
  .object({
    source: providerSchema.optional(),
    provider: providerSchema.optional(),
    since: timeSchema,
    until: timeSchema,
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .refine((b) => b.since < b.until, { message: 'must be after since', path: ['until'] });

/** `/api/events`: the raw event store, one event, and replays. */
export function eventsRoutes(deps: EventsDeps & { logger: Logger }): Router {
  const router = Router();

  router.get('/api/events', async (req, res) => {
    const q = parseOr400(res, listQuery, req.query, 'query');
    if (!q) return;
    res.json(await listEvents(deps.db, { provider: q.source ?? q.provider, since: q.since, limit: q.limit, cursor: q.cursor }));
  });

  router.post('/api/events/replay', express.json({ limit: '16kb' }), async (req, res) => {
    const body = parseOr400(res, replayBody, req.body ?? {}, 'body');
    if (!body) return;
    const outcome = await replayRange(deps, { provider: body.source ?? body.provider, since: body.since, until: body.until, limit: body.limit });
    switch (outcome.kind) {
      case 'too_many':
        res.status(400).json({
          error: `the range holds ${outcome.count} events, more than ${MAX_REPLAY_RANGE}: narrow it or pass a limit`,
          fields: ['since', 'until', 'limit'],
          count: outcome.count,
        });
        return;
      case 'queue_unavailable':
        deps.logger.warn('range replay stopped: queue unavailable', { error: outcome.error, queued: outcome.count });
        res.status(503).json({ error: `queue unavailable (Redis) after ${outcome.count} events were replayed`, count: outcome.count });
        return;
      case 'queued':
        res.status(202).json({ count: outcome.count });
        return;
    }
  });

  router.get('/api/events/:id', async (req, res) => {
    const params = parseOr400(res, eventIdSchema, req.params, 'event id');
    if (!params) return;
    const event = await getEvent(deps.db, params.id);
    if (!event) {
      res.status(404).json({ error: `no event ${params.id}` });
      return;
    }
    res.json(event);
  });

  router.post('/api/events/:id/replay', async (req, res) => {
    const params = parseOr400(res, eventIdSchema, req.params, 'event id');
    if (!params) return;
    const outcome = await replayEvent(deps, params.id);
    switch (outcome.kind) {
      case 'not_found':
        res.status(404).json({ error: `no event ${params.id}` });
        return;
      case 'queue_unavailable':
        deps.logger.warn('replay failed: queue unavailable', { eventId: params.id, error: outcome.error });
        res.status(503).json({ error: 'queue unavailable (Redis); nothing was replayed' });
        return;
      case 'queued':
        res.status(202).json({ eventId: outcome.eventId, jobId: outcome.jobId });
        return;
    }
  });

  return router;
}
