import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { cancelCampaign, launchCampaign, type CampaignSettings, type Db } from '@switchboard/db';
import { CAMPAIGN_MESSAGE_STATUSES } from '@switchboard/domain';
import { CampaignInputError, CampaignJsonError, createCampaignFromStream, getCampaign, listCampaignMessages, listCampaigns } from './campaigns.ts';
import { cursorSchema, limitSchema, timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';

/** 100,000 recipients with a few variables each fit well within this. */
const MAX_CREATE_BYTES = 32 * 1024 * 1024;

const idParams = z.object({ id: z.uuid({ error: 'must be a campaign id' }) });
const listQuery = z.object({ limit: limitSchema, cursor: cursorSchema });
const messagesQuery = z.object({ limit: limitSchema, cursor: cursorSchema, status: z.enum(CAMPAIGN_MESSAGE_STATUSES).optional() });
const sendBody = z.object({ sendAt: timeSchema.optional() }).strict();

export type CampaignsRoutesDeps = { db: Db; settings: CampaignSettings; erasureHashKey?: string | undefined };

/** `/api/campaigns`: create (streamed recipients), send now or later, cancel, read with counts and rates, messages with history. */
export function campaignsRoutes(deps: CampaignsRoutesDeps): Router {
  const router = Router();

  router.post('/api/campaigns', async (req, res) => {
    if (!req.is('application/json')) return void res.status(415).json({ error: 'body must be application/json' });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_CREATE_BYTES) return void res.status(413).json({ error: `body too large (at most ${MAX_CREATE_BYTES} bytes)` });
    try {
      const { campaign, duplicates } = await createCampaignFromStream(deps.db, limited(req, MAX_CREATE_BYTES), deps.settings, deps.erasureHashKey);
      res.status(201).json({ ...campaign, duplicates });
    } catch (err) {
      if (err instanceof BodyTooLarge) return void res.status(413).json({ error: `body too large (at most ${MAX_CREATE_BYTES} bytes)` });
      if (err instanceof CampaignJsonError) return void res.status(400).json({ error: err.message, fields: [] });
      if (err instanceof CampaignInputError) {
        return void res.status(400).json({ error: err.message, fields: err.fields, ...(err.invalidRecipients > 0 ? { invalidRecipients: err.invalidRecipients, recipients: err.recipients } : {}) });
      }
      throw err;
    }
  });

  router.get('/api/campaigns', async (req, res) => {
    const q = parseOr400(res, listQuery, req.query, 'query');
    if (!q) return;
    res.json(await listCampaigns(deps.db, q));
  });

  router.get('/api/campaigns/:id', async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'campaign id');
    if (!p) return;
    const campaign = await getCampaign(deps.db, p.id);
    if (!campaign) return void res.status(404).json({ error: `no campaign ${p.id}` });
    res.json(campaign);
  });

  router.get('/api/campaigns/:id/messages', async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'campaign id');
    const q = p && parseOr400(res, messagesQuery, req.query, 'query');
    if (!p || !q) return;
    if (!(await getCampaign(deps.db, p.id))) return void res.status(404).json({ error: `no campaign ${p.id}` });
    res.json(await listCampaignMessages(deps.db, p.id, q));
  });

  router.post('/api/campaigns/:id/send', express.json({ limit: '4kb' }), async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'campaign id');
    const body = p && parseOr400(res, sendBody, req.body ?? {}, 'body');
    if (!p || !body) return;
    // A time in the past means now: the campaign starts at once.
    const now = new Date();
    const sendAt = body.sendAt && body.sendAt > now ? body.sendAt : now;
    const launched = await launchCampaign(deps.db, p.id, sendAt);
    if (launched.outcome === 'not-found') return void res.status(404).json({ error: `no campaign ${p.id}` });
    if (launched.outcome === 'conflict') return void res.status(409).json({ error: `campaign is ${launched.status}, only a draft can be sent` });
    res.status(202).json(await getCampaign(deps.db, p.id));
  });

  router.post('/api/campaigns/:id/cancel', async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'campaign id');
    if (!p) return;
    const canceled = await cancelCampaign(deps.db, p.id);
    if (canceled.outcome === 'not-found') return void res.status(404).json({ error: `no campaign ${p.id}` });
    if (canceled.outcome === 'conflict') return void res.status(409).json({ error: `campaign is ${canceled.status}, only a draft or a campaign being sent can be canceled` });
    res.json({ ...(await getCampaign(deps.db, p.id)), canceledMessages: canceled.canceledMessages });
  });

  return router;
}

class BodyTooLarge extends Error {}

/** The request body, stopped with {@link BodyTooLarge} past `max` bytes (a chunked body has no Content-Length to refuse up front). */
async function* limited(req: Request, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of req) {
    seen += (chunk as Buffer).length;
    if (seen > max) throw new BodyTooLarge();
    yield chunk as Buffer;
  }
}
