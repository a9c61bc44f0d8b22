import type { ChildProcess } from 'node:child_process';
import { addCampaignRecipients, finishCampaign, launchCampaign, openCampaign, type Db } from '@switchboard/db';
import { startTwilioFake, waitFor, type TwilioFake } from '@switchboard/testing';
import { appProcessBed } from './helpers.ts';

const ACCOUNT_SID = 'AC' + 'd'.repeat(32);
const AUTH_TOKEN = 'processes0processes0processes012';

let db: Db;
let twilio: TwilioFake;
const apps = appProcessBed('campaigns');

/** A dispatcher as `npm run start:dispatcher` runs it, in its own process. */
function startDispatcherProcess(env: Record<string, string>): ChildProcess {
  return apps.start('dispatcher', {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.url,
    // Nothing calls back in this file: the status route only has to be a URL.
    PUBLIC_URL: 'http://127.0.0.1:9',
    ...env,
  });
}

const kill = apps.kill;

beforeAll(async () => {
  db = (await apps.open()).db;
  twilio = await startTwilioFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, latencyMs: 30 });
});

afterAll(async () => {
  await apps.close();
  await twilio?.close();
});

/** A campaign to `n` fresh numbers, sent now. */
async function launch(tag: string, n: number, base: number): Promise<{ id: string; recipients: string[] }> {
  const recipients = Array.from({ length: n }, (_, i) => `+3362${String(base + i).padStart(7, '0')}`);
  const id = await db.$transaction(async (tx) => {
    const campaignId = await openCampaign(tx, { maxRetries: 3, retryBaseMs: 1_000, alertFailureRate: 0.2 });
    await addCampaignRecipients(tx, campaignId, recipients.map((address) => ({ address, variables: {} })));
    await finishCampaign(tx, campaignId, { name: tag, channel: 'sms', provider: 'twilio', body: `${tag} {{address}}` });
    return campaignId;
  });
  expect(await launchCampaign(db, id, new Date())).toMatchObject({ outcome: 'launched' });
  return { id, recipients };
}

const sendsOf = (tag: string) => twilio.requests.filter((r) => r.body.startsWith(`${tag} `));

test('two dispatcher processes together hold SEND_RATE_PER_SECOND (± 10%)', async () => {
  const rate = 20;
  startDispatcherProcess({ SEND_RATE_PER_SECOND: String(rate), DISPATCHER_CONCURRENCY: '8' });
  startDispatcherProcess({ SEND_RATE_PER_SECOND: String(rate), DISPATCHER_CONCURRENCY: '8' });
  const { recipients } = await launch('rate', 300, 0);
  await waitFor(() => sendsOf('rate').length === 300, { what: 'every send', timeoutMs: 40_000, intervalMs: 100 });
  const times = sendsOf('rate').map((r) => r.at).sort((a, b) => a - b);
  // BullMQ's limiter lets a window's sends through at its start; counting from mid-window over ten
  // whole windows measures the rate without the edge effects of the first and last.
  const from = times[0]! + 500;
  const inTenSeconds = times.filter((t) => t >= from && t < from + 10_000).length;
  expect(inTenSeconds / 10).toBeGreaterThanOrEqual(rate * 0.9);
  expect(inTenSeconds / 10).toBeLessThanOrEqual(rate * 1.1);
  expect(new Set(sendsOf('rate').map((r) => r.to)).size).toBe(recipients.length);
  await apps.killAll('SIGTERM');
}, 60_000);

test('a dispatcher SIGKILLed mid-campaign: after a restart no recipient got two messages and none was forgotten', async () => {
  const n = 600;
  const first = startDispatcherProcess({ SEND_RATE_PER_SECOND: '0', DISPATCHER_CONCURRENCY: '8' });
  const { id, recipients } = await launch('crash', n, 10_000);
  await waitFor(() => sendsOf('crash').length >= 100, { what: 'the first sends', timeoutMs: 20_000, intervalMs: 5 });
  await kill(first);
  const atKill = sendsOf('crash').length;
  expect(atKill).toBeLessThan(n);

  startDispatcherProcess({ SEND_RATE_PER_SECOND: '0', DISPATCHER_CONCURRENCY: '8' });
  await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: id, sendState: 'sent' } })) === n, { what: 'every message sent', timeoutMs: 40_000, intervalMs: 100 });

  const created = [...twilio.messages.values()].filter((m) => m.request.body.startsWith('crash '));
  const perRecipient = new Map<string, number>();
  for (const m of created) perRecipient.set(m.request.to, (perRecipient.get(m.request.to) ?? 0) + 1);
  expect(perRecipient.size).toBe(n);
  expect([...perRecipient.values()].every((count) => count === 1)).toBe(true);
  expect([...perRecipient.keys()].sort()).toEqual([...recipients].sort());
  // Sends in flight at the kill were claimed but unsettled: the restarted dispatcher asked Twilio
  // about them (list by To/From since the claim) rather than sending blind.
  expect(twilio.listRequests).toBeGreaterThan(0);
  // Each row carries the SID of the one message Twilio made for it.
  const rows = await db.campaignMessage.findMany({ where: { campaignId: id }, select: { recipient: true, providerMessageId: true } });
  const sidOf = new Map(created.map((m) => [m.request.to, m.sid]));
  expect(rows.every((r) => r.providerMessageId === sidOf.get(r.recipient))).toBe(true);
}, 90_000);
