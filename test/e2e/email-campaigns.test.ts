import type { Db } from '@switchboard/db';
import { createQueue, createRedis, enqueue } from '@switchboard/queues';
import {
  mailgunEventBody,
  mailgunEventData,
  mailgunWebhookSignature,
  startMailgunFake,
  waitFor,
  type MailgunFake,
  type MailgunFakeAnswer,
  type MailgunFakeMessage,
} from '@switchboard/testing';
import { startStack, type Stack } from './stack.ts';

const API_KEY = 'key-email0campaigns0test0api0key0';
const DOMAIN = 'mg.example.com';
const FROM = 'Acme <news@mg.example.com>';
const SIGNING_KEY = 'email-campaigns-signing-key-0123456789';
const UNSUBSCRIBE_SECRET = 'unsubscribe-secret-for-tests-0123456789abcdef';
const ADMIN_TOKEN = 'email-campaigns-admin-token-0123456789';

let stack: Stack;
let db: Db;
let mailgun: MailgunFake;
/** Per recipient, the fake's answers in order; absent or exhausted: accept. */
const scripted = new Map<string, MailgunFakeAnswer[]>();

beforeAll(async () => {
  mailgun = await startMailgunFake({ apiKey: API_KEY, answer: (request) => scripted.get(request.to[0]!)?.shift() ?? { kind: 'accept' } });
  stack = await startStack({
    MAILGUN_API_KEY: API_KEY, MAILGUN_DOMAIN: DOMAIN, MAILGUN_FROM: FROM, MAILGUN_API_BASE_URL: mailgun.url,
    MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY, UNSUBSCRIBE_SECRET, ADMIN_TOKEN, LISTENER_CONCURRENCY: '32', INTERPRETER_CONCURRENCY: '8', DISPATCHER_CONCURRENCY: '16',
    SEND_RATE_PER_SECOND: '0', RETRY_BASE_MS: '100', CAMPAIGN_MAX_RETRIES: '2',
  });
  db = stack.db;
});

afterAll(async () => {
  await stack?.close();
  await mailgun?.close();
});

const api = (path: string, init?: RequestInit) => stack.api(path, init);

type CampaignJson = { id: string; status: string; total: number; counts: Record<string, number>; deliveryRate: number; failureRate: number };

async function createCampaign(body: Record<string, unknown>): Promise<CampaignJson> {
  const res = await api('/api/campaigns', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as CampaignJson;
}

async function launch(id: string): Promise<void> {
  expect((await api(`/api/campaigns/${id}/send`, { method: 'POST', body: '{}' })).status).toBe(202);
}

const getCampaign = async (id: string) => (await (await api(`/api/campaigns/${id}`)).json()) as CampaignJson;
const requestsTo = (to: string) => mailgun.requests.filter((r) => r.to.includes(to));
const messageTo = (to: string): MailgunFakeMessage => [...mailgun.messages.values()].find((m) => m.request.to.includes(to))!;

let addressSeq = 0;
function addresses(n: number, tag: string): string[] {
  return Array.from({ length: n }, () => `${tag}.${++addressSeq}@example.org`);
}

const postEvent = (body: string) => fetch(`${stack.ingest.url}/webhooks/mailgun/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** Posts bodies 16 at a time; resolves with each answer's status. */
async function postAll(bodies: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < bodies.length; i += 16) out.push(...(await Promise.all(bodies.slice(i, i + 16).map(async (b) => (await postEvent(b)).status))));
  return out;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

async function sentAll(campaignId: string, n: number): Promise<void> {
  await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId, sendState: { in: ['sent', 'skipped', 'refused'] } } })) === n, { what: `${n} sends settled`, timeoutMs: 120_000 });
}

/** The List-Unsubscribe one-click URL of a sent email. */
const oneClickUrl = (message: MailgunFakeMessage) => /<(http[^>]+)>/.exec(message.request.headers['List-Unsubscribe']!)![1]!;

describe('email campaigns through Mailgun', () => {
  const first = addresses(500, 'first');
  let firstId = '';

  test('500 recipients: each request as Mailgun expects; signed events, shuffled and duplicated, make the counts exact', async () => {
    const recipients = first.map((address, i) => ({ address, firstName: i === 0 ? '<b>Zoé & Co</b>' : `Prénom${i}` }));
    const created = await createCampaign({
      name: 'Newsletter', channel: 'email', subject: 'Bonjour {{firstName}}', body: 'Bonjour {{firstName}}, votre offre vous attend.',
      html: '<p>Bonjour {{firstName}}</p>', recipients,
    });
    firstId = created.id;
    expect(created).toMatchObject({ status: 'draft', total: 500, counts: { queued: 500, opened: 0, clicked: 0, complained: 0 } });
    await launch(created.id);
    await sentAll(created.id, 500);

    expect(mailgun.requests).toHaveLength(500);
    const byAddress = new Map(recipients.map((r) => [r.address, r]));
    const rows = new Map((await db.campaignMessage.findMany({ where: { campaignId: created.id } })).map((m) => [m.recipient, m]));
    for (const r of mailgun.requests) {
      const recipient = byAddress.get(r.to[0]!)!;
      const row = rows.get(recipient.address)!;
      expect(r).toMatchObject({ authOk: true, domain: DOMAIN, from: FROM, to: [recipient.address], subject: `Bonjour ${recipient.firstName}`, text: `Bonjour ${recipient.firstName}, votre offre vous attend.` });
      expect(r.variables).toEqual({ campaignId: created.id, campaignMessageId: row.id });
      expect(r.headers['List-Unsubscribe']).toMatch(new RegExp(`^<mailto:news@mg\\.example\\.com\\?subject=unsubscribe[^>]*>, <${stack.ingest.url}/webhooks/unsubscribe/[0-9a-f]{32}\\.[A-Za-z0-9_-]{22}>$`));
      expect(r.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(row.providerMessageId).toBe(`${row.id}.0@${DOMAIN}`);
    }
    // Variables are escaped in the HTML part only.
    expect(requestsTo(first[0]!)[0]!.html).toBe('<p>Bonjour &lt;b&gt;Zoé &amp; Co&lt;/b&gt;</p>');
    expect(requestsTo(first[1]!)[0]!.html).toBe('<p>Bonjour Prénom1</p>');

    // Mailgun's events: accepted then delivered for most; 20 permanent bounces; 30 with a
    // temporary failure first; opens (some twice), clicks, 4 complaints. Shuffled, 30% repeated.
    const bodies: string[] = [];
    first.forEach((address, i) => {
      const m = messageTo(address);
      const event = (name: string, extra: Record<string, unknown> = {}) => bodies.push(mailgunEventBody(SIGNING_KEY, mailgunEventData(m, name, extra)));
      event('accepted');
      if (i % 25 === 0) {
        event('failed', { severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist' } });
        return;
      }
      if (i % 25 === 1 || i % 25 === 2) event('failed', { severity: 'temporary', reason: 'generic', 'delivery-status': { code: 421, message: 'try again later' } });
      event('delivered', { 'delivery-status': { code: 250, message: 'OK' } });
      if (i % 5 === 0) {
        event('opened');
        event('opened');
      } else if (i % 5 === 1) event('opened');
      if (i % 10 === 1) event('clicked', { url: 'https://example.com/offre' });
      if (i % 100 === 3) event('complained');
    });
    const duplicates = bodies.filter(() => Math.random() < 0.3);
    const answers = await postAll(shuffle([...bodies, ...duplicates]));
    expect(answers.every((s) => s === 200)).toBe(true);

    // 20 bounced (i % 25 === 0), 480 delivered; opened: i % 5 in {0, 1} except the bounced (i % 25 === 0 ⊂ i % 5 === 0).
    const expected = { delivered: 480, failed: 20, opened: 200 - 20, clicked: 50, complained: 5 };
    const done = await waitFor(async () => {
      const c = await getCampaign(created.id);
      return c.status === 'completed' && c.counts.opened === expected.opened && c.counts.clicked === expected.clicked && c.counts.complained === expected.complained ? c : undefined;
    }, { what: 'the campaign completed with its engagement counted', timeoutMs: 120_000 });
    expect(done.counts).toMatchObject({ ...expected, queued: 0, sent: 0, skipped: 0 });
    expect(done.deliveryRate).toBeCloseTo(480 / 500, 10);
    expect(done.failureRate).toBeCloseTo(20 / 500, 10);
    // Every event once, however often it came. The campaign completes and its counters settle
    // before the last repeated opens or early `accepted` events have gone through the listener:
    // wait for the acknowledged events to be recorded, then check nothing was recorded twice.
    await waitFor(async () => (await db.emailEvent.count()) >= bodies.length, { what: 'every acknowledged event recorded', timeoutMs: 60_000 });
    // The complaints opted their addresses out; a permanent bounce marked its address undeliverable.
    expect(await db.contact.count({ where: { optedOut: true, address: { in: first } } })).toBe(5);
    expect(await db.contact.count({ where: { undeliverableAt: { not: null }, address: { in: first } } })).toBe(20);
    expect(await db.emailEvent.count()).toBe(bodies.length);
  }, 300_000);

  test('a permanent bounce is never retried, and no later campaign tries the address', async () => {
    const bounced = first.filter((_, i) => i % 25 === 0);
    for (const address of bounced) expect(requestsTo(address)).toHaveLength(1);
    const rows = await db.campaignMessage.findMany({ where: { campaignId: firstId, recipient: { in: bounced } } });
    expect(rows.every((r) => r.status === 'failed' && r.retries === 0 && r.errorCode === 550)).toBe(true);
    expect(rows[0]!.errorMessage).toContain('does not exist');

    const fresh = addresses(3, 'fresh');
    const second = await createCampaign({ name: 'Relance', channel: 'email', subject: 'Relance', body: 'Encore', recipients: [...bounced.slice(0, 3), ...fresh] });
    await launch(second.id);
    await sentAll(second.id, 6);
    for (const address of bounced.slice(0, 3)) expect(requestsTo(address)).toHaveLength(1);
    for (const address of fresh) expect(requestsTo(address)).toHaveLength(1);
    // Sent to Mailgun, not yet `accepted` by an event: still counted `queued`, as an SMS before Twilio's first callback.
    expect((await getCampaign(second.id)).counts).toMatchObject({ skipped: 3, queued: 3 });
  }, 120_000);

  test('an unsubscribed event and a one-click unsubscribe both opt the address out (the phone stays in), and a second campaign skips them', async () => {
    const [viaEvent, viaClick, other] = addresses(3, 'unsub');
    const campaign = await createCampaign({ name: 'Unsub', channel: 'email', subject: 'Hello', body: 'Hi', recipients: [viaEvent, viaClick, other] });
    await launch(campaign.id);
    await sentAll(campaign.id, 3);

    expect((await postEvent(mailgunEventBody(SIGNING_KEY, mailgunEventData(messageTo(viaEvent!), 'unsubscribed')))).status).toBe(200);
    const url = oneClickUrl(messageTo(viaClick!));
    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the URL, nothing else.
    const click = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(click.status).toBe(200);
    // A token cannot be forged or moved to another message.
    const forged = url.replace(/\.[A-Za-z0-9_-]{22}$/, '.' + 'A'.repeat(22));
    expect((await fetch(forged, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(403);

    for (const address of [viaEvent!, viaClick!]) {
      await waitFor(async () => {
        const res = await api(`/api/contacts/${encodeURIComponent(address)}`);
        return res.status === 200 && ((await res.json()) as { optedOut: boolean }).optedOut;
      }, { what: `${address} opted out`, timeoutMs: 30_000 });
    }
    // Each is in the consent ledger as the provider's decision, with the event that said so.
    for (const [address, decidedBy] of [[viaEvent!, 'mailgun:unsubscribed'], [viaClick!, 'mailgun:unsubscribed']] as const) {
      const ledger = (await (await api(`/api/contacts/${encodeURIComponent(address)}/consent`)).json()) as { data: { action: string; cause: string; channel: string; decidedBy: string }[] };
      expect(ledger.data).toEqual([expect.objectContaining({ action: 'opt_out', cause: 'provider', channel: 'email', decidedBy })]);
    }
    // The same person's phone is another contact, with its own consent.
    const phone = '+33612340001';
    await db.contact.create({ data: { id: crypto.randomUUID(), address: phone, kind: 'phone' } });
    expect((await db.contact.findUniqueOrThrow({ where: { address: phone } })).optedOut).toBe(false);

    const again = await createCampaign({ name: 'Unsub 2', channel: 'email', subject: 'Hello again', body: 'Hi again', recipients: [viaEvent, viaClick, other] });
    await launch(again.id);
    await sentAll(again.id, 3);
    expect(requestsTo(viaEvent!)).toHaveLength(1);
    expect(requestsTo(viaClick!)).toHaveLength(1);
    expect(requestsTo(other!)).toHaveLength(2);
    expect((await getCampaign(again.id)).counts).toMatchObject({ skipped: 2, queued: 1 });

    // A reply to the first email (In-Reply-To names its Message-Id) belongs to that campaign, even
    // though a later campaign reached the same address since (the window alone would pick it).
    const firstEmail = requestsTo(other!)[0]!;
    const parent = firstEmail.headers['Message-Id']!;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = 'r'.repeat(50);
    const reply = new URLSearchParams({
      timestamp, token, signature: mailgunWebhookSignature(SIGNING_KEY, timestamp, token), recipient: 'news@mg.example.com', sender: other!, subject: 'Re: Hello',
      'body-plain': 'Je suis intéressé', 'stripped-text': 'Je suis intéressé', 'Message-Id': '<reply-1@example.org>', 'In-Reply-To': parent, References: `<older@example.org> ${parent}`,
    });
    expect((await fetch(`${stack.ingest.url}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: reply })).status).toBe(200);
    const stored = await waitFor(() => db.message.findFirst({ where: { sender: other! } }), { what: 'the reply stored', timeoutMs: 30_000 });
    expect(stored.campaignId).toBe(campaign.id);
  }, 120_000);

  test('an answer lost after Mailgun accepted (as in a crash between send and store) sends nobody twice', async () => {
    const recipients = addresses(30, 'lost');
    for (const address of recipients.slice(0, 15)) scripted.set(address, [{ kind: 'accept-then-500' }]);
    const before = mailgun.eventRequests;
    const campaign = await createCampaign({ name: 'Lost answers', channel: 'email', subject: 'S', body: 'B', recipients });
    await launch(campaign.id);
    await sentAll(campaign.id, 30);
    for (const address of recipients) expect(requestsTo(address)).toHaveLength(1);
    // The 15 ambiguous sends were reconciled against Mailgun's events, and adopted.
    expect(mailgun.eventRequests - before).toBeGreaterThanOrEqual(15);
    const rows = await db.campaignMessage.findMany({ where: { campaignId: campaign.id } });
    expect(rows.every((r) => r.sendState === 'sent' && r.providerMessageId === `${r.id}.0@${DOMAIN}`)).toBe(true);
  }, 120_000);

  test('a claim left by a dispatcher that died before calling Mailgun is sent once', async () => {
    const [address] = addresses(1, 'claimed');
    const campaign = await createCampaign({ name: 'Crash', channel: 'email', subject: 'S', body: 'B', recipients: [address] });
    // As a crash leaves it: claimed, no id stored, nothing at Mailgun; BullMQ's stalled check then
    // hands the job to another dispatcher (added here directly).
    await db.$executeRaw`UPDATE campaigns SET status = 'sending', started_at = now(), send_at = now() WHERE id = ${campaign.id}::uuid`;
    const [row] = await db.$queryRaw<{ id: string }[]>`
      UPDATE campaign_messages SET send_state = 'claimed', claimed_at = now(), next_send_at = now() WHERE campaign_id = ${campaign.id}::uuid RETURNING id`;
    const before = mailgun.eventRequests;
    const redis = createRedis('redis://127.0.0.1:6379', 'producer');
    const sends = createQueue('send', { connection: redis, prefix: stack.prefix });
    await enqueue(sends, 'send', { campaignMessageId: row!.id }, { retries: 0 });
    await sentAll(campaign.id, 1);
    await sends.close();
    redis.disconnect();
    expect(requestsTo(address!)).toHaveLength(1);
    // It looked at Mailgun before sending.
    expect(mailgun.eventRequests).toBeGreaterThan(before);
  }, 60_000);

  test('Mailgun 4xx fails the message with Mailgun\'s message; 429 and 5xx are retried', async () => {
    const [refused, throttled, flaky] = addresses(3, 'answers');
    scripted.set(refused!, [{ kind: 'error', status: 400, message: "'to' parameter is not a valid address. please check documentation" }]);
    scripted.set(throttled!, [{ kind: 'error', status: 429, message: 'Too many requests' }]);
    scripted.set(flaky!, [{ kind: 'error', status: 503, message: 'Service Unavailable' }]);
    const campaign = await createCampaign({ name: 'Answers', channel: 'email', subject: 'S', body: 'B', recipients: [refused, throttled, flaky] });
    await launch(campaign.id);
    await sentAll(campaign.id, 3);
    const rows = new Map((await db.campaignMessage.findMany({ where: { campaignId: campaign.id } })).map((r) => [r.recipient, r]));
    expect(rows.get(refused!)).toMatchObject({ sendState: 'refused', status: 'failed', errorMessage: "'to' parameter is not a valid address. please check documentation" });
    expect(requestsTo(refused!)).toHaveLength(1);
    expect(rows.get(throttled!)!.sendState).toBe('sent');
    expect(rows.get(flaky!)!.sendState).toBe('sent');
    // The 503 may have been accepted-or-not: reconciliation first, then one more send.
    expect(requestsTo(throttled!)).toHaveLength(2);
    expect(requestsTo(flaky!)).toHaveLength(2);
  }, 120_000);
});

describe('creating an email campaign', () => {
  test('a subject is required, recipients must all be addresses, and an SMS campaign refuses addresses: 400 naming the fields, nothing created', async () => {
    const before = await db.campaign.count();
    const refused = async (body: Record<string, unknown>) => {
      const res = await api('/api/campaigns', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      return ((await res.json()) as { fields: string[] }).fields;
    };
    expect(await refused({ name: 'N', channel: 'email', body: 'B', recipients: ['a@example.org'] })).toEqual(['subject']);
    expect(await refused({ name: 'N', channel: 'email', subject: 'S\r\nBcc: x@evil.example', body: 'B', recipients: ['a@example.org'] })).toEqual(['subject']);
    expect(await refused({ recipients: ['a@example.org', '+33612345678'], name: 'N', subject: 'S', body: 'B', channel: 'email' })).toEqual(['recipients']);
    expect(await refused({ name: 'N', channel: 'sms', body: 'B', recipients: ['+33612345678', 'a@example.org'] })).toEqual(['recipients']);
    expect(await db.campaign.count()).toBe(before);
  });
});

describe('the Mailgun event webhook refuses what Mailgun did not sign, with nothing stored', () => {
  const stored = () => db.rawEvent.count({ where: { provider: 'mailgun-events' } });
  const event = (id: string) => ({ id, event: 'delivered', timestamp: Date.now() / 1000, recipient: 'someone@example.org', message: { headers: { 'message-id': 'nobody@mg.example.com' } } });

  test('a bad signature, an old timestamp and a replayed token', async () => {
    await waitFor(async () => (await db.rawEvent.count()) >= 0, { what: 'the database' });
    const before = await stored();
    const good = JSON.parse(mailgunEventBody(SIGNING_KEY, event('sec-ok'))) as { signature: { token: string; timestamp: string; signature: string } };

    const bad = mailgunEventBody('another-key-entirely-0123456789', event('sec-bad'));
    const badAnswer = await postEvent(bad);
    expect(badAnswer.status).toBe(403);
    expect(await badAnswer.json()).toEqual({ error: 'invalid Mailgun signature' });

    const old = mailgunEventBody(SIGNING_KEY, event('sec-old'), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const oldAnswer = await postEvent(old);
    expect(oldAnswer.status).toBe(403);
    expect(((await oldAnswer.json()) as { error: string }).error).toMatch(/more than 5 minutes/);

    const missing = await postEvent(JSON.stringify({ 'event-data': event('sec-missing') }));
    expect(missing.status).toBe(401);

    expect((await postEvent(JSON.stringify({ signature: good.signature, 'event-data': event('sec-ok') }))).status).toBe(200);
    // Mailgun retrying the same event with the same signature: acknowledged again, stored once.
    expect((await postEvent(JSON.stringify({ signature: good.signature, 'event-data': event('sec-ok') }))).status).toBe(200);
    // The same signature carried by another event: a replay.
    const replayed = await postEvent(JSON.stringify({ signature: good.signature, 'event-data': event('sec-replayed') }));
    expect(replayed.status).toBe(403);
    expect(((await replayed.json()) as { error: string }).error).toMatch(/replay/);

    await waitFor(async () => (await stored()) === before + 1, { what: 'the one good event stored', timeoutMs: 30_000 });
    const keys = (await db.rawEvent.findMany({ where: { provider: 'mailgun-events' }, select: { dedupKey: true } })).map((r) => r.dedupKey);
    expect(keys).toContain('event.sec-ok');
    expect(keys).not.toContain('event.sec-bad');
    expect(keys).not.toContain('event.sec-old');
    expect(keys).not.toContain('event.sec-replayed');
  }, 60_000);
});
