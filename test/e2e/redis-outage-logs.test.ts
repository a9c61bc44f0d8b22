import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@switchboard/db';
import { createTestDatabase, freePort, startPrivateRedis, uniquePrefix, waitFor, type PrivateRedis, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const APPS = ['ingest', 'listener', 'interpreter', 'dispatcher', 'console'] as const;
type App = (typeof APPS)[number];
const OUTAGE_MS = 20_000;
const authToken = 'outage0outage0outage0outage0abcd';
const prefix = uniquePrefix();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-redis-outage-'));

type Proc = { child: ChildProcess; stdout: () => string; stderr: () => string };
let redis: PrivateRedis;
let database: TestDatabase;
let db: Db;
const procs = new Map<App, Proc>();
let ingestPort: number;

function spawnApp(app: App): Proc {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [path.join(ROOT, `apps/${app}/src/main.ts`)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      INGEST_PORT: String(ingestPort),
      CONSOLE_PORT: '0',
      SPOOL_DIR: path.join(tmp, 'spool'),
      LOG_DIR: path.join(tmp, 'log'),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ADMIN_TOKEN: 'outage-test-admin-token-0123456789',
      TWILIO_AUTH_TOKEN: authToken,
      WORKER_STALLED_INTERVAL_MS: '2000',
      JOB_BACKOFF_BASE_MS: '100',
      JOB_BACKOFF_MAX_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Every stdout line as JSON; throws naming the first line that is not a JSON object. */
function jsonLines(app: App): Record<string, unknown>[] {
  const text = procs.get(app)!.stdout();
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null) throw new Error('not an object');
        return value as Record<string, unknown>;
      } catch {
        throw new Error(`${app} wrote a line to stdout that is not JSON: ${line}`);
      }
    });
}

const outageLines = (app: App) => jsonLines(app).filter((l) => l.dependency === 'redis');

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  redis = await startPrivateRedis({ persistent: true });
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  ingestPort = await freePort();
  for (const app of APPS) procs.set(app, spawnApp(app));
  await waitFor(() => APPS.every((app) => /"(ingest listening|listener started|interpreter started|dispatcher started|console listening)"/.test(procs.get(app)!.stdout())), {
    what: 'every process started',
    timeoutMs: 40_000,
    intervalMs: 100,
  });
});

afterAll(async () => {
  await Promise.all([...procs.values()].map((p) => stop(p.child)));
  await redis?.stop();
  await db?.$disconnect();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a 20 s Redis outage: every process writes JSON lines only, one when Redis goes, one when it is back, and nothing acknowledged is lost', async () => {
  const url = `http://127.0.0.1:${ingestPort}/webhooks/twilio/messages`;
  const post = async (i: number) => {
    const response = await postSignedTwilio(url, inboundSms({ Body: 'Oui intéressé', From: `+3366${String(i).padStart(7, '0')}` }), { authToken });
    expect(response.status).toBe(200);
  };
  await post(0);
  await waitFor(async () => (await db.message.count()) === 1, { what: 'the first message', timeoutMs: 20_000 });

  await redis.kill();
  const downAt = Date.now();
  // Ingest spools what it acknowledges meanwhile.
  let sent = 1;
  await waitFor(
    async () => {
      if (sent < 40) await post(sent++);
      return Date.now() - downAt >= OUTAGE_MS;
    },
    { what: 'the end of the outage', timeoutMs: OUTAGE_MS + 15_000, intervalMs: 500 },
  );
  await waitFor(() => APPS.every((app) => outageLines(app).some((l) => l.outage === 'down')), { what: 'every process to report Redis down' });
  await redis.start();

  await waitFor(() => APPS.every((app) => outageLines(app).some((l) => l.outage === 'up')), { what: 'every process to report Redis back', timeoutMs: 30_000 });
  await waitFor(async () => (await db.message.count()) === sent, { what: 'every acknowledged message stored', timeoutMs: 40_000 });
  await Promise.all([...procs.values()].map((p) => stop(p.child)));

  for (const app of APPS) {
    const lines = jsonLines(app);
    expect(lines.every((l) => typeof l.level === 'string' && typeof l.message === 'string')).toBe(true);
    const outage = outageLines(app);
    expect(outage[0]).toMatchObject({ level: 'warn', message: 'redis unreachable', outage: 'down', code: expect.any(String) });
    const back = outage.find((l) => l.outage === 'up');
    expect(back).toMatchObject({ level: 'info', message: 'redis reachable again', downForMs: expect.any(Number), jobsWaiting: expect.any(Number) });
    expect(back!.downForMs as number).toBeGreaterThanOrEqual(OUTAGE_MS - 5_000);
    // Two lines for the outage (a summary only comes after a minute), whatever the reconnect attempts.
    expect(outage.filter((l) => l.outage !== 'ongoing')).toHaveLength(2);
    // No stack trace anywhere: not on stdout (JSON only, checked above) and not on stderr.
    expect(procs.get(app)!.stderr()).not.toMatch(/\n\s+at |Error: connect/);
  }
  const ingestBack = outageLines('ingest').find((l) => l.outage === 'up')!;
  expect(ingestBack.jobsWaiting as number).toBeGreaterThan(0);
}, 150_000);
