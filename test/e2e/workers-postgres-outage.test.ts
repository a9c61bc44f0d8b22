import net from 'node:net';
import { createDb, deliveryJobId, type Db } from '@switchboard/db';
import { startSweeper } from '@switchboard/dispatcher';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis, jobs } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { enableSubscriber, rawSms } from './workers-fixtures.ts';

const N = 300;

/** A TCP proxy in front of the shared Postgres that the test can cut (connections reset, new ones refused) and restore. */
type Proxy = { port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> };

async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { port, cut, restore: () => listen(port), close: cut };
}

let database: TestDatabase;
let db: Db;
let proxy: Proxy;
let listener: ListenerService;
let interpreter: InterpreterService;
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
  proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const config = testConfig({ DATABASE_URL: viaProxy.toString(), QUEUE_PREFIX: prefix, LISTENER_CONCURRENCY: '16', INTERPRETER_CONCURRENCY: '16' });
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
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

test('a Postgres outage mid-load loses and doubles nothing once the jobs have retried', async () => {
  const events = Array.from({ length: N }, (_, i) => rawSms({ Body: i % 2 ? 'Oui intéressé' : 'Rappelez-moi', From: `+3365${String(i).padStart(7, '0')}` }));
  // Short fixed retries instead of the production schedule (1 s doubling), so the test is quick.
  const retry = { attempts: 50, backoff: { type: 'fixed', delay: 200 } };
  await inboundQueue.addBulk(events.map((data) => ({ name: jobs.inbound.name, data, opts: retry })));

  await waitFor(async () => (await db.message.count()) > 0, { what: 'the first messages', timeoutMs: 20_000, intervalMs: 5 });
  await proxy.cut();
  const atCut = await db.message.count();
  expect(atCut).toBeLessThan(N);
  // Jobs fail against the dead database and wait for their retry.
  await waitFor(async () => (await inboundQueue.getJobCountByTypes('delayed')) + (await interpretQueue.getJobCountByTypes('delayed')) > 0, { what: 'jobs failing during the outage' });
  expect(await db.message.count()).toBe(atCut);
  await proxy.restore();

  await waitFor(async () => (await db.message.count()) === N && (await interpretQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0, {
    what: 'every message persisted after the outage',
    timeoutMs: 45_000,
  });
  expect(await db.rawEvent.count()).toBe(N);
  expect(await db.messageIntent.count()).toBe(N);
  expect(await db.callbackRequest.count()).toBe(N / 2);
  expect(await inboundQueue.getJobCountByTypes('failed')).toBe(0);
  expect(await interpretQueue.getJobCountByTypes('failed')).toBe(0);
  // Two announcements per message, each with its dispatcher job: a commit whose answer the outage
  // swallowed is enqueued by the dispatcher's outbox sweeper.
  expect(await db.webhookDelivery.count()).toBe(2 * N);
  const ids = (await db.webhookDelivery.findMany({ select: { id: true } })).map((d) => d.id);
  const sweeper = startSweeper({ db, queue: deliveryQueue, logger: testLogger('sweeper'), intervalMs: 60_000, graceMs: 0 });
  try {
    await waitFor(async () => {
      await sweeper.sweep();
      return (await Promise.all(ids.map((id) => deliveryQueue.getJob(deliveryJobId(id, 1))))).every(Boolean);
    }, { what: 'a job for every delivery', timeoutMs: 30_000, intervalMs: 500 });
  } finally {
    await sweeper.close();
  }
});
