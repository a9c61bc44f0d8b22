import type { ChildProcess } from 'node:child_process';
import { addCampaignRecipients, finishCampaign, launchCampaign, openCampaign, type Db } from '@switchboard/db';
import { startMailgunFake, waitFor, type MailgunFake } from '@switchboard/testing';
import { appProcessBed } from './helpers.ts';

const API_KEY = 'key-email0processes0test0api0key0';
const DOMAIN = 'mg.example.com';

let db: Db;
let mailgun: MailgunFake;
const apps = appProcessBed('email');

/** A dispatcher as `npm run start:dispatcher` runs it, in its own process, sending email only. */
function startDispatcherProcess(): ChildProcess {
  return apps.start('dispatcher', {
    MAILGUN_API_KEY: API_KEY,
    MAILGUN_DOMAIN: DOMAIN,
    MAILGUN_FROM: 'Acme <news@mg.example.com>',
    MAILGUN_API_BASE_URL: mailgun.url,
    UNSUBSCRIBE_SECRET: 'unsubscribe-secret-for-tests-0123456789abcdef',
    // Nothing calls back in this file: the unsubscribe links only have to be URLs.
    PUBLIC_URL: 'http://127.0.0.1:9',
    SEND_RATE_PER_SECOND: '0',
    DISPATCHER_CONCURRENCY: '8',
  });
}

const kill = apps.kill;

beforeAll(async () => {
  db = (await apps.open()).db;
  // Mailgun accepts at once and answers 30 ms later: a kill in between leaves accepted emails whose answer never came.
  mailgun = await startMailgunFake({ apiKey: API_KEY, latencyMs: 30 });
});

afterAll(async () => {
  await apps.close();
  await mailgun?.close();
});

test('a dispatcher SIGKILLed mid email campaign: after a restart no recipient got two emails and none was forgotten', async () => {
  const n = 400;
  const recipients = Array.from({ length: n }, (_, i) => `crash.${i}@example.org`);
  const id = await db.$transaction(async (tx) => {
    const campaignId = await openCampaign(tx, { maxRetries: 3, retryBaseMs: 1_000, alertFailureRate: 0.2 });
    await addCampaignRecipients(tx, campaignId, recipients.map((address) => ({ address, variables: {} })));
    await finishCampaign(tx, campaignId, { name: 'crash', channel: 'email', provider: 'mailgun', subject: 'Crash', body: 'Hello {{address}}' });
    return campaignId;
  });
  const first = startDispatcherProcess();
  expect(await launchCampaign(db, id, new Date())).toMatchObject({ outcome: 'launched' });
  await waitFor(() => mailgun.requests.length >= 80, { what: 'the first sends', timeoutMs: 30_000, intervalMs: 5 });
  await kill(first);
  expect(mailgun.requests.length).toBeLessThan(n);

  startDispatcherProcess();
  await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: id, sendState: 'sent' } })) === n, { what: 'every email sent', timeoutMs: 60_000, intervalMs: 100 });

  const perRecipient = new Map<string, number>();
  for (const m of mailgun.messages.values()) perRecipient.set(m.request.to[0]!, (perRecipient.get(m.request.to[0]!) ?? 0) + 1);
  expect(perRecipient.size).toBe(n);
  expect([...perRecipient.values()].every((count) => count === 1)).toBe(true);
  expect(mailgun.requests).toHaveLength(n);
  // The sends in flight at the kill were accepted by Mailgun but never stored: the restarted
  // dispatcher found them in Mailgun's logs rather than sending blind.
  expect(mailgun.eventRequests).toBeGreaterThan(0);
  const rows = await db.campaignMessage.findMany({ where: { campaignId: id }, select: { id: true, providerMessageId: true } });
  expect(rows.every((r) => r.providerMessageId === `${r.id}.0@${DOMAIN}` && mailgun.messages.has(r.providerMessageId))).toBe(true);
}, 120_000);
