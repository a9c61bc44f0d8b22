import { createDb, type Db } from '@switchboard/db';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createTestDatabase, startPrivateRedis, testConfig, testLogger, uniquePrefix, waitFor, type PrivateRedis, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const authToken = 'outage0outage0outage0outage0abcd';
let redis: PrivateRedis;
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
let listener: ListenerService;
let interpreter: InterpreterService;

beforeAll(async () => {
  redis = await startPrivateRedis({ persistent: true });
  database = await createTestDatabase();
  const config = testConfig({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: uniquePrefix(),
    TWILIO_AUTH_TOKEN: authToken,
    LISTENER_CONCURRENCY: '16',
    INTERPRETER_CONCURRENCY: '16',
    // Jobs a worker held when Redis died are taken back quickly.
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  db = createDb({ url: database.url, poolSize: 2 });
  ingest = await startIngest(config, testLogger('ingest'));
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
});

afterAll(async () => {
  await Promise.all([ingest?.close(), listener?.close(), interpreter?.close()]);
  await redis?.stop();
  await db?.$disconnect();
  await database?.drop();
});

type Result = { sid: string; status: number };

/** `count` signed SMS from `loops` concurrent senders; every answer is recorded. */
async function post(count: number, loops: number, results: Result[]): Promise<void> {
  const url = `${ingest.url}/webhooks/twilio/messages`;
  let next = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < count) {
        next += 1;
        const sms = inboundSms({ Body: 'Oui, intéressé', From: `+336${String(10_000_000 + results.length).slice(-8)}` });
        const response = await postSignedTwilio(url, sms, { authToken }).catch(() => ({ status: 0 }));
        results.push({ sid: sms.MessageSid!, status: response.status });
      }
    }),
  );
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${ingest.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('ingest while Redis dies and comes back', () => {
  test('every acknowledged SMS reaches Postgres exactly once, and every request got a 2xx or a 503', async () => {
    const results: Result[] = [];
    await post(100, 4, results);
    // SIGKILL Redis while 150 more requests are in flight: these are spooled.
    await Promise.all([post(150, 4, results), redis.kill()]);
    // Start it again (same port, same AOF) while 150 more arrive: the spool drains into it.
    await Promise.all([post(150, 4, results), redis.start()]);

    expect(results).toHaveLength(400);
    expect(results.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    const acknowledged = results.filter((r) => r.status === 200).map((r) => r.sid);
    expect(acknowledged.length).toBeGreaterThan(0);
    // The outage really happened: some events went through the spool.
    expect(await metric('switchboard_ingest_events_accepted_total', 'outcome="spooled"')).toBeGreaterThan(0);

    await waitFor(async () => (await db.message.count({ where: { externalId: { in: acknowledged } } })) === acknowledged.length, {
      timeoutMs: 30_000,
      what: `${acknowledged.length} acknowledged messages in Postgres`,
    });
    const messages = await db.message.groupBy({ by: ['externalId'], where: { externalId: { in: acknowledged } }, _count: true });
    expect(messages.filter((m) => m._count !== 1)).toEqual([]);
    const events = await db.rawEvent.groupBy({ by: ['dedupKey'], where: { dedupKey: { in: acknowledged } }, _count: true });
    expect(events).toHaveLength(acknowledged.length);
    expect(events.filter((e) => e._count !== 1)).toEqual([]);
    await waitFor(async () => (await fetch(`${ingest.url}/metrics`).then((r) => r.text())).includes('switchboard_ingest_spool_entries 0'), {
      what: 'an empty spool',
    });
  });
});
