import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import { OUTBOUND_EVENT_TYPES } from '@switchboard/domain';
import { cursorSchema, limitSchema, timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';
import {
  createEndpoint,
  DEFAULT_ENDPOINT_ID,
  deleteEndpoint,
  endpointView,
  getConfig,
  getDelivery,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  recoverEndpoint,
  retryDelivery,
  rotateSecret,
  sendTest,
  setConfig,
  updateEndpoint,
  type DeliveryQueue,
} from './webhooks.ts';

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048, 'at most 2048 characters');
// A secret of the caller's (a legacy shared secret, or a whsec_ one made elsewhere): long enough not to be guessed.
const secret = z.string().min(16, 'at least 16 characters').max(1024, 'at most 1024 characters').regex(/^\S+$/, 'no spaces');
const environment = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a lower-case name such as development or production');
const eventTypes = z.array(z.enum(OUTBOUND_EVENT_TYPES, { error: `each one of ${OUTBOUND_EVENT_TYPES.join(', ')}` })).max(OUTBOUND_EVENT_TYPES.length);
const description = z.string().max(500, 'at most 500 characters');

const configBody = z.object({ enabled: z.boolean().optional(), url: url.optional(), secret: secret.optional(), environment: environment.optional() }).strict();
const createBody = z.object({ url, description: description.optional(), eventTypes: eventTypes.optional(), enabled: z.boolean().optional(), environment: environment.optional(), secret: secret.optional() }).strict();
const patchBody = z
  .object({ url: url.optional(), description: description.optional(), eventTypes: eventTypes.optional(), enabled: z.boolean().optional(), environment: environment.optional() })
  .strict();
const rotateBody = z.object({ secret: secret.optional() }).strict();
const recoverBody = z.object({ since: z.string({ error: 'required: an ISO 8601 date or time' }).pipe(timeSchema) }).strict();
const testBody = z.object({ endpointId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an endpoint id').optional() }).strict();
const endpointParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an endpoint id') });
const deliveryParams = z.object({ id: z.uuid({ error: 'must be a delivery id' }) });
const listQuery = z.object({ limit: limitSchema, cursor: cursorSchema }).strict();
const deliveriesQuery = z
  .object({
    endpoint: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an endpoint id').optional(),
    status: z.enum(['pending', 'delivered', 'failed'], { error: 'one of pending, delivered, failed' }).optional(),
    type: z.string().regex(/^[a-z]+\.[a-z_.]+$/, 'an event type such as message.received').optional(),
    since: timeSchema.optional(),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .strict();

const json = express.json({ limit: '16kb' });

/**
 * `/api/webhook/*`: the outbound endpoints (the seed's single-subscriber config maps onto the
 * endpoint `default`), test sends, and every delivery with its attempts.
 */
export function webhooksRoutes(deps: { db: Db; deliveryQueue: DeliveryQueue }): Router {
  const router = Router();
  const { db, deliveryQueue } = deps;

  router.get('/api/webhook/config', async (_req, res) => {
    res.json(await getConfig(db));
  });

  router.post('/api/webhook/config', json, async (req, res) => {
    const body = parseOr400(res, configBody, req.body ?? {}, 'body');
    if (!body) return;
    const config = await setConfig(db, body);
    if (!config) return void res.status(400).json({ error: 'invalid body: url: required to create the webhook subscriber', fields: ['url'] });
    res.json(config);
  });

  router.post('/api/webhook/test', json, async (req, res) => {
    const body = parseOr400(res, testBody, req.body ?? {}, 'body');
    if (!body) return;
    const id = body.endpointId ?? DEFAULT_ENDPOINT_ID;
    const outcome = await sendTest(db, deliveryQueue, id);
    if (outcome === 'unknown') return void res.status(404).json({ error: `no webhook endpoint ${id}` });
    if (outcome === 'disabled') return void res.status(409).json({ error: `webhook endpoint ${id} is disabled` });
    res.status(202).json({ deliveryId: outcome.deliveryId, status: 'pending' });
  });

  router.get('/api/webhook/endpoints', async (req, res) => {
    const q = parseOr400(res, listQuery, req.query, 'query');
    if (!q) return;
    res.json(await listEndpoints(db, q));
  });

  router.post('/api/webhook/endpoints', json, async (req, res) => {
    const body = parseOr400(res, createBody, req.body ?? {}, 'body');
    if (!body) return;
    res.status(201).json(await createEndpoint(db, body));
  });

  router.get('/api/webhook/endpoints/:id', async (req, res) => {
    const p = parseOr400(res, endpointParams, req.params, 'endpoint id');
    if (!p) return;
    const endpoint = await getEndpoint(db, p.id);
    if (!endpoint) return void res.status(404).json({ error: `no webhook endpoint ${p.id}` });
    res.json(endpointView(endpoint));
  });

  router.patch('/api/webhook/endpoints/:id', json, async (req, res) => {
    const p = parseOr400(res, endpointParams, req.params, 'endpoint id');
    if (!p) return;
    const body = parseOr400(res, patchBody, req.body ?? {}, 'body');
    if (!body) return;
    const view = await updateEndpoint(db, p.id, body);
    if (!view) return void res.status(404).json({ error: `no webhook endpoint ${p.id}` });
    res.json(view);
  });

  router.delete('/api/webhook/endpoints/:id', async (req, res) => {
    const p = parseOr400(res, endpointParams, req.params, 'endpoint id');
    if (!p) return;
    if (!(await deleteEndpoint(db, p.id))) return void res.status(404).json({ error: `no webhook endpoint ${p.id}` });
    res.status(204).end();
  });

  router.post('/api/webhook/endpoints/:id/rotate-secret', json, async (req, res) => {
    const p = parseOr400(res, endpointParams, req.params, 'endpoint id');
    if (!p) return;
    const body = parseOr400(res, rotateBody, req.body ?? {}, 'body');
    if (!body) return;
    const rotated = await rotateSecret(db, p.id, body.secret);
    if (!rotated) return void res.status(404).json({ error: `no webhook endpoint ${p.id}` });
    res.json(rotated);
  });

  router.post('/api/webhook/endpoints/:id/recover', json, async (req, res) => {
    const p = parseOr400(res, endpointParams, req.params, 'endpoint id');
    if (!p) return;
    const body = parseOr400(res, recoverBody, req.body ?? {}, 'body');
    if (!body) return;
    const recovered = await recoverEndpoint(db, deliveryQueue, p.id, body.since);
    if (recovered === undefined) return void res.status(404).json({ error: `no webhook endpoint ${p.id}` });
    res.status(202).json({ recovered });
  });

  router.get('/api/webhook/deliveries', async (req, res) => {
    const q = parseOr400(res, deliveriesQuery, req.query, 'query');
    if (!q) return;
    res.json(await listDeliveries(db, q));
  });

  router.get('/api/webhook/deliveries/:id', async (req, res) => {
    const p = parseOr400(res, deliveryParams, req.params, 'delivery id');
    if (!p) return;
    const delivery = await getDelivery(db, p.id);
    if (!delivery) return void res.status(404).json({ error: `no delivery ${p.id}` });
    res.json(delivery);
  });

  router.post('/api/webhook/deliveries/:id/retry', async (req, res) => {
    const p = parseOr400(res, deliveryParams, req.params, 'delivery id');
    if (!p) return;
    if (!(await retryDelivery(db, deliveryQueue, p.id))) return void res.status(404).json({ error: `no delivery ${p.id}` });
    res.status(202).json({ id: p.id, status: 'pending' });
  });

  return router;
}
