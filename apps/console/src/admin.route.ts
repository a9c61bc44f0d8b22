import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { MESSAGE_SOURCES } from '@switchboard/events';
import { INTENT_LABELS } from '@switchboard/intent';
import { listSourceAlerting } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import type { RefusedWebhook } from '@switchboard/providers';
import type { RejectionLog } from '@switchboard/queues';
import {
  adminPage, campaignPage, campaignsPanel, contactPage, endpointsPanel, eventPage, messageRows, messagesPanel, notice, pipelinePanel,
  refusalsPanel, searchResults, sourcesPanel, trafficPanel, type MessageFilters,
} from './admin-views.ts';
import { getCampaign, listCampaigns } from './campaigns.ts';
import { contactAddress } from './contacts.ts';
import { campaignFailureSeries, endpointsHealth, pipelineData, trafficData, type Traffic } from './dashboard.ts';
import { getEvent, replayEvent, type EventsDeps } from './events.ts';
import { aggregateRejections } from './rejections.ts';
import { ADMIN_PAGE_HEADERS } from './html.ts';
import { listMessages } from './messages.ts';
import { contactTimeline, eventOutcome, searchContacts } from './timeline.ts';
import { recoverEndpoint, updateEndpoint, type DeliveryQueue } from './webhooks.ts';

export type AdminDeps = EventsDeps & {
  queues: Queue[];
  deliveryQueue: DeliveryQueue;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Refused signatures with their diagnosis (issue 13), for the refusals panel. */
  rejections?: RejectionLog<RefusedWebhook>;
};

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
/** The only files under /admin/assets: the front end comes from node_modules, never a CDN. */
const ASSETS: Record<string, string> = {
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
  'admin.js': path.join(here, '../assets/admin.js'),
  'admin.css': path.join(here, '../assets/admin.css'),
};

const DAY_MS = 24 * 3_600_000;
/**
 * The traffic panel aggregates a day of raw events (millions of rows on a busy system): its result
 * is kept this long, so open dashboards and reloads cost one query per interval, not one each.
 */
const TRAFFIC_CACHE_MS = 30_000;
const LIVE_MESSAGES = 25;

// Filters as the form sends them: an empty select means "any". Unknown values are a 400, as in the API.
const blank = (v: unknown) => (v === '' ? undefined : v);
const filtersSchema = z.object({
  intent: z.preprocess(blank, z.enum(INTENT_LABELS as [string, ...string[]]).optional()),
  source: z.preprocess(blank, z.enum(MESSAGE_SOURCES).optional()),
  sender: z.preprocess(blank, z.string().trim().min(1).max(320).optional()),
});
const uuid = z.uuid();

function send(res: Response, status: number, html: string): void {
  res.status(status).set(ADMIN_PAGE_HEADERS).type('html').send(html);
}

function notFound(res: Response, what: string): void {
  send(res, 404, adminPage('Not found', `<section class="card"><h2>Not found</h2><p>${what}</p><p><a href="/admin">Back to the dashboard</a></p></section>`));
}

/** The operators' dashboard: server-rendered pages over the same domain functions as the JSON API. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();

  router.get('/admin/assets/:file', (req, res) => {
    const file = ASSETS[req.params.file];
    if (!file) return void res.status(404).json({ error: 'no such asset' });
    res.set({ 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' }).sendFile(file);
  });

  let traffic: { at: number; data: Promise<Traffic> } | undefined;
  const cachedTraffic = () => {
    const now = Date.now();
    if (!traffic || now - traffic.at > TRAFFIC_CACHE_MS) {
      const data = trafficData(deps.db, deps.redis, deps.prefix, now);
      traffic = { at: now, data };
      // A failed read is not kept: the next page load tries again.
      data.catch(() => {
        if (traffic?.data === data) traffic = undefined;
      });
    }
    return traffic.data;
  };

  const messagesFor = async (f: MessageFilters) =>
    (await listMessages(deps.db, { intent: f.intent, source: f.source, sender: f.sender ? contactAddress(f.sender) : undefined, limit: LIVE_MESSAGES })).data;

  router.get('/admin', async (req, res) => {
    const parsed = filtersSchema.safeParse(req.query);
    const filters: MessageFilters = parsed.success ? parsed.data : {};
    const [traffic, pipeline, messages, campaigns, endpoints, sources, refusals] = await Promise.all([
      cachedTraffic(),
      pipelineData(deps.queues),
      messagesFor(filters),
      listCampaigns(deps.db, { limit: 20 }),
      endpointsHealth(deps.db),
      listSourceAlerting(deps.db),
      // The refusals live in Redis: a Redis outage leaves that panel saying so, not the page failing.
      deps.rejections ? deps.rejections.list().then(aggregateRejections, () => undefined) : Promise.resolve([]),
    ]);
    const done = typeof req.query.retried === 'string' ? `Retry queued: ${Number(req.query.retried) || 0} failed deliveries are pending again.` : undefined;
    send(
      res,
      200,
      adminPage(
        'Dashboard',
        `${notice(done)}<div class="grid">${trafficPanel(traffic)}${pipelinePanel(pipeline)}${campaignsPanel(campaigns.data)}${messagesPanel(messages, filters)}${endpointsPanel(endpoints)}${sourcesPanel(sources)}${refusalsPanel(refusals)}</div>`,
        { charts: true },
      ),
    );
  });

  // The live part of the messages panel, polled by htmx with the filter form's values.
  router.get('/admin/fragments/messages', async (req, res) => {
    const parsed = filtersSchema.safeParse(req.query);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid filters', fields: [...new Set(parsed.error.issues.map((i) => String(i.path[0])))] });
    send(res, 200, messageRows(await messagesFor(parsed.data)));
  });

  router.get('/admin/contacts', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 320) : '';
    if (!q) return void send(res, 200, adminPage('Contacts', '<section class="card"><h2>Contacts</h2><p>Type a phone number or an email address in the search box above.</p></section>'));
    const results = await searchContacts(deps.db, q);
    // One match, or the exact address: straight to its page.
    const exact = results.find((r) => r.address.toLowerCase() === contactAddress(q).toLowerCase());
    if (exact || results.length === 1) return void res.redirect(303, `/admin/contacts/${encodeURIComponent((exact ?? results[0]!).address)}`);
    send(res, 200, adminPage('Contacts', searchResults(q, results), { search: q }));
  });

  router.get('/admin/contacts/:address', async (req, res) => {
    const timeline = await contactTimeline(deps.db, req.params.address);
    if (!timeline) return notFound(res, 'No contact with this address.');
    send(res, 200, adminPage(`Contact ${timeline.contact.address}`, contactPage(timeline), { search: timeline.contact.address }));
  });

  router.get('/admin/events/:id', async (req, res) => {
    if (!uuid.safeParse(req.params.id).success) return notFound(res, 'An event id is a UUID.');
    const [event, outcome] = await Promise.all([getEvent(deps.db, req.params.id), eventOutcome(deps.db, req.params.id)]);
    if (!event) return notFound(res, 'No event with this id.');
    send(res, 200, adminPage(`Event ${event.id}`, eventPage(event, outcome, req.query.replayed === '1')));
  });

  router.post('/admin/events/:id/replay', async (req, res) => {
    if (!uuid.safeParse(req.params.id).success) return void res.status(400).json({ error: 'must be an event id (a UUID)', fields: ['id'] });
    const outcome = await replayEvent(deps, req.params.id);
    switch (outcome.kind) {
      case 'not_found':
        return notFound(res, 'No event with this id.');
      case 'queue_unavailable':
        deps.logger.warn('replay refused: queue unavailable', { eventId: req.params.id, error: outcome.error });
        return void res.status(503).json({ error: 'queue unavailable (Redis): nothing was replayed' });
      case 'queued':
        return void res.redirect(303, `/admin/events/${outcome.eventId}?replayed=1`);
    }
  });

  router.get('/admin/campaigns/:id', async (req, res) => {
    if (!uuid.safeParse(req.params.id).success) return notFound(res, 'A campaign id is a UUID.');
    const campaign = await getCampaign(deps.db, req.params.id);
    if (!campaign) return notFound(res, 'No campaign with this id.');
    send(res, 200, adminPage(`Campaign ${campaign.name}`, campaignPage(campaign, await campaignFailureSeries(deps.db, campaign.id)), { charts: true }));
  });

  // Retry: the operator wants this endpoint's recent failures delivered, so a disabled endpoint is
  // enabled again first (the dispatcher does not send to a disabled one).
  router.post('/admin/endpoints/:id/retry', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const endpoint = await updateEndpoint(deps.db, req.params.id, { enabled: true });
    if (!endpoint) return notFound(res, 'No endpoint with this id.');
    const recovered = await recoverEndpoint(deps.db, deps.deliveryQueue, req.params.id, new Date(Date.now() - DAY_MS));
    res.redirect(303, `/admin?retried=${recovered ?? 0}#endpoints`);
  });

  return router;
}
