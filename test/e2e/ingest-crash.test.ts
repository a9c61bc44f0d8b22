import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@switchboard/db';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createTestDatabase, freePort, startPrivateRedis, testConfig, testLogger, uniquePrefix, waitFor, type PrivateRedis, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const authToken = 'crash0crash0crash0crash0crash0ab';
const prefix = uniquePrefix();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ingest-crash-'));
const spoolDir = path.join(tmp, 'spool');
let redis: PrivateRedis;
let database: TestDatabase;
let db: Db;
let listener: ListenerService;
let interpreter: InterpreterService;
const children: ChildProcess[] = [];

/** apps/ingest/src/main.ts as its own process, as production runs it. */
async function spawnIngest(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(ROOT, 'apps/ingest/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      INGEST_PORT: String(port),
      SPOOL_DIR: spoolDir,
      LOG_DIR: path.join(tmp, 'log'),
      LOG_LEVEL: 'warn',
      TWILIO_AUTH_TOKEN: authToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => child.exitCode === null && fetch(`${url}/healthz`).then((r) => r.ok), { timeoutMs: 20_000, what: `ingest on ${port} (${output})` });
  return { child, url, output: () => output };
}

beforeAll(async () => {
  redis = await startPrivateRedis({ persistent: true });
  database = await createTestDatabase();
  const config = testConfig({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    LISTENER_CONCURRENCY: '16',
    INTERPRETER_CONCURRENCY: '16',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  db = createDb({ url: database.url, poolSize: 2 });
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([listener?.close(), interpreter?.close()]);
  await redis?.stop();
  await db?.$disconnect();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Result = { sid: string; status: number };

/** `count` signed SMS from `loops` concurrent senders; status 0 when the connection failed (no answer). */
async function post(url: string, count: number, loops: number, results: Result[], onEach?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < count) {
        next += 1;
        const sms = inboundSms({ Body: 'Rappelez-moi svp', From: `+336${String(20_000_000 + results.length).slice(-8)}` });
        const response = await postSignedTwilio(`${url}/webhooks/twilio/messages`, sms, { authToken }).catch(() => ({ status: 0 }));
        results.push({ sid: sms.MessageSid!, status: response.status });
        onEach?.((done += 1));
      }
    }),
  );
}

describe('ingest killed while Redis is down', () => {
  test('events only in the dead process’s spool are drained by the next process, each reaching Postgres exactly once', async () => {
    const first = await spawnIngest();
    const results: Result[] = [];
    await post(first.url, 60, 4, results);

    await redis.kill();
    // Redis is down: these are spooled; SIGKILL the process part way through.
    const killed = new Promise((resolve) => first.child.once('exit', resolve));
    await post(first.url, 150, 4, results, (done) => done === 80 && first.child.kill('SIGKILL'));
    await killed;
    expect(results.filter((r) => ![200, 503, 0].includes(r.status))).toEqual([]);
    // The dead process left acknowledged events in its own segment, and nowhere else.
    const orphans = fs.readdirSync(spoolDir).filter((n) => n.startsWith(`${first.child.pid}-`));
    expect(orphans.length).toBeGreaterThan(0);

    // A new process on the same spool, Redis still down; then Redis comes back with its AOF.
    const second = await spawnIngest();
    await post(second.url, 40, 4, results);
    await redis.start();

    const acknowledged = results.filter((r) => r.status === 200).map((r) => r.sid);
    expect(acknowledged.length).toBeGreaterThan(100);
    await waitFor(async () => (await db.message.count({ where: { externalId: { in: acknowledged } } })) === acknowledged.length, {
      timeoutMs: 30_000,
      what: `${acknowledged.length} acknowledged messages in Postgres (ingest: ${second.output()})`,
    });
    const events = await db.rawEvent.groupBy({ by: ['dedupKey'], where: { dedupKey: { in: acknowledged } }, _count: true });
    expect(events).toHaveLength(acknowledged.length);
    expect(events.filter((e) => e._count !== 1)).toEqual([]);
    const messages = await db.message.groupBy({ by: ['externalId'], where: { externalId: { in: acknowledged } }, _count: true });
    expect(messages.filter((m) => m._count !== 1)).toEqual([]);
    // The dead process's segments were drained and deleted.
    await waitFor(() => fs.readdirSync(spoolDir).filter((n) => n.startsWith(`${first.child.pid}-`)).length === 0, { what: 'the orphan segments gone' });
  });
});
