import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Db } from '@switchboard/db';
import type { Queue } from 'bullmq';
import { createQueue, createRedis, enqueueBulk, type JobInput } from '@switchboard/queues';
import { waitFor } from '@switchboard/testing';
import { rawSms } from './workers-fixtures.ts';
import { appProcessBed } from './helpers.ts';

const N = 400;

let db: Db;
const apps = appProcessBed('crash');
const { prefix } = apps;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
const interpretQueue = createQueue('interpretBatch', { connection: redis, prefix }) as Queue<JobInput<'interpret'> | JobInput<'interpretBatch'>>;
const deliveryQueue = createQueue('delivery', { connection: redis, prefix });

/** Starts an app's main.ts as its own process, as `npm run start:<app>` would. */
function startApp(app: 'listener' | 'interpreter'): ChildProcess {
  return apps.start(app, { SPOOL_DIR: path.join(apps.tmp, 'spool'), LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8' });
}

const kill = apps.kill;

beforeAll(async () => {
  db = (await apps.open()).db;
});

afterAll(async () => {
  await apps.close();
  await Promise.all([inboundQueue.close(), interpretQueue.close(), deliveryQueue.close()]);
  redis.disconnect();
});

const pending = (queue: typeof inboundQueue | typeof interpretQueue) => queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized');

test('SIGKILLed listener and interpreter lose nothing and double nothing: every event ends as one message with its intent', async () => {
  const events = Array.from({ length: N }, (_, i) => rawSms({ Body: i % 3 === 0 ? 'STOP' : i % 3 === 1 ? 'Oui intéressé' : 'Quel est le prix ?', From: `+3364${String(i).padStart(7, '0')}` }));
  await enqueueBulk(inboundQueue, 'inbound', events.map((payload) => ({ payload })));

  // The listener dies while it stores and hands off.
  const listener = startApp('listener');
  const storedAtKill = await waitFor(async () => {
    const n = await db.rawEvent.count();
    return n > 0 ? n : 0;
  }, { what: 'the first raw events', timeoutMs: 20_000, intervalMs: 5 });
  await kill(listener);
  expect(storedAtKill).toBeLessThan(N);

  startApp('listener');
  await waitFor(async () => (await db.rawEvent.count()) === N && (await pending(inboundQueue)) === 0, { what: 'every raw event stored and handed off', timeoutMs: 30_000 });
  // Every message is waiting for the interpreter, alone or in a batch job (a hand-off the killed
  // listener had made may be made again in another batch: the interpreter finds it stored).
  const waiting = await interpretQueue.getJobs(['waiting', 'prioritized']);
  const handedOff = waiting.flatMap((job) => ('items' in job.data ? job.data.items : [job.data]).map((item) => item.eventId));
  expect(new Set(handedOff).size).toBe(N);

  // The interpreter dies with a batch in flight: its jobs are active, locked by a dead process.
  const interpreter = startApp('interpreter');
  const persistedAtKill = await waitFor(async () => {
    const n = await db.message.count();
    return n > 0 ? n : 0;
  }, { what: 'the first messages', timeoutMs: 20_000, intervalMs: 5 });
  await kill(interpreter);
  expect(persistedAtKill).toBeLessThan(N);
  expect(await interpretQueue.getJobCountByTypes('active')).toBeGreaterThan(0);

  startApp('interpreter');
  await waitFor(async () => (await db.message.count()) === N && (await pending(interpretQueue)) === 0, { what: 'every message persisted', timeoutMs: 40_000 });

  expect(await db.rawEvent.count()).toBe(N);
  expect(await db.message.count()).toBe(N);
  expect(await db.messageIntent.count()).toBe(N);
  const perEvent = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM raw_events r JOIN messages m ON m.event_id = r.id`;
  expect(Number(perEvent[0]!.n)).toBe(N);
  expect(await db.contact.count({ where: { optedOut: true } })).toBe(Math.ceil(N / 3));
  expect(await inboundQueue.getJobCountByTypes('failed')).toBe(0);
  expect(await interpretQueue.getJobCountByTypes('failed')).toBe(0);
});
