import { attachProviderMessageId, createDb, type Db } from '@switchboard/db';
import { startSweeper } from '@switchboard/dispatcher';
import type { RawEventPayload } from '@switchboard/events';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { backoffDelay, createQueue, createRedis, enqueue, jobIdOf, jobs } from '@switchboard/queues';
import { createTestDatabase, startTcpRelay, testConfig, testLogger, uniquePrefix, waitFor, type TcpRelay, type TestDatabase } from '@switchboard/testing';
import { capturingLogger } from './helpers.ts';
import { enableSubscriber, outboundSid, rawSms, rawStatus, seedCampaign } from './workers-fixtures.ts';

/** An inbound Mailgun email as ingest queues it (urlencoded text fields). */
function rawEmail(i: number): RawEventPayload {
  const token = `tok${Date.now().toString(36)}x${i}`;
  const params = {
    sender: `client${i}@example.com`,
    recipient: 'contact@switchboard.test',
    subject: 'Re: votre offre',
    'body-plain': "Oui, ça m'intéresse",
    'stripped-text': "Oui, ça m'intéresse",
    'Message-Id': `<${token}@mail.example.com>`,
    timestamp: String(Math.floor(Date.now() / 1000)),
    token,
    signature: 'f'.repeat(64),
  };
  return {
    provider: 'mailgun',
    dedupKey: `token.${token}`,
    route: '/webhooks/mailgun/inbound',
    url: 'http://127.0.0.1/webhooks/mailgun/inbound',
    receivedAt: new Date().toISOString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: new URLSearchParams(params).toString(),
    bodyEncoding: 'utf8',
  };
}

const OUTAGE_MS = 60_000;
// The compressed schedule: 50 ms doubling up to 800 ms. A job's whole bounded budget (its nine
// retries) is under 5 s, so a 60 s outage outlasts it twelve times over.
const BACKOFF = { JOB_BACKOFF_BASE_MS: '50', JOB_BACKOFF_MAX_MS: '800' };

let database: TestDatabase;
let db: Db;
let proxy: TcpRelay;
let listener: ListenerService;
let interpreter: InterpreterService;
const logs = { listener: capturingLogger('listener'), interpreter: capturingLogger('interpreter') };
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
const interpretQueue = createQueue('interpret', { connection: redis, prefix });
const deliveryQueue = createQueue('delivery', { connection: redis, prefix });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  await enableSubscriber(db);
  const direct = new URL(database.url);
  proxy = await startTcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
  const config = testConfig({ DATABASE_URL: proxy.via(database.url), QUEUE_PREFIX: prefix, LISTENER_CONCURRENCY: '16', INTERPRETER_CONCURRENCY: '16', ...BACKOFF });
  listener = await startListener(config, logs.listener.logger);
  interpreter = await startInterpreter(config, logs.interpreter.logger);
});

afterAll(async () => {
  await proxy?.restore().catch(() => undefined);
  // Closing waits for every pooled connection: a connection leaked by the outage would hang here.
  await Promise.all([listener?.close(), interpreter?.close()]);
  await proxy?.close();
  await Promise.all([inboundQueue, interpretQueue, deliveryQueue].map((q) => q.obliterate({ force: true })));
  await Promise.all([inboundQueue.close(), interpretQueue.close(), deliveryQueue.close()]);
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

test('a 60 s Postgres outage under steady load parks nothing: every acknowledged event is stored once with its intent, and only the poison event fails', async () => {
  const budget = Array.from({ length: jobs.inbound.options.attempts - 1 }, (_, i) => backoffDelay(i + 1, { baseMs: 50, maxMs: 800 })).reduce((a, b) => a + b, 0);
  expect(budget).toBeLessThanOrEqual(5_000);

  // Status callbacks need sent campaign messages to move.
  const { campaign, messages } = await seedCampaign(db, Array.from({ length: 200 }, (_, i) => `+3367${String(i).padStart(7, '0')}`));
  const sids: string[] = [];
  for (const m of messages) {
    const sid = outboundSid();
    await attachProviderMessageId(db, m.id, sid);
    sids.push(sid);
  }

  // Steady load: an SMS, an email or a status callback every 100 ms, queued as ingest queues them.
  const sent = { sms: [] as RawEventPayload[], email: [] as RawEventPayload[], status: [] as RawEventPayload[] };
  let poisonJobId: string | undefined;
  let tick = 0;
  let adding = Promise.resolve();
  const load = setInterval(() => {
    const i = tick++;
    const kind = (['sms', 'email', 'status'] as const)[i % 3]!;
    const k = Math.floor(i / 3);
    if (kind === 'status' && k >= sids.length) return;
    const event = kind === 'sms' ? rawSms({ Body: k % 2 ? 'Oui intéressé' : 'Rappelez-moi', From: `+3365${String(k).padStart(7, '0')}` }) : kind === 'email' ? rawEmail(k) : rawStatus(sids[k]!, 'delivered');
    adding = adding.then(async () => {
      await enqueue(inboundQueue, 'inbound', event);
      sent[kind].push(event);
    });
  }, 100);

  try {
    await waitFor(async () => (await db.message.count()) >= 5, { what: 'the first messages', timeoutMs: 20_000 });
    await proxy.cut();
    const cutAt = Date.now();
    await waitFor(() => logs.listener.lines.some((l) => l.outage === 'down'), { what: 'the listener to notice the outage' });

    // A poison event arrives during the outage: it can never normalize.
    const poison = rawStatus(outboundSid(), 'exploded');
    poisonJobId = await enqueue(inboundQueue, 'inbound', poison);

    // The outage lasts a minute; the failed sets stay empty throughout.
    let failedDuringOutage = 0;
    await waitFor(
      async () => {
        failedDuringOutage = Math.max(failedDuringOutage, (await inboundQueue.getJobCountByTypes('failed')) + (await interpretQueue.getJobCountByTypes('failed')));
        return Date.now() - cutAt >= OUTAGE_MS;
      },
      { what: 'the end of the outage', timeoutMs: OUTAGE_MS + 10_000, intervalMs: 1_000 },
    );
    expect(failedDuringOutage).toBe(0);
    await proxy.restore();
    await waitFor(() => logs.listener.lines.some((l) => l.outage === 'up'), { what: 'the listener to see Postgres back', timeoutMs: 10_000 });
    // A little more load after the restore, then it stops.
    const after = tick + 20;
    await waitFor(() => tick >= after, { what: 'load after the restore' });
  } finally {
    clearInterval(load);
    await adding;
  }

  const total = sent.sms.length + sent.email.length + sent.status.length;
  const idle = async () => (await inboundQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) + (await interpretQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'));
  await waitFor(async () => (await db.message.count()) === sent.sms.length + sent.email.length && (await idle()) === 0, { what: 'every event processed', timeoutMs: 60_000, intervalMs: 250 });

  // Every acknowledged event stored exactly once (the poison event's raw copy too), each message with its intent.
  expect(await db.rawEvent.count()).toBe(total + 1);
  const dedupKeys = [...sent.sms, ...sent.email, ...sent.status].map((e) => e.dedupKey);
  expect(await db.rawEvent.count({ where: { dedupKey: { in: dedupKeys } } })).toBe(total);
  expect(await db.message.count({ where: { source: 'sms' } })).toBe(sent.sms.length);
  expect(await db.message.count({ where: { source: 'email' } })).toBe(sent.email.length);
  expect(await db.messageIntent.count()).toBe(sent.sms.length + sent.email.length);
  const perEvent = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM raw_events r JOIN messages m ON m.event_id = r.id`;
  expect(Number(perEvent[0]!.n)).toBe(sent.sms.length + sent.email.length);
  expect(await db.messageStatus.count()).toBe(sent.status.length);
  expect(await db.campaignMessage.count({ where: { campaignId: campaign.id, status: 'delivered' } })).toBe(sent.status.length);

  // Only the poison event is in a failed set, with its reason.
  const failed = await inboundQueue.getFailed();
  expect(failed.map((j) => j.id)).toEqual([poisonJobId]);
  expect(failed[0]!.failedReason).toMatch(/^cannot normalize twilio-status event .*unknown Twilio message status "exploded"/);
  expect(await interpretQueue.getJobCountByTypes('failed')).toBe(0);

  // The outage in the logs: one line down (with the code), at most one summary, one line back
  // (how long, how much work waited); nothing else above info meanwhile.
  for (const [name, { lines }] of Object.entries(logs)) {
    const outage = lines.filter((l) => l.dependency === 'postgres');
    if (name === 'listener') expect(outage.length).toBeGreaterThanOrEqual(2);
    if (outage.length === 0) continue;
    expect(outage[0]).toMatchObject({ level: 'warn', message: 'postgres unreachable', outage: 'down', code: expect.any(String) });
    expect(outage.at(-1)).toMatchObject({ level: 'info', message: 'postgres reachable again', outage: 'up', downForMs: expect.any(Number), jobsHeld: expect.any(Number), jobsWaiting: expect.any(Number) });
    expect(outage.at(-1)!.downForMs as number).toBeGreaterThanOrEqual(OUTAGE_MS - 5_000);
    expect(outage.slice(1, -1).every((l) => l.outage === 'ongoing')).toBe(true);
    expect(outage.length).toBeLessThanOrEqual(3);
    const downAt = Date.parse(outage[0]!.timestamp);
    const upAt = Date.parse(outage.at(-1)!.timestamp);
    const noisy = lines.filter((l) => l.level !== 'info' && l.dependency !== 'postgres' && Date.parse(l.timestamp) > downAt && Date.parse(l.timestamp) < upAt);
    expect(noisy).toEqual([]);
  }
  const listenerUp = logs.listener.lines.find((l) => l.outage === 'up')!;
  expect((listenerUp.jobsHeld as number) + (listenerUp.jobsWaiting as number)).toBeGreaterThan(0);

  // Every delivery the outage's messages announced has its dispatcher job: a commit whose answer
  // the outage swallowed is enqueued by the dispatcher's outbox sweeper.
  const ids = (await db.webhookDelivery.findMany({ select: { id: true } })).map((d) => d.id);
  expect(ids.length).toBeGreaterThanOrEqual(2 * (sent.sms.length + sent.email.length));
  const sweeper = startSweeper({ db, queue: deliveryQueue, logger: testLogger('sweeper'), intervalMs: 60_000, graceMs: 0 });
  try {
    await waitFor(
      async () => {
        await sweeper.sweep();
        return (await Promise.all(ids.map((id) => deliveryQueue.getJob(jobIdOf('delivery', { deliveryId: id, attempt: 1 }))))).every(Boolean);
      },
      { what: 'a job for every delivery', timeoutMs: 30_000, intervalMs: 500 },
    );
  } finally {
    await sweeper.close();
  }
}, 180_000);

test('a Postgres that stops answering without closing anything (a partition) for 8 s: the workers drop the silent connections at the time limit, and once it answers again every event is stored once', async () => {
  const before = { raw: await db.rawEvent.count(), messages: await db.message.count(), intents: await db.messageIntent.count() };
  const logFrom = logs.listener.lines.length;
  const failedBefore = await inboundQueue.getJobCountByTypes('failed');
  const batch = (from: number) => Array.from({ length: 10 }, (_, i) => rawSms({ Body: 'Oui intéressé', From: `+3366${String(from + i).padStart(7, '0')}` }));
  const stored = (n: number) => async () => (await db.messageIntent.count()) >= before.intents + n;

  for (const event of batch(0)) await enqueue(inboundQueue, 'inbound', event);
  await waitFor(stored(10), { what: 'the first ten messages', timeoutMs: 20_000 });
  proxy.silence();
  const silencedAt = Date.now();
  try {
    // Events keep arriving; every connection the workers have or open now gets no answer.
    for (const event of batch(10)) await enqueue(inboundQueue, 'inbound', event);
    await waitFor(() => Date.now() - silencedAt >= 8_000, { what: 'the end of the silence', timeoutMs: 10_000, intervalMs: 200 });
  } finally {
    proxy.resume();
  }
  for (const event of batch(20)) await enqueue(inboundQueue, 'inbound', event);

  // Without the time limit the listener's statement on a silent connection would wait for good.
  await waitFor(stored(30), { what: 'every message stored with its intent', timeoutMs: 40_000, intervalMs: 250 });
  const idle = async () => (await inboundQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) + (await interpretQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'));
  await waitFor(async () => (await idle()) === 0, { what: 'the queues idle', timeoutMs: 20_000 });
  expect(await db.rawEvent.count()).toBe(before.raw + 30);
  expect(await db.message.count()).toBe(before.messages + 30);
  expect(await db.messageIntent.count()).toBe(before.intents + 30);
  expect(await inboundQueue.getJobCountByTypes('failed')).toBe(failedBefore);
  expect(await interpretQueue.getJobCountByTypes('failed')).toBe(0);
  // The listener saw an outage (its statements abandoned at the limit) and saw Postgres come back.
  const listenerLines = logs.listener.lines.slice(logFrom).filter((l) => l.dependency === 'postgres');
  expect(listenerLines[0]).toMatchObject({ level: 'warn', message: 'postgres unreachable', outage: 'down' });
  expect(listenerLines.at(-1)).toMatchObject({ level: 'info', message: 'postgres reachable again', outage: 'up' });
}, 90_000);
