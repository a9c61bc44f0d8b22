import { createDb, type Db } from '@switchboard/db';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, startTcpRelay, testConfig, uniquePrefix, waitFor, type TcpRelay, type TestDatabase } from '@switchboard/testing';
import { capturingLogger, inboundSms, postSignedTwilio } from './helpers.ts';

// A Redis host that disappears without a reset while its service comes back at the same address (a
// failover behind a stable name or virtual IP): every open connection goes silent for good, and
// only a new connection reaches Redis. Without the silence limit, ingest would spool for as long
// as TCP takes to give up (about 15 minutes) and the workers would wait as long with their jobs.
const SILENCE_LIMIT_MS = 1_000;
const authToken = 'stranded0stranded0stranded0abcde';

let relay: TcpRelay;
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
let listener: ListenerService;
let interpreter: InterpreterService;
const logs = { ingest: capturingLogger('ingest'), listener: capturingLogger('listener'), interpreter: capturingLogger('interpreter') };
const prefix = uniquePrefix();
const direct = createRedis('redis://127.0.0.1:6379', 'worker');

beforeAll(async () => {
  relay = await startTcpRelay({ host: '127.0.0.1', port: 6379 });
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  const config = testConfig({
    DATABASE_URL: database.url,
    REDIS_URL: relay.via('redis://127.0.0.1:6379'),
    REDIS_SILENCE_LIMIT_MS: String(SILENCE_LIMIT_MS),
    QUEUE_PREFIX: prefix,
    TWILIO_AUTH_TOKEN: authToken,
    LISTENER_CONCURRENCY: '16',
    INTERPRETER_CONCURRENCY: '16',
  });
  ingest = await startIngest(config, logs.ingest.logger);
  listener = await startListener(config, logs.listener.logger);
  interpreter = await startInterpreter(config, logs.interpreter.logger);
});

afterAll(async () => {
  await Promise.all([ingest?.close(), listener?.close(), interpreter?.close()]);
  await relay?.close();
  for (const name of ['inbound', 'interpret', 'delivery'] as const) {
    const queue = createQueue(name, { connection: direct, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  direct.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

type Result = { sid: string; status: number };

/** `count` signed SMS from 4 concurrent senders; every answer is recorded. */
async function post(count: number, results: Result[]): Promise<void> {
  const url = `${ingest.url}/webhooks/twilio/messages`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        next += 1;
        const sms = inboundSms({ Body: 'Oui, intéressé', From: `+336${String(20_000_000 + results.length).slice(-8)}` });
        const response = await postSignedTwilio(url, sms, { authToken }).catch(() => ({ status: 0 }));
        results.push({ sid: sms.MessageSid!, status: response.status });
      }
    }),
  );
}

test('every open Redis connection going silent for good: ingest keeps answering 2xx, each process replaces its connections after the limit, and every SMS is stored once with its intent', async () => {
  const results: Result[] = [];
  await post(40, results);
  await waitFor(async () => (await db.messageIntent.count()) === 40, { what: 'the first SMS interpreted', timeoutMs: 20_000 });

  relay.strand();
  const strandedAt = Date.now();
  // Requests keep arriving while the connections are silent and after they are replaced.
  await post(80, results);
  await waitFor(() => Object.values(logs).every(({ lines }) => lines.some((l) => l.message === 'redis connection silent: dropping it to reconnect')), {
    what: 'every process to drop its silent connection',
    timeoutMs: 20_000,
  });
  await post(40, results);

  expect(results).toHaveLength(160);
  expect(results.filter((r) => r.status !== 200)).toEqual([]);
  const sids = results.map((r) => r.sid);
  await waitFor(async () => (await db.messageIntent.count()) === sids.length, { what: 'every SMS stored and interpreted', timeoutMs: 60_000, intervalMs: 250 });
  // Each once, none lost, none doubled.
  expect(await db.message.count({ where: { externalId: { in: sids } } })).toBe(sids.length);
  expect(await db.message.count()).toBe(sids.length);
  expect(await db.rawEvent.count()).toBe(sids.length);

  // Each process says so once per connection it dropped, after the limit, and its outage ends.
  for (const [name, { lines }] of Object.entries(logs)) {
    const dropped = lines.filter((l) => l.message === 'redis connection silent: dropping it to reconnect');
    expect(dropped.length).toBeGreaterThanOrEqual(1);
    for (const line of dropped) {
      expect(line).toMatchObject({ level: 'warn', connection: expect.any(String), silentForMs: expect.any(Number) });
      expect(line.silentForMs as number).toBeGreaterThanOrEqual(SILENCE_LIMIT_MS);
      expect(Date.parse(line.timestamp) - strandedAt).toBeGreaterThanOrEqual(SILENCE_LIMIT_MS - 50);
    }
    const outage = lines.filter((l) => l.dependency === 'redis');
    expect({ name, ...outage[0] }).toMatchObject({ name, level: 'warn', outage: 'down', code: 'ETIMEDOUT' });
    expect({ name, ...outage.at(-1) }).toMatchObject({ name, level: 'info', outage: 'up' });
  }
});
