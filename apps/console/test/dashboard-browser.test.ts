import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'bullmq';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newId, recordConsentChanges } from '@switchboard/db';
import { jobs, recordRejection, UnrecoverableError } from '@switchboard/queues';
import { waitFor } from '@switchboard/testing';
import { ADMIN_TOKEN, seedEvent, seedMessage, startTestConsole, type TestConsole } from './helpers.ts';

/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core): sign in, see
 * the data seeded here on every panel, search a contact, replay an event, sign out. Screenshots
 * of every panel go to var/screenshots/ (git-ignored) for a person to look at.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('var/screenshots');

let t: TestConsole;
let browser: Browser;
let page: Page;
const now = Date.now();
const ago = (minutes: number) => new Date(now - minutes * 60_000);
const campaignId = newId();
let eventId: string;

async function seed(db: TestConsole['db']): Promise<void> {
  // Traffic over the day from several providers.
  for (let i = 0; i < 40; i++) await seedEvent(db, { provider: 'twilio-messaging', receivedAt: ago(5 + i * 30) });
  for (let i = 0; i < 15; i++) await seedEvent(db, { provider: 'mailgun', receivedAt: ago(12 + i * 70) });
  for (let i = 0; i < 8; i++) await seedEvent(db, { provider: 'whatsapp-bridge', receivedAt: ago(20 + i * 150) });
  // Messages with intents, from a known contact and others.
  await db.contact.create({ data: { id: newId(), address: '+33612345678', kind: 'phone', lastMessageAt: ago(2), leadStatus: 'interested' } });
  await db.contact.create({ data: { id: newId(), address: '+33698765432', kind: 'phone', optedOut: true, optedOutAt: ago(30), leadStatus: 'opted_out' } });
  const first = await seedMessage(db, { sender: '+33612345678', content: 'Oui, je suis intéressé par l’offre', receivedAt: ago(2), campaignId: undefined, intent: { label: 'interested', confidence: 0.93 } });
  eventId = first.eventId;
  await seedMessage(db, { sender: '+33698765432', content: 'STOP', receivedAt: ago(30), intent: { label: 'opt_out', confidence: 1 } });
  await seedMessage(db, { source: 'whatsapp', sender: '+33612345678', content: 'Pouvez-vous me rappeler demain ?', receivedAt: ago(3), intent: { label: 'callback_request', confidence: 0.71 } });
  // A consent change of the known contact, from the ledger (an operator recorded it).
  await db.$transaction((tx) =>
    recordConsentChanges(tx, [{ address: '+33612345678', channel: 'sms', action: 'opt_in', at: ago(60), cause: 'operator', actor: 'ops@example.com', wording: 'consent form signed at the agency', decidedBy: 'operator', sourceKey: `operator:${newId()}` }]),
  );
  await seedMessage(db, { source: 'email', sender: 'jeanne@example.fr', content: 'Quel est le prix ?', receivedAt: ago(4), intent: { label: 'question', confidence: 0.42 } });
  // A campaign with a funnel and statuses over time.
  await db.campaign.create({
    data: { id: campaignId, name: 'Spring sale', channel: 'sms', body: 'Hello {{name}}', status: 'sending', total: 10, sent: 2, delivered: 4, read: 1, failed: 2, undelivered: 1, startedAt: ago(180) },
  });
  const statuses = ['delivered', 'delivered', 'delivered', 'delivered', 'read', 'sent', 'sent', 'failed', 'failed', 'undelivered'];
  for (const [i, status] of statuses.entries()) {
    await db.campaignMessage.create({
      data: { id: newId(), campaignId, recipient: i === 0 ? '+33612345678' : `+3361000000${i}`, channel: 'sms', status, sendState: 'sent', providerMessageId: `SM${campaignId.slice(0, 8)}${i}`, sentAt: ago(170 - i * 10), statusAt: ago(160 - i * 15) },
    });
  }
  // Outbound endpoints: one healthy, one disabled after failures.
  await db.webhookEndpoint.create({ data: { id: 'ep_healthy000000000', url: 'https://crm.example.test/hooks', description: 'CRM', secret: 'whsec_x', eventTypes: [] } });
  await db.webhookEndpoint.create({ data: { id: 'ep_broken0000000000', url: 'https://old.example.test/gone', secret: 'whsec_y', eventTypes: [], enabled: false, disabledAt: ago(10), disabledReason: 'gone' } });
  for (let i = 0; i < 9; i++) {
    await db.webhookDelivery.create({ data: { id: newId(), endpointId: 'ep_healthy000000000', eventKey: `k${i}`, type: 'message.received', payload: {}, status: i < 8 ? 'delivered' : 'failed', attempts: 1 } });
  }
  const failed = newId();
  await db.webhookDelivery.create({ data: { id: failed, endpointId: 'ep_broken0000000000', eventKey: 'kx', type: 'message.received', payload: {}, status: 'failed', attempts: 1 } });
  await db.webhookAttempt.create({ data: { id: newId(), deliveryId: failed, attempt: 1, url: 'https://old.example.test/gone', responseStatus: 410, responseBody: 'endpoint removed', durationMs: 35, at: ago(10) } });
}

beforeAll(async () => {
  t = await startTestConsole();
  await seed(t.db);
  // Rejections as ingest counts them, and one failed job for the pipeline panel.
  const { createRedis } = await import('@switchboard/queues');
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  for (let i = 0; i < 3; i++) await recordRejection(redis, t.prefix, 'mailgun', 401);
  await recordRejection(redis, t.prefix, 'twilio-messaging', 400);
  await recordRejection(redis, t.prefix, 'twilio-messaging', 429);
  redis.disconnect();
  const worker = new Worker('interpret', async () => { throw new UnrecoverableError('classifier answered garbage'); }, { connection: { host: '127.0.0.1', port: 6379 }, prefix: t.prefix });
  const { createQueue } = await import('@switchboard/queues');
  const queue = createQueue('interpret', { connection: { host: '127.0.0.1', port: 6379 }, prefix: t.prefix });
  // A payload its processor refuses, under an id of its own: added by hand on purpose.
  await queue.add(jobs.interpret.name, { messageId: newId() } as never, { jobId: 'interpret.broken' });
  await waitFor(async () => (await queue.getFailedCount()) === 1, { what: 'a failed job' });
  await worker.close();
  await queue.close();

  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  // A step that cannot happen fails within seconds, naming itself, rather than at the test's timeout.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => { throw err; });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const panel = (id: string) => page.locator(`section#${id}`);

test('an operator signs in, reads every panel, finds a contact, replays an event and signs out', async () => {
  const url = t.console.url;
  const cspViolations: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') cspViolations.push(m.text()); });

  await page.goto(`${url}/admin`);
  await page.waitForURL(/\/admin\/login/);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/admin`);

  // Traffic: the chart is drawn (uPlot loaded from the console itself) and the table has the figures.
  await page.locator('#traffic-chart canvas').waitFor();
  const traffic = panel('traffic');
  await expectText(traffic.locator('table.figures tr', { hasText: 'mailgun' }), /mailgun\s*15\s*3\s*0\s*0\s*0/);
  await expectText(traffic.locator('table.figures tr', { hasText: 'twilio-messaging' }), /twilio-messaging\s*44\s*0\s*1\s*1\s*0/);
  await expectText(traffic.locator('table.figures tr', { hasText: 'whatsapp-bridge' }), /whatsapp-bridge\s*8/);
  await traffic.screenshot({ path: path.join(SHOTS, 'panel-traffic.png') });

  // Pipeline: the failed job, linked into Bull Board.
  const pipeline = panel('pipeline');
  await expectText(pipeline, /classifier answered garbage/);
  expect(await pipeline.locator('a[href="/admin/queues/queue/interpret/interpret.broken"]').count()).toBe(1);
  await pipeline.screenshot({ path: path.join(SHOTS, 'panel-pipeline.png') });

  // Messages with intents and confidence; the filter narrows the live list.
  const messages = panel('messages');
  await expectText(messages, /interested\s*93 %/);
  await expectText(messages, /callback_request\s*71 %/);
  await messages.screenshot({ path: path.join(SHOTS, 'panel-messages.png') });
  await page.getByLabel('Intent').selectOption('opt_out');
  await waitFor(async () => (await page.locator('#message-rows tr').count()) === 1 && (await page.locator('#message-rows').innerText()).includes('STOP'), { what: 'the filtered list' });
  // Live: a new opt-out appears without a reload.
  await seedMessage(t.db, { sender: '+33677777777', content: 'Arrêtez les SMS', receivedAt: new Date(), intent: { label: 'opt_out', confidence: 0.99 } });
  await waitFor(async () => (await page.locator('#message-rows').innerText()).includes('Arrêtez les SMS'), { what: 'the new message to show up', timeoutMs: 15_000 });

  // Campaigns and endpoints.
  const campaigns = panel('campaigns');
  await expectText(campaigns, /Spring sale\s*sending\s*10\s*5\s*50 %\s*30 %/);
  await campaigns.screenshot({ path: path.join(SHOTS, 'panel-campaigns.png') });
  const endpoints = panel('endpoints');
  await expectText(endpoints.locator('tr', { hasText: 'crm.example.test' }), /89 %/);
  await expectText(endpoints.locator('tr', { hasText: 'old.example.test' }), /disabled \(gone\)[\s\S]*HTTP 410[\s\S]*endpoint removed/);
  await endpoints.screenshot({ path: path.join(SHOTS, 'panel-endpoints.png') });
  await shot('dashboard');

  // Retry on the disabled endpoint: enabled again, its failed delivery pending.
  await endpoints.locator('tr', { hasText: 'old.example.test' }).getByRole('button', { name: /Retry/ }).click();
  await expectText(page.locator('.notice'), /1 failed deliveries are pending again/);
  expect(await t.db.webhookEndpoint.findUnique({ where: { id: 'ep_broken0000000000' } })).toMatchObject({ enabled: true });

  // A campaign's page: the funnel and the failure rate over time.
  await page.getByRole('link', { name: 'Spring sale' }).click();
  await page.locator('#campaign-failures-chart canvas').waitFor();
  await expectText(page.locator('.bars'), /delivered\s*5/);
  await shot('campaign');

  // Contact search by a part of the number: one match goes straight to its timeline.
  await page.getByLabel('Find a contact (phone or email)').fill('612345');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/admin\/contacts\/%2B33612345678$/);
  const timeline = page.locator('main');
  await expectText(timeline, /Oui, je suis intéressé/);
  await expectText(timeline, /Pouvez-vous me rappeler/);
  await expectText(timeline, /campaign “Spring sale” \(sms\)/);
  await expectText(timeline, /opted in on sms by an operator \(ops@example\.com\): “consent form signed at the agency”/);
  await shot('contact');

  // The event behind a message, replayed: counted on its page, and queued.
  await page.getByRole('link', { name: /Oui, je suis intéressé/ }).click();
  await page.waitForURL(`${url}/admin/events/${eventId}`);
  await expectText(page.locator('#replay-count'), /^0$/);
  await page.getByRole('button', { name: 'Replay this event' }).click();
  await page.waitForURL(/replayed=1/);
  await expectText(page.locator('#replay-count'), /^1$/);
  expect(await t.db.rawEvent.findUnique({ where: { id: eventId } })).toMatchObject({ replayCount: 1 });
  await shot('event');

  // On a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${url}/admin`);
  await page.locator('#traffic-chart canvas').waitFor();
  await shot('dashboard-phone');
  // Nothing wider than the phone's screen but the tables, which scroll inside their panel.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/admin\/login/);
  await page.goto(`${url}/admin`);
  await page.waitForURL(/\/admin\/login/);
  // No script or style was refused by the CSP along the way.
  expect(cspViolations.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
}, 120_000);

async function expectText(locator: ReturnType<Page['locator']>, pattern: RegExp): Promise<void> {
  await waitFor(async () => pattern.test((await locator.first().innerText()).replace(/\s+/g, ' ')), { what: `${pattern}` }).catch(async (err: Error) => {
    throw new Error(`${err.message}; text was: ${(await locator.first().innerText().catch(() => '(none)')).slice(0, 500)}`);
  });
}
