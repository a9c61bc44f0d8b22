import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@switchboard/db';
import { mailgunSignature } from '@switchboard/providers';
import { createQueue, createRedis, jobs, queueKeys } from '@switchboard/queues';
import { createTestDatabase, freePort, startSubscriber, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';
import { inboundSms, messageSid, postSignedTwilio } from '../e2e/helpers.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.ts';

/**
 * Scale-out: two ingest processes behind a round-robin proxy and two processes of each worker,
 * on one Redis and one Postgres. 5,000 mixed events, 10% of them sent twice: each is stored
 * exactly once, every message is interpreted and announced once to a subscriber, every status
 * recorded, and no job fails.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const AUTH_TOKEN = 'scale0scale0scale0scale0scale012';
const MAILGUN_KEY = 'key-mailgun-scale-0123456789abcdef';
const BRIDGE_SECRET = 'bridge-secret-scale-0123456789abcdef';
const SUBSCRIBER_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const MIX = { sms: 1_500, whatsapp: 1_000, status: 1_000, email: 1_000, bridge: 500 };
const TOTAL = Object.values(MIX).reduce((a, b) => a + b, 0);
const IN_FLIGHT = 24;

let database: TestDatabase;
let db: Db;
let proxy: RoundRobinProxy;
let subscriber: Subscriber;
const prefix = uniquePrefix();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-scale-'));
const children = new Set<ChildProcess>();
const workers: { app: 'listener' | 'interpreter' | 'dispatcher'; metrics: string }[] = [];

function startProcess(app: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, `apps/${app}/src/main.ts`)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      LOG_DIR: path.join(tmp, 'log'),
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      WHATSAPP_BRIDGE_SECRET: BRIDGE_SECRET,
      ...env,
    },
    stdio: process.env.TEST_LOGS ? 'inherit' : 'ignore',
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  // The dispatchers' share: every interpreted message is announced to one subscriber.
  subscriber = await startSubscriber({ secrets: [SUBSCRIBER_SECRET] });
  await db.webhookEndpoint.create({ data: { id: 'ep_scale0000000000', url: subscriber.url, secret: SUBSCRIBER_SECRET, eventTypes: ['message.interpreted'] } });
  const ports = [await freePort(), await freePort()];
  proxy = await startRoundRobinProxy(ports.map((p) => `http://127.0.0.1:${p}`));
  ports.forEach((port, i) =>
    startProcess('ingest', {
      INGEST_PORT: String(port),
      // Providers sign the proxy's URL, the one they were given.
      PUBLIC_URL: proxy.url,
      SPOOL_DIR: path.join(tmp, `spool-${i}`),
      ATTACHMENTS_DIR: path.join(tmp, `attachments-${i}`),
    }),
  );
  for (const app of ['listener', 'listener', 'interpreter', 'interpreter', 'dispatcher', 'dispatcher'] as const) {
    const port = await freePort();
    workers.push({ app, metrics: `http://127.0.0.1:${port}/metrics` });
    startProcess(app, { METRICS_PORT: String(port) });
  }
  await waitFor(async () => (await Promise.all(ports.map((p) => fetch(`http://127.0.0.1:${p}/readyz`).then((r) => r.ok, () => false)))).every(Boolean), {
    what: 'both ingest processes ready',
    timeoutMs: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([...children].map(stop));
  await proxy?.close();
  await subscriber?.close();
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  for (const key of queueKeys()) {
    const queue = createQueue(key, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

type Send = () => Promise<number>;

/** One request per event, each signed as its provider signs it, sent through the proxy. */
function makeEvents(): { kind: keyof typeof MIX; send: Send }[] {
  const url = (p: string) => `${proxy.url}${p}`;
  const events: { kind: keyof typeof MIX; send: Send }[] = [];
  const phone = (i: number) => `+3367${String(i).padStart(7, '0')}`;
  for (let i = 0; i < MIX.sms; i++) {
    const sms = inboundSms({ Body: i % 3 === 0 ? 'STOP' : i % 3 === 1 ? 'Oui je suis intéressé' : 'Quel est le prix ?', From: phone(i) });
    events.push({ kind: 'sms', send: async () => (await postSignedTwilio(url('/webhooks/twilio/messages'), sms, { authToken: AUTH_TOKEN })).status });
  }
  for (let i = 0; i < MIX.whatsapp; i++) {
    const wa = inboundSms({ Body: 'Rappelez-moi demain', From: `whatsapp:${phone(100_000 + i)}`, To: 'whatsapp:+33757000000' });
    events.push({ kind: 'whatsapp', send: async () => (await postSignedTwilio(url('/webhooks/twilio/messages'), wa, { authToken: AUTH_TOKEN })).status });
  }
  for (let i = 0; i < MIX.status; i++) {
    const params = { MessageSid: messageSid(), MessageStatus: i % 2 ? 'delivered' : 'sent', To: phone(200_000 + i), From: '+33757000000', AccountSid: 'AC0123456789abcdef0123456789abcdef' };
    events.push({ kind: 'status', send: async () => (await postSignedTwilio(url('/webhooks/twilio/status'), params, { authToken: AUTH_TOKEN })).status });
  }
  for (let i = 0; i < MIX.email; i++) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = `tok${String(i).padStart(46, '0')}${prefix.slice(-4)}`;
    const fields = { sender: `client${i}@example.com`, recipient: 'inbox@example.org', subject: 'Re: offre', 'body-plain': 'Oui merci', 'stripped-text': 'Oui merci', 'Message-Id': `<scale${i}.${prefix}@example.com>`, timestamp, token };
    const body = new URLSearchParams({ ...fields, signature: mailgunSignature(MAILGUN_KEY, timestamp, token) }).toString();
    events.push({ kind: 'email', send: async () => (await fetch(url('/webhooks/mailgun/inbound'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).status });
  }
  for (let i = 0; i < MIX.bridge; i++) {
    const body = JSON.stringify({ source: 'whatsapp', type: 'chat', group: 'Clients', author: phone(300_000 + i), content: 'Bonjour, des nouvelles ?', timestamp: Math.floor(Date.now() / 1000), messageId: `wamid.scale.${i}` });
    events.push({ kind: 'bridge', send: async () => (await fetch(url('/webhook/whatsapp'), { method: 'POST', headers: { 'content-type': 'application/json', 'x-bridge-secret': BRIDGE_SECRET }, body })).status });
  }
  return events;
}

/** A fixed shuffle (a linear congruential generator): runs are alike, kinds are interleaved. */
function shuffle<T>(items: T[]): T[] {
  let seed = 12_345;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

test('5,000 mixed events, 10% sent twice, through two ingests and two of each worker: each stored once, none failed', async () => {
  const events = makeEvents();
  expect(events).toHaveLength(TOTAL);
  // Every tenth event is sent a second time, at a random later point.
  const requests = shuffle([...events, ...events.filter((_, i) => i % 10 === 0)]);
  expect(requests).toHaveLength(TOTAL * 1.1);
  const statuses: number[] = [];
  let cursor = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (cursor < requests.length) statuses.push(await requests[cursor++]!.send());
    }),
  );
  const sentSeconds = (Date.now() - started) / 1000;
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  // The proxy shared the requests between the two ingests (evenly, but for a retried connection).
  expect(proxy.counts.reduce((a, b) => a + b, 0)).toBe(requests.length);
  for (const count of proxy.counts) expect(count).toBeGreaterThan(requests.length * 0.45);

  const messages = MIX.sms + MIX.whatsapp + MIX.email + MIX.bridge;
  const counts = async () => ({
    rawEvents: await db.rawEvent.count(),
    messages: await db.message.count(),
    intents: await db.messageIntent.count(),
    statuses: await db.messageStatus.count(),
  });
  await waitFor(async () => {
    const c = await counts();
    return c.rawEvents === TOTAL && c.messages === messages && c.intents === messages && c.statuses === MIX.status;
  }, { what: 'every event stored and every message interpreted', timeoutMs: 180_000, intervalMs: 500 });
  const doneSeconds = (Date.now() - started) / 1000;
  // Every interpreted message announced once, signed, whichever dispatcher sent it.
  await waitFor(() => subscriber.received.length >= messages, { what: 'every announcement at the subscriber', timeoutMs: 180_000, intervalMs: 500 });
  const announcedSeconds = (Date.now() - started) / 1000;

  // Exactly once: the counts hold (nothing more came in late) and no job failed or is left.
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  try {
    const queues = queueKeys().map((key) => createQueue(key, { connection: redis, prefix }));
    // The silence-alert queue always holds its scheduler's next run: it is never "drained".
    const work = queues.filter((q) => q.name !== jobs.silence.queue);
    await waitFor(async () => {
      const left = await Promise.all(work.map((q) => q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')));
      return left.every((n) => n === 0);
    }, { what: 'the queues drained', timeoutMs: 60_000 });
    expect(await Promise.all(queues.map(async (q) => [q.name, await q.getFailedCount()]))).toEqual(queues.map((q) => [q.name, 0]));
    await Promise.all(queues.map((q) => q.close()));
  } finally {
    redis.disconnect();
  }
  expect(await counts()).toEqual({ rawEvents: TOTAL, messages, intents: messages, statuses: MIX.status });
  // Both copies of each worker took their share (their own /metrics say how many jobs they ran).
  const processor = { listener: 'raw-event', interpreter: 'interpret', dispatcher: 'delivery' } as const;
  const ran = await Promise.all(workers.map(async (w) => {
    const text = await (await fetch(w.metrics)).text();
    const line = text.split('\n').find((l) => l.startsWith('switchboard_job_duration_seconds_count{') && l.includes(`processor="${processor[w.app]}"`) && l.includes('result="completed"'));
    return { app: w.app, jobs: line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0 };
  }));
  expect(subscriber.received).toHaveLength(messages);
  expect(new Set(subscriber.received.map((r) => r.headers['webhook-id'])).size).toBe(messages);
  expect(subscriber.received.every((r) => r.verifiedWith.length === 1 && JSON.parse(r.body).type === 'message.interpreted')).toBe(true);
  expect(await db.webhookDelivery.groupBy({ by: ['status'], _count: { _all: true } })).toEqual([{ status: 'delivered', _count: { _all: messages } }]);
  for (const app of ['listener', 'interpreter', 'dispatcher'] as const) {
    const mine = ran.filter((r) => r.app === app);
    expect(mine).toHaveLength(2);
    expect(mine.every((r) => r.jobs > 0)).toBe(true);
  }
  const bySource = await db.message.groupBy({ by: ['source'], _count: { _all: true } });
  expect(Object.fromEntries(bySource.map((r) => [r.source, r._count._all]))).toEqual({ sms: MIX.sms, whatsapp: MIX.whatsapp, email: MIX.email, 'whatsapp-group': MIX.bridge });
  console.log(`scale-out: ${requests.length} requests sent in ${sentSeconds.toFixed(1)} s (${Math.round(requests.length / sentSeconds)}/s); all stored and interpreted after ${doneSeconds.toFixed(1)} s, announced after ${announcedSeconds.toFixed(1)} s; jobs per worker ${JSON.stringify(ran.map((r) => `${r.app}:${r.jobs}`))}`);
}, 300_000);
