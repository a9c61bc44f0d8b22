import { createDb, type Db } from '@switchboard/db';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, testConfig, testLogger, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';
import { startDispatcher, type DispatcherService } from '../src/index.ts';
import { startSweeper } from '../src/sweeper.ts';
import { createEndpoint, emit, event, secret } from './helpers.ts';

let database: TestDatabase;
let db: Db;
let dispatcher: DispatcherService;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const queue = createQueue('delivery', { connection: redis, prefix });
const logger = testLogger('dispatcher');
/** What the dispatcher logged at warn, to check `endpoint.disabled`. */
const warnings: { message: string; meta: Record<string, unknown> }[] = [];
const originalWarn = logger.warn.bind(logger);
logger.warn = ((message: string, meta: Record<string, unknown>) => {
  warnings.push({ message, meta });
  return originalWarn(message, meta);
}) as typeof logger.warn;
const subscribers: Subscriber[] = [];
const BASE_MS = 100;
const TIMEOUT_MS = 500;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 4 });
  const config = testConfig({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    RETRY_BASE_MS: String(BASE_MS),
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    DISPATCHER_CONCURRENCY: '32',
    WEBHOOK_ENDPOINT_CONCURRENCY: '4',
  });
  dispatcher = await startDispatcher(config, logger);
});

// Each test's endpoints stop receiving once it ends: later tests' events go to their own.
afterEach(async () => {
  await db.webhookEndpoint.updateMany({ data: { enabled: false } });
  await Promise.all(subscribers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await dispatcher?.close();
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

async function subscriber(options: Parameters<typeof startSubscriber>[0]): Promise<Subscriber> {
  const s = await startSubscriber(options);
  subscribers.push(s);
  return s;
}

const attemptsOf = (deliveryId: string) => db.webhookAttempt.findMany({ where: { deliveryId }, orderBy: { attempt: 'asc' } });
const deliveryOf = (id: string) => db.webhookDelivery.findUniqueOrThrow({ where: { id } });

describe('webhook deliveries', () => {
  test('every endpoint that wants an event gets it, signed per Standard Webhooks; X-Webhook-Secret only in production', async () => {
    const prodSecret = secret();
    const devSecret = secret();
    const prod = await subscriber({ secrets: [prodSecret] });
    const dev = await subscriber({ secrets: [devSecret] });
    await createEndpoint(db, { url: prod.url, secret: prodSecret, environment: 'production' });
    await createEndpoint(db, { url: dev.url, secret: devSecret, eventTypes: ['message.received'] });

    const received = event('message.received', { text: 'Oui' });
    const status = event('message.status', { status: 'delivered' });
    const ids = await emit(db, queue, [received, status]);
    expect(ids).toHaveLength(3);
    await waitFor(() => prod.received.length === 2 && dev.received.length === 1, { what: 'three requests' });
    await waitFor(async () => (await db.webhookDelivery.count({ where: { id: { in: ids }, status: 'delivered' } })) === 3, { what: 'three delivered' });

    for (const r of [...prod.received, ...dev.received]) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/^Switchboard\/\d+\.\d+\.\d+$/);
      expect(ids).toContain(r.headers['webhook-id']);
      expect(Object.keys(JSON.parse(r.body))).toEqual(['type', 'timestamp', 'data']);
    }
    expect(prod.received.every((r) => r.verifiedWith[0] === prodSecret && r.headers['x-webhook-secret'] === prodSecret)).toBe(true);
    expect(dev.received[0]!.verifiedWith).toEqual([devSecret]);
    expect(dev.received[0]!.headers['x-webhook-secret']).toBeUndefined();
    expect(JSON.parse(dev.received[0]!.body)).toMatchObject({ type: 'message.received', data: received.data });
    expect(prod.received.map((r) => JSON.parse(r.body).type).sort()).toEqual(['message.received', 'message.status']);
  });

  test('500, 500, then 200: delivered on the third attempt, the same webhook-id every time, three attempts recorded in order', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s], respond: (r) => (r.n < 3 ? { status: 500, body: `boom ${r.n}` } : { status: 200, body: 'thanks' }) });
    await createEndpoint(db, { url: sub.url, secret: s });
    const [id] = await emit(db, queue, [event()]);
    await waitFor(async () => (await deliveryOf(id!)).status === 'delivered', { what: 'delivered' });

    expect(sub.received.map((r) => r.headers['webhook-id'])).toEqual([id, id, id]);
    expect(sub.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
    const attempts = await attemptsOf(id!);
    expect(attempts.map((a) => [a.attempt, a.responseStatus, a.responseBody])).toEqual([[1, 500, 'boom 1'], [2, 500, 'boom 2'], [3, 200, 'thanks']]);
    expect(attempts[0]!.at.getTime()).toBeLessThan(attempts[1]!.at.getTime());
    expect(attempts[1]!.at.getTime()).toBeLessThan(attempts[2]!.at.getTime());
    expect(await deliveryOf(id!)).toMatchObject({ attempts: 3, status: 'delivered', lastError: null });
  });

  test('a hanging endpoint times out and is retried', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s], respond: (r) => (r.n === 1 ? { hang: true } : {}) });
    await createEndpoint(db, { url: sub.url, secret: s });
    const [id] = await emit(db, queue, [event()]);
    await waitFor(async () => (await deliveryOf(id!)).status === 'delivered', { what: 'delivered after a timeout' });
    const attempts = await attemptsOf(id!);
    expect(attempts.map((a) => [a.responseStatus, a.error])).toEqual([[null, `timeout after ${TIMEOUT_MS} ms`], [200, null]]);
    expect(attempts[0]!.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  test('410 Gone disables the endpoint at once, logged as endpoint.disabled; its pending deliveries are not sent', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s], respond: () => ({ status: 410 }) });
    const endpoint = await createEndpoint(db, { url: sub.url, secret: s });
    const [id] = await emit(db, queue, [event()]);
    await waitFor(async () => (await deliveryOf(id!)).status === 'failed', { what: 'failed' });
    expect(await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect(warnings).toContainEqual({ message: 'endpoint.disabled', meta: expect.objectContaining({ endpointId: endpoint.id, reason: 'gone' }) });
    expect(await attemptsOf(id!)).toHaveLength(1);
    // Nothing more is written for it.
    expect(await emit(db, queue, [event()])).toEqual([]);
    expect(sub.received).toHaveLength(1);
  });

  test('Retry-After is honoured: the retry waits for it rather than the shorter schedule', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s], respond: (r) => (r.n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : {}) });
    await createEndpoint(db, { url: sub.url, secret: s });
    const [id] = await emit(db, queue, [event()]);
    await waitFor(async () => (await deliveryOf(id!)).status === 'delivered', { what: 'delivered' });
    // The schedule alone would have retried after RETRY_BASE_MS (100 ms).
    expect(sub.received[1]!.at - sub.received[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  test('an endpoint failing every attempt for 5 days is disabled, and says so', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s], respond: () => ({ status: 500 }) });
    const endpoint = await createEndpoint(db, { url: sub.url, secret: s, failingSince: new Date(Date.now() - 5 * 24 * 3_600_000 - 60_000) });
    await emit(db, queue, [event()]);
    await waitFor(async () => !(await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled, { what: 'disabled' });
    expect(await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({ disabledReason: 'failing' });
    expect(warnings).toContainEqual({ message: 'endpoint.disabled', meta: expect.objectContaining({ endpointId: endpoint.id, reason: 'failing' }) });
  });

  test('a success clears the failure record of an endpoint that was failing', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s] });
    const endpoint = await createEndpoint(db, { url: sub.url, secret: s, failingSince: new Date(Date.now() - 3_600_000) });
    const [id] = await emit(db, queue, [event()]);
    await waitFor(async () => (await deliveryOf(id!)).status === 'delivered', { what: 'delivered' });
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).failingSince).toBeNull();
  });

  test('rotation: during the overlap both the old and the new secret verify every request', async () => {
    const old = secret();
    const next = secret();
    const both = await subscriber({ secrets: [old, next] });
    const endpoint = await createEndpoint(db, { url: both.url, secret: old });
    await db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { secret: next, previousSecret: old, previousSecretExpiresAt: new Date(Date.now() + 24 * 3_600_000) } });
    await emit(db, queue, [event()]);
    await waitFor(() => both.received.length === 1, { what: 'the request' });
    expect(both.received[0]!.verifiedWith).toEqual([old, next]);
    expect(String(both.received[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);

    // Once the overlap is over only the new one signs.
    await db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { previousSecretExpiresAt: new Date(Date.now() - 1) } });
    await emit(db, queue, [event()]);
    await waitFor(() => both.received.length === 2, { what: 'the second request' });
    expect(both.received[1]!.verifiedWith).toEqual([next]);
  });

  test('a dead endpoint does not slow a healthy one (measured)', async () => {
    const N = 150;
    const s = secret();
    const healthy = await subscriber({ secrets: [s], respond: () => ({ delayMs: 5 }) });
    const dead = await subscriber({ secrets: [s], respond: () => ({ hang: true }) });
    const healthyEndpoint = await createEndpoint(db, { url: healthy.url, secret: s, eventTypes: ['message.received'] });
    const timeHealthy = async () => {
      const before = healthy.received.length;
      const started = performance.now();
      await emit(db, queue, Array.from({ length: N }, () => event('message.received')));
      await waitFor(() => healthy.received.length >= before + N, { what: 'the healthy endpoint’s deliveries', timeoutMs: 30_000 });
      return performance.now() - started;
    };
    const alone = await timeHealthy();

    await createEndpoint(db, { url: dead.url, secret: s, eventTypes: ['message.status'] });
    await emit(db, queue, Array.from({ length: N }, () => event('message.status')));
    await waitFor(() => dead.received.length >= 4, { what: 'the dead endpoint to hold its slots' });
    const beside = await timeHealthy();
    logger.info('isolation', { alone, beside });
    process.stdout.write(`healthy endpoint, ${N} deliveries: alone ${alone.toFixed(0)} ms, beside a dead endpoint ${beside.toFixed(0)} ms\n`);
    // The dead endpoint holds at most WEBHOOK_ENDPOINT_CONCURRENCY (4) of 32 slots; the rest of its backlog is parked.
    expect(beside).toBeLessThan(alone * 2 + 500);
    expect(dead.received.length).toBeLessThanOrEqual(4 * Math.ceil((beside + 2 * TIMEOUT_MS) / TIMEOUT_MS));
    await db.webhookEndpoint.update({ where: { id: healthyEndpoint.id }, data: { enabled: false } });
  });

  test('the sweeper walks a backlog bigger than a page, and re-adds a job BullMQ still keeps as completed', async () => {
    const s = secret();
    const sub = await subscriber({ secrets: [s] });
    await createEndpoint(db, { url: sub.url, secret: s });
    // Written, never enqueued: as if every writer died between its commit and its enqueue.
    const ids = await db.$transaction(async (tx) => (await import('@switchboard/db')).writeDeliveries(tx, Array.from({ length: 450 }, () => event())));
    const sweeper = startSweeper({ db, queue, logger, intervalMs: 60_000, graceMs: 0, pageSize: 100, pagesPerSweep: 2 });
    try {
      let sweeps = 0;
      await waitFor(async () => {
        sweeps += 1;
        await sweeper.sweep();
        return (await db.webhookDelivery.count({ where: { id: { in: ids }, status: 'delivered' } })) === ids.length;
      }, { what: 'every swept delivery delivered', timeoutMs: 30_000, intervalMs: 50 });
      expect(sweeps).toBeGreaterThanOrEqual(3);
      expect(new Set(sub.received.map((r) => r.headers['webhook-id'])).size).toBe(ids.length);

      // A delivery pending again while its attempt's job is kept as completed: the add must not be a silent no-op.
      const id = ids[0]!;
      expect(await queue.getJobState(`${id}.1`)).toBe('completed');
      await db.webhookDelivery.update({ where: { id }, data: { status: 'pending', attempts: 0, nextAttemptAt: new Date(Date.now() - 1_000) } });
      await db.webhookAttempt.deleteMany({ where: { deliveryId: id } });
      const before = sub.received.length;
      await sweeper.sweep();
      await waitFor(async () => (await deliveryOf(id)).status === 'delivered', { what: 'delivered again' });
      expect(sub.received.slice(before).map((r) => r.headers['webhook-id'])).toEqual([id]);
    } finally {
      await sweeper.close();
    }
  });
});
