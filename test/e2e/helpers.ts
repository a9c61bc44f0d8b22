import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createDb, type Db } from '@switchboard/db';
import { createLogger, type Logger } from '@switchboard/logger';
import { createQueue, createRedis, queueKeys } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, uniquePrefix, type Subscriber, type TestDatabase } from '@switchboard/testing';
import webhooks from 'twilio/lib/webhooks/webhooks.js';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

/** Posts a form to `url` signed as Twilio signs it (with the twilio package's own algorithm). */
export async function postSignedTwilio(
  url: string,
  params: Record<string, string>,
  options: { authToken: string; signature?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': options.signature ?? getExpectedTwilioSignature(options.authToken, url, params),
      ...options.headers,
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

export type LogLine = Record<string, unknown> & { level: string; message: string; timestamp: string };

/** The app's own logger (JSON, redaction and all), its lines kept for the test to read. */
export function capturingLogger(service: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ service, level: 'info', format: 'json', console: false });
  logger.add(new winston.transports.Stream({ stream: new Writable({ objectMode: true, write: (info: LogLine, _enc, done) => (lines.push({ ...info }), done()) }) }));
  return { logger, lines };
}

let counter = 0;
/** A fresh, realistic MessageSid. */
export function messageSid(): string {
  counter += 1;
  return `SM${Date.now().toString(16).padStart(16, '0')}${counter.toString(16).padStart(16, '0')}`;
}

/** An inbound SMS as Twilio posts it. */
export function inboundSms(overrides: Record<string, string> = {}): Record<string, string> {
  const sid = overrides.MessageSid ?? messageSid();
  return {
    ToCountry: 'FR', ToState: '', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid, FromState: '',
    SmsStatus: 'received', FromCity: '', Body: 'Bonjour', FromCountry: 'FR', To: '+33757000000', ToZip: '', NumSegments: '1',
    MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+33612345678', ApiVersion: '2010-04-01',
    ...overrides,
  };
}

/**
 * A webhook subscriber verifying with `secret` that is down for its first request (503
 * "maintenance") and takes every later one (204): the first delivery is retried.
 */
export function startSubscriberDownOnce(secret: string): Promise<Subscriber> {
  return startSubscriber({ secrets: [secret], respond: (r) => (r.n === 1 ? { status: 503, body: 'maintenance' } : { status: 204 }) });
}

export type RawAnswer = { status: number; body: string } | { status: 'reset'; error: string };

/**
 * Posts `body` over a plain HTTP/1.1 connection the way a careful client does when a server may
 * refuse early: it writes in chunks, waits for each to drain, and stops writing as soon as an
 * answer arrives. `fetch` instead keeps writing and fails with EPIPE when ingest answers 413 and
 * closes mid-upload. If the connection is reset before any answer could be read (the kernel may
 * drop a received answer on RST), the result says `reset`: the caller then checks ingest's own
 * record of what it answered (its metrics) rather than trusting a lost reply.
 */
export function postRaw(url: string, body: Buffer, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => settle({ status: 'reset', error: err.message }));
    });
    req.on('error', (err) => {
      // A write error after the answer began is expected (the server closed on purpose): the
      // answer's own 'end' settles the promise.
      if (!answered) settle({ status: 'reset', error: err.message });
    });
    const chunkSize = 16 * 1024;
    let offset = 0;
    const writeMore = () => {
      while (!answered && offset < body.length) {
        const chunk = body.subarray(offset, offset + chunkSize);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      if (!answered) req.end();
    };
    writeMore();
  });
}

export type AppName = 'ingest' | 'listener' | 'interpreter' | 'dispatcher' | 'console';

/**
 * The app processes one test file starts, each as `npm run start:<app>` runs it (its own
 * process, the env given and nothing else but PATH), tracked so the file can kill them all.
 */
export function appProcesses(root: string) {
  const children = new Set<ChildProcess>();
  /** Resolves once the process has exited (at once if it already had). */
  const kill = (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return {
    start(app: AppName, env: Record<string, string | undefined>): ChildProcess {
      const child = spawn(process.execPath, [path.join(root, `apps/${app}/src/main.ts`)], {
        cwd: root,
        env: { PATH: process.env.PATH, ...env },
        stdio: process.env.TEST_LOGS ? 'inherit' : 'ignore',
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    kill,
    killAll: (signal: NodeJS.Signals = 'SIGKILL') => Promise.all([...children].map((c) => kill(c, signal))).then(() => undefined),
  };
}

/** What keeps a test file apart from the others: a queue prefix and a database of its own. */
export type TestBed = {
  prefix: string;
  database: TestDatabase;
  /** A client of the bed's database for the test's own reads. */
  db: Db;
  /** Removes every queue of the prefix (jobs and all), then drops the database. */
  close(): Promise<void>;
};

/** Creates the file's database (cloned from the migrated template) under `prefix`, a new one by default. */
export async function openTestBed(options: { prefix?: string; poolSize?: number } = {}): Promise<TestBed> {
  const prefix = options.prefix ?? uniquePrefix();
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolSize: options.poolSize ?? 4 });
  return {
    prefix, database, db,
    async close() {
      const redis = createRedis('redis://127.0.0.1:6379', 'worker');
      const queues = queueKeys().map((key) => createQueue(key, { connection: redis, prefix }));
      await Promise.all(queues.map((q) => q.obliterate({ force: true })));
      await Promise.all(queues.map((q) => q.close()));
      redis.disconnect();
      await db.$disconnect();
      await database.drop();
    },
  };
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A test file that runs the apps as their own processes (to kill them): `appProcesses` with a
 * test bed (made by `open`, in beforeAll) and a temp folder of the file's own. `start` points an
 * app at the bed, logging warnings into the folder; `close` kills what is left, then removes the
 * bed and the folder.
 */
export function appProcessBed(name: string) {
  const prefix = uniquePrefix();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sb-${name}-`));
  const apps = appProcesses(ROOT);
  let bed: TestBed | undefined;
  return {
    prefix,
    tmp,
    async open(): Promise<TestBed> {
      bed = await openTestBed({ prefix, poolSize: 2 });
      return bed;
    },
    /** Starts `app` on the bed with `env` besides (its providers, concurrency…). */
    start(app: AppName, env: Record<string, string>): ChildProcess {
      if (!bed) throw new Error('the test bed is not open yet (open it in beforeAll)');
      return apps.start(app, {
        NODE_ENV: 'test', DATABASE_URL: bed.database.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', LOG_DIR: path.join(tmp, 'log'),
        // A killed app's jobs come back within a second or two instead of thirty.
        WORKER_STALLED_INTERVAL_MS: '1000',
        ...env,
      });
    },
    kill: apps.kill,
    killAll: apps.killAll,
    async close() {
      await apps.killAll();
      await bed?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
