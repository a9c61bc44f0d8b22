import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId, type Db } from '@switchboard/db';
import { startConsole } from '@switchboard/console';
import winston from 'winston';
import { createLogger } from '@switchboard/logger';
import { createQueue, createRedis, jobs } from '@switchboard/queues';
import { startTwilioFake, testConfig, uniquePrefix, waitFor, type TwilioFake } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';
import { startStack, type Stack } from './stack.ts';
import { enableSubscriber } from './workers-fixtures.ts';

const ACCOUNT_SID = 'AC' + 'e'.repeat(32);
const AUTH_TOKEN = 'consent0consent0consent0consent0';
const ADMIN_TOKEN = 'consent-test-admin-token-0123456789';
const ERASURE_HASH_KEY = 'erasure-hash-key-erasure-hash-key-0123';
/** The person erased, and two others who must be left alone. */
const ALICE = '+33612340001';
const BOB = '+33612340002';
const CAROL = '+33612340003';
const ALICE_DIGITS = ALICE.slice(1);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-consent-'));
const logDir = path.join(tmp, 'log');
const attachmentsDir = path.join(tmp, 'attachments');
const prefix = uniquePrefix();
let stack: Stack;
let db: Db;
let twilio: TwilioFake;

fs.mkdirSync(logDir, { recursive: true });
/** What the processes write to stdout, as a file too: every line of every level, JSON. */
const allLines = fs.createWriteStream(path.join(logDir, 'stdout.log'), { flags: 'a' });
/** Real loggers writing the per-integration files, as in production, and every line to stdout.log. */
function fileLogger(service: string) {
  const logger = createLogger({ service, level: 'debug', format: 'json', dir: logDir, console: Boolean(process.env.TEST_LOGS) });
  logger.add(new winston.transports.Stream({ stream: allLines, format: winston.format.json() }));
  return logger;
}

beforeAll(async () => {
  twilio = await startTwilioFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, answer: () => ({ kind: 'create' }) });
  stack = await startStack({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.url, ADMIN_TOKEN, ERASURE_HASH_KEY, ATTACHMENTS_DIR: attachmentsDir, SEND_RATE_PER_SECOND: '0', RETRY_BASE_MS: '100',
  }, { prefix, beforeStart: enableSubscriber, logger: fileLogger });
  db = stack.db;
});

afterAll(async () => {
  await stack?.close();
  await twilio?.close();
  allLines.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const api = (p: string, init?: RequestInit) => stack.api(p, init);

async function sms(from: string, body: string): Promise<void> {
  const params = inboundSms({ From: from, Body: body });
  expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, params, { authToken: AUTH_TOKEN })).status).toBe(200);
  await waitFor(async () => (await db.message.count({ where: { externalId: params.MessageSid!, intent: { isNot: null } } })) === 1, { what: 'the message interpreted', timeoutMs: 30_000 });
}

type Entry = { action: string; cause: string; decidedBy: string; wording: string | null; messageId: string | null; actor: string | null; channel: string; address: string };
const ledger = async (address: string) => ((await (await api(`/api/contacts/${encodeURIComponent(address)}/consent`)).json()) as { data: Entry[] }).data;

async function campaign(recipients: unknown[]): Promise<string> {
  const created = await api('/api/campaigns', { method: 'POST', body: JSON.stringify({ name: 'Relance', channel: 'sms', body: 'Bonjour {{firstName}}', recipients }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await api(`/api/campaigns/${id}/send`, { method: 'POST', body: '{}' })).status).toBe(202);
  // Each recipient sent (its SID stored) or skipped: Twilio's callbacks are not needed here.
  await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: id, sendState: { in: ['pending', 'enqueued', 'claimed'] } } })) === 0, { timeoutMs: 20_000 });
  return id;
}

/** Every row of every table of the schema that mentions the digits of the number, per table. */
async function tablesHolding(digits: string): Promise<Record<string, number>> {
  const tables = await db.$queryRaw<{ table_name: string }[]>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE t::text LIKE '%' || $1 || '%'`, digits);
    if (row!.n > 0n) out[table_name] = Number(row!.n);
  }
  return out;
}

async function logSizes(): Promise<Map<string, number>> {
  // What was logged so far reaches the files first.
  await new Promise<void>((resolve) => allLines.write('', () => resolve()));
  const sizes = new Map<string, number>();
  for (const name of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) sizes.set(name, fs.statSync(path.join(logDir, name)).size);
  return sizes;
}

async function logWrittenSince(sizes: Map<string, number>): Promise<string> {
  await new Promise<void>((resolve) => allLines.write('', () => resolve()));
  let text = '';
  for (const name of fs.readdirSync(logDir)) {
    const content = fs.readFileSync(path.join(logDir, name));
    text += content.subarray(sizes.get(name) ?? 0).toString('utf8');
  }
  return text;
}

describe('the consent ledger', () => {
  test('STOP and START by SMS and an operator’s record are ledger entries with their cause, wording and decider; the contact follows the newest', async () => {
    await sms(ALICE, 'Bonjour');
    await sms(ALICE, 'STOP');
    await sms(ALICE, 'Start!');
    const before = await ledger(ALICE);
    expect(before).toEqual([
      expect.objectContaining({ action: 'opt_in', cause: 'message', decidedBy: 'keyword:START', wording: 'Start!', channel: 'sms', address: ALICE, messageId: expect.any(String) }),
      expect.objectContaining({ action: 'opt_out', cause: 'message', decidedBy: 'keyword:STOP', wording: 'STOP', channel: 'sms', address: ALICE }),
    ]);
    expect(((await (await api(`/api/contacts/${encodeURIComponent(ALICE)}`)).json()) as { optedOut: boolean }).optedOut).toBe(false);

    const recorded = await api(`/api/contacts/${encodeURIComponent(`whatsapp:${BOB}`)}/consent`, { method: 'POST', body: JSON.stringify({ action: 'opt_out', channel: 'whatsapp', wording: 'asked by phone, call of 2026-11-28' }) });
    expect(recorded.status).toBe(201);
    expect(await recorded.json()).toMatchObject({ action: 'opt_out', cause: 'operator', decidedBy: 'operator', address: BOB, actor: expect.stringContaining('POST /api/contacts/:address/consent') });
    expect(((await (await api(`/api/contacts/${encodeURIComponent(BOB)}`)).json()) as { optedOut: boolean }).optedOut).toBe(true);
    const bad = await api(`/api/contacts/${encodeURIComponent(BOB)}/consent`, { method: 'POST', body: JSON.stringify({ action: 'maybe', extra: 1 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: string[] }).fields.sort()).toEqual(['action', 'extra']);
  });

  test('the ledger is append-only in the database itself', async () => {
    const before = await db.consentEvent.findMany({ orderBy: { id: 'asc' } });
    expect(before.length).toBeGreaterThan(0);
    expect(await db.$executeRaw`UPDATE consent_events SET action = 'opt_in', wording = NULL`).toBe(0);
    expect(await db.$executeRaw`DELETE FROM consent_events`).toBe(0);
    expect(await db.consentEvent.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  test('the export streams every entry since a time as CSV, with a header, quoting and formula guards', async () => {
    await api(`/api/contacts/${encodeURIComponent(CAROL)}/consent`, { method: 'POST', body: JSON.stringify({ action: 'opt_in', wording: '=HYPERLINK("x"), "quoted"' }) });
    const response = await api('/api/consent/export?since=2000-01-01T00:00:00Z');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,recordedAt,occurredAt,address,channel,action,cause,decidedBy,messageId,actor,wording');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain(`,${CAROL},any,opt_in,operator,operator,,`);
    expect(lines[4]!.endsWith(`,"'=HYPERLINK(""x""), ""quoted"""`)).toBe(true);
    const later = await api(`/api/consent/export?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect((await later.text()).trimEnd().split('\r\n')).toHaveLength(1);
    expect((await api('/api/consent/export?since=yesterday')).status).toBe(400);
  });
});

describe('erasure', () => {
  test('DELETE /api/contacts/:address leaves no table, file or later log line holding the address, keeps a keyed hash, and a later campaign skips the person', async () => {
    // Alice everywhere: a campaign sent to her (delivery bodies, recipients), a call with a
    // voicemail, an email event with an attachment on disk that mentions her number.
    const first = await campaign([{ address: ALICE, firstName: 'Alice' }, CAROL]);
    await waitFor(() => twilio.requests.some((r) => r.to === ALICE));
    const call = { CallSid: 'CA' + '1'.repeat(32), From: ALICE, To: '+33757000000', CallStatus: 'ringing', AccountSid: ACCOUNT_SID };
    expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/voice`, call, { authToken: AUTH_TOKEN })).status).toBe(200);
    const recording = { CallSid: call.CallSid, RecordingSid: 'RE' + '1'.repeat(32), RecordingUrl: 'https://api.twilio.com/rec/RE1', RecordingStatus: 'completed', AccountSid: ACCOUNT_SID };
    expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/voice/recording`, recording, { authToken: AUTH_TOKEN })).status).toBe(200);
    await waitFor(async () => (await db.recording.count()) === 1);
    const attachment = `ab/${'ab'.repeat(32)}`;
    fs.mkdirSync(path.join(attachmentsDir, 'ab'), { recursive: true });
    fs.writeFileSync(path.join(attachmentsDir, attachment), `voicemail transcript for ${ALICE}`);
    await db.rawEvent.create({
      data: {
        id: newId(), provider: 'mailgun', dedupKey: 'mg-1', route: '/webhooks/mailgun/inbound', url: 'https://x/webhooks/mailgun/inbound', receivedAt: new Date(),
        contentType: 'application/x-www-form-urlencoded', headers: {}, body: `sender=a%40example.com&body-plain=call+me+at+%2B${ALICE_DIGITS}`,
        attachments: [{ field: 'attachment-1', filename: 't.txt', contentType: 'text/plain', size: 10, sha256: 'ab'.repeat(32), path: attachment }],
      },
    });
    const held = await tablesHolding(ALICE_DIGITS);
    for (const table of ['messages', 'raw_events', 'contacts', 'consent_events', 'campaign_messages', 'webhook_deliveries', 'calls']) expect(held[table]).toBeGreaterThan(0);
    const bobBefore = await tablesHolding(BOB.slice(1));

    // A batch of messages still to interpret (delayed: no worker takes it during the test) that
    // names her and Bob: after the erasure it holds Bob's message alone.
    const pendingRedis = createRedis('redis://127.0.0.1:6379', 'worker');
    const pendingQueue = createQueue('interpretBatch', { connection: pendingRedis, prefix });
    const item = (sender: string) => ({ eventId: newId(), replay: false, message: { source: 'sms', sender, recipient: '+33757000000', content: 'Bonjour', externalId: `SM${sender.slice(1)}` } });
    const pending = await pendingQueue.add(jobs.interpretBatch.name, { items: [item(ALICE), item(BOB)] } as never, { delay: 600_000 });

    const sizes = await logSizes();
    const erased = await api(`/api/contacts/${encodeURIComponent(`whatsapp:${ALICE}`)}`, { method: 'DELETE' });
    expect(erased.status).toBe(200);
    const result = (await erased.json()) as { erasureId: string; addressHash: string; counts: Record<string, number>; filesDeleted: number; jobsRemoved: number };
    expect(result.addressHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.counts).toMatchObject({ messages: 3, contacts: 1, consentEvents: 2, calls: 1, recordings: 1, campaignMessages: 1 });
    expect(result.counts.rawEvents).toBeGreaterThanOrEqual(6);
    expect(result.filesDeleted).toBe(1);
    // The jobs BullMQ keeps (completed raw events and messages) are gone too.
    expect(result.jobsRemoved).toBeGreaterThanOrEqual(7);
    const kept = (await pendingQueue.getJob(pending.id!))!;
    expect(kept.data.items.map((i) => i.message.sender)).toEqual([BOB]);
    await pendingQueue.close();
    pendingRedis.disconnect();
    const redis = createRedis('redis://127.0.0.1:6379', 'worker');
    try {
      for (const key of ['inbound', 'interpret'] as const) {
        const queue = createQueue(key, { connection: redis, prefix });
        const kept = await queue.getJobs(['completed', 'failed', 'waiting', 'delayed'], 0, -1);
        if (key === 'inbound') expect(kept.length).toBeGreaterThan(0); // the recording callback, which does not name her
        expect(kept.filter((j) => JSON.stringify(j.data).includes(ALICE_DIGITS))).toEqual([]);
        await queue.close();
      }
    } finally {
      redis.disconnect();
    }

    // A campaign made afterwards that includes her: she is counted and skipped, never sent to.
    const sentToAlice = twilio.requests.filter((r) => r.to === ALICE).length;
    const second = await campaign([{ address: ALICE, firstName: 'Alice' }, CAROL]);
    const counts = ((await (await api(`/api/campaigns/${second}`)).json()) as { counts: Record<string, number>; total: number });
    expect(counts.total).toBe(2);
    expect(counts.counts.skipped).toBe(1);
    expect(twilio.requests.filter((r) => r.to === ALICE)).toHaveLength(sentToAlice);
    // The first campaign's counts stay true without her address.
    expect(((await (await api(`/api/campaigns/${first}`)).json()) as { total: number }).total).toBe(2);
    // Her lookups find nothing, and asking names nothing in the logs either.
    expect((await api(`/api/contacts/${encodeURIComponent(ALICE)}`)).status).toBe(404);
    expect(await ledger(ALICE)).toEqual([]);

    expect(await tablesHolding(ALICE_DIGITS)).toEqual({});
    expect(fs.existsSync(path.join(attachmentsDir, attachment))).toBe(false);
    const logs = await logWrittenSince(sizes);
    expect(logs).toContain('contact erased');
    expect(logs).not.toContain(ALICE_DIGITS);
    // Others are untouched; the audit and the suppression hold only the hash.
    expect(await tablesHolding(BOB.slice(1))).toEqual(bobBefore);
    expect(await db.suppression.count({ where: { addressHash: result.addressHash } })).toBe(1);
    expect(await db.erasure.findUnique({ where: { id: result.erasureId } })).toMatchObject({ addressHash: result.addressHash });
  });

  test('without ERASURE_HASH_KEY erasure is refused and nothing changes', async () => {
    const config = testConfig({ DATABASE_URL: stack.database.url, QUEUE_PREFIX: prefix, ADMIN_TOKEN });
    const other = await startConsole(config, fileLogger('console-nokey'));
    try {
      const response = await fetch(`${other.url}/api/contacts/${encodeURIComponent(CAROL)}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: expect.stringContaining('ERASURE_HASH_KEY') });
      expect(await db.contact.count({ where: { address: CAROL } })).toBe(1);
      expect(await db.erasure.count()).toBe(1);
    } finally {
      await other.close();
    }
  });
});
