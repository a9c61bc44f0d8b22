/**
 * The pipeline side by side with its peer (`../shared/peers/naive-worker`): the same signed SMS
 * posted to each system's front door with its workers stopped, then the workers started (both of
 * Switchboard's ready before either takes a job) and timed from the first stored message to the
 * last one stored with its intent. Both run on one
 * private redis-server (the naive peers' queue has a fixed name, which another benchmark on the
 * shared Redis could be using), one after the other, each with a database of its own.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createQueue } from '@switchboard/queues';
import { freePort, startPrivateRedis } from '@switchboard/testing';
import { commandCpuMs, cpuMs, startChild, type Child } from './support.ts';
import { signForm, twilioMessageFactory } from './twilio-forms.ts';

const ROUTE = '/webhooks/twilio/messages';
const NAIVE = '/work/shared/peers';
/** Requests in flight while posting (the ingest benchmark's connection count). */
const POST_CONCURRENCY = 32;

export type DrainResult = {
  system: string;
  messages: number;
  /** First stored message to the last one stored with its intent. */
  seconds: number;
  perSecond: number;
  /** How long the posting took, and the answers that were not 2xx (there should be none). */
  postSeconds: number;
  refused: number;
  /** Peak RSS of each worker process while it drained, MB. */
  peakRssMb: Record<string, number>;
  /** CPU time the worker processes spent per message during the drain (ms): steadier than rates on a shared machine. */
  cpuMsPerMessage: number;
  /** The same, each worker apart. */
  cpuMsPerMessageByWorker: Record<string, number>;
  /** CPU time Postgres (every backend, this run's and any other's) spent per message during the drain (ms). */
  postgresMsPerMessage: number;
  /** Per message, from the workers' start to their stop: what Redis and Postgres were asked. */
  perMessage: ServiceCounts;
};

/** Redis commands (all, and Lua scripts: BullMQ's moves), Redis CPU, Postgres transactions and rows written. */
type ServiceCounts = { redisCalls: number; redisScripts: number; redisUsec: number; pgCommits: number; pgRowsWritten: number } & Record<`cmd_${string}`, number>;

/** The counters of the private Redis (INFO commandstats) and of one database (pg_stat_database). */
async function serviceCounts(redisUrl: string, databaseUrl: string): Promise<ServiceCounts> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const sql = new pg.Client({ connectionString: databaseUrl });
  try {
    const counts: ServiceCounts = { redisCalls: 0, redisScripts: 0, redisUsec: 0, pgCommits: 0, pgRowsWritten: 0 };
    for (const [, command, calls, usec] of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      counts.redisCalls += Number(calls);
      counts[`cmd_${command!}`] = Number(calls);
      counts.redisUsec += Number(usec);
      if (/^(evalsha|eval|fcall)$/.test(command!)) counts.redisScripts += Number(calls);
    }
    await sql.connect();
    // Statistics reach pg_stat_database when a backend goes idle: read after the workers stopped.
    const { rows } = await sql.query<{ c: string; w: string }>(
      'SELECT xact_commit AS c, tup_inserted + tup_updated + tup_deleted AS w FROM pg_stat_database WHERE datname = current_database()',
    );
    counts.pgCommits = Number(rows[0]!.c);
    counts.pgRowsWritten = Number(rows[0]!.w);
    return counts;
  } finally {
    redis.disconnect();
    await sql.end();
  }
}

const perMessage = (before: ServiceCounts, after: ServiceCounts, messages: number): ServiceCounts =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (before[k as keyof ServiceCounts] ?? 0)) / messages])) as ServiceCounts;

/** The Redis commands sent most per message, e.g. `evalsha 1.02, bzpopmin 0.4`. */
export function topCommands(counts: ServiceCounts, n = 4): string {
  return Object.entries(counts).filter(([k]) => k.startsWith('cmd_')).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k.slice(4)} ${v.toFixed(2)}`).join(', ');
}

export type PeerRunOptions = {
  messages: number;
  /** `postgresql://…/postgres`: where the scratch databases are created and dropped. */
  adminUrl: string;
  /** Clones a migrated Switchboard database; returns its URL and how to drop it. */
  switchboardDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** The V8 flags `npm run start:<app>` gives a worker. */
  workerFlags(app: string): string[];
  scratch: string;
};

export type PeerRound = { naive: DrainResult; switchboard: DrainResult };

/**
 * Runs the naive pair and Switchboard `rounds` times on one private Redis, alternating which goes
 * first (naive first in odd rounds) so that drift does not favour one system; `best` is each
 * system's fastest round (other work on the machine only ever slows a drain down), as in
 * `bench:ingest`.
 */
export async function runPeerComparison(options: PeerRunOptions & { rounds: number }): Promise<{ rounds: PeerRound[]; best: PeerRound }> {
  const redis = await startPrivateRedis();
  try {
    const rounds: PeerRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      if (round % 2 === 1) {
        const naive = await naiveDrain(options, redis.url);
        rounds.push({ naive, switchboard: await switchboardDrain(options, redis.url) });
      } else {
        const switchboard = await switchboardDrain(options, redis.url);
        rounds.push({ naive: await naiveDrain(options, redis.url), switchboard });
      }
    }
    const fastest = (pick: (r: PeerRound) => DrainResult) => rounds.map(pick).reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    return { rounds, best: { naive: fastest((r) => r.naive), switchboard: fastest((r) => r.switchboard) } };
  } finally {
    await redis.stop();
  }
}

async function naiveDrain(options: PeerRunOptions, redisUrl: string): Promise<DrainResult> {
  const db = await scratchDatabase(options.adminUrl, 'naive');
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const children: Child[] = [];
  const sql = new pg.Client({ connectionString: db.url });
  try {
    const server = await startChild({
      name: 'naive-express', port, command: process.execPath, args: [`${NAIVE}/naive-express/server.cjs`],
      env: { NODE_ENV: 'production', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TWILIO_AUTH_TOKEN: token, REDIS_URL: redisUrl },
    });
    children.push(server);
    const posted = await postSignedSms(`http://127.0.0.1:${port}`, token, options.messages);
    await server.stop();
    const before = await serviceCounts(redisUrl, db.url);
    const worker = await startChild({
      name: 'naive-worker', command: process.execPath, args: [`${NAIVE}/naive-worker/worker.cjs`],
      env: { NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL: redisUrl },
    });
    children.push(worker);
    await sql.connect();
    const drain = await timeDrain([worker], options.messages, async () => {
      const exists = await sql.query<{ t: string | null }>("SELECT to_regclass('naive_messages') AS t");
      if (!exists.rows[0]!.t) return { stored: 0, done: 0 };
      const n = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM naive_messages')).rows[0]!.n);
      return { stored: n, done: n };
    });
    await worker.stop();
    const counts = perMessage(before, await serviceCounts(redisUrl, db.url), options.messages);
    return { system: 'naive worker (../shared/peers/naive-worker, 16 in flight, two INSERTs per job)', ...drain, ...posted, perMessage: counts };
  } finally {
    for (const c of children) await c.stop();
    await sql.end().catch(() => undefined);
    await db.drop();
  }
}

async function switchboardDrain(options: PeerRunOptions, redisUrl: string): Promise<DrainResult> {
  const db = await options.switchboardDatabase();
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const prefix = `peer${randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(options.scratch, 'peer-'));
  const env = {
    NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', HOST: '127.0.0.1',
    LOG_DIR: path.join(dir, 'log'), SPOOL_DIR: path.join(dir, 'spool'), ATTACHMENTS_DIR: path.join(dir, 'attachments'),
    // The workers' own settings, when the run is given some (LISTENER_CONCURRENCY=16, say).
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(LISTENER|INTERPRETER)_/.test(name))),
  };
  const children: Child[] = [];
  const sql = new pg.Client({ connectionString: db.url });
  try {
    const ingest = await startChild({
      name: 'ingest', port, command: process.execPath, args: ['apps/ingest/src/main.ts'],
      env: { ...env, INGEST_PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TWILIO_AUTH_TOKEN: token },
    });
    children.push(ingest);
    const posted = await postSignedSms(`http://127.0.0.1:${port}`, token, options.messages);
    await ingest.stop();
    const before = await serviceCounts(redisUrl, db.url);
    // Both workers start with the inbound queue paused and it resumes once both are ready (each
    // listens on its metrics port after its set-up, the interpreter's classifier trained): else
    // the listener, which starts faster, does much of its share before the interpreter stores the
    // first message and the clock starts, and the drain would time the interpreter alone.
    const control = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const inbound = createQueue('inbound', { connection: control, prefix });
    await inbound.pause();
    const workers = [];
    for (const app of ['listener', 'interpreter']) {
      const metricsPort = await freePort();
      workers.push(await startChild({ name: app, port: metricsPort, command: process.execPath, args: [...options.workerFlags(app), `apps/${app}/src/main.ts`], env: { ...env, METRICS_PORT: String(metricsPort) } }));
    }
    children.push(...workers);
    await inbound.resume();
    await inbound.close();
    control.disconnect();
    await sql.connect();
    // One cheap question per poll (the polls run on the same two cores as the drain): whether a
    // message is stored yet, then how many have their intent.
    let started = false;
    const drain = await timeDrain(workers, options.messages, async () => {
      if (!started) {
        started = (await sql.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM messages) AS any')).rows[0]!.any;
        if (!started) return { stored: 0, done: 0 };
      }
      const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM message_intents');
      return { stored: 1, done: Number(rows[0]!.n) };
    });
    for (const w of workers) await w.stop();
    const counts = perMessage(before, await serviceCounts(redisUrl, db.url), options.messages);
    return { system: 'Switchboard listener + interpreter (ingest, then the workers as `npm run start:*` runs them)', ...drain, ...posted, perMessage: counts };
  } finally {
    for (const c of children) await c.stop();
    await sql.end().catch(() => undefined);
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Posts `count` distinct signed Twilio SMS forms, POST_CONCURRENCY at a time. */
async function postSignedSms(baseUrl: string, token: string, count: number): Promise<{ postSeconds: number; refused: number }> {
  const forms = twilioMessageFactory();
  const url = baseUrl + ROUTE;
  let next = 0;
  let refused = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < count) {
      next += 1;
      const { signature, body } = signForm(token, url, forms.sms());
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body });
      await res.arrayBuffer();
      if (res.status >= 300) refused += 1;
    }
  };
  await Promise.all(Array.from({ length: POST_CONCURRENCY }, lane));
  return { postSeconds: (performance.now() - t0) / 1000, refused };
}

/**
 * Polls every 25 ms: the clock starts at the first poll that sees a stored message and stops at
 * the first that sees `expected` done (stored with intent); peak RSS of the workers meanwhile.
 */
async function timeDrain(workers: Child[], expected: number, count: () => Promise<{ stored: number; done: number }>) {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const w of workers) {
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${w.pid}/status`, 'utf8'))?.[1] ?? NaN);
      peak[w.name] = kb / 1024;
    }
  };
  const deadline = Date.now() + 300_000;
  let first: number | undefined;
  let postgresAtFirst = 0;
  let workerCpuAtFirst: number[] = [];
  for (;;) {
    for (const w of workers) if (w.process.exitCode !== null) throw new Error(`${w.name} exited (${w.process.exitCode}):\n${w.output()}`);
    const now = performance.now();
    const { stored, done } = await count();
    if (first === undefined && stored > 0) {
      first = now;
      postgresAtFirst = commandCpuMs('postgres');
      workerCpuAtFirst = workers.map((w) => cpuMs([w]));
    }
    if (done >= expected) {
      sample();
      const seconds = (now - first!) / 1000;
      const byWorker = workers.map((w, i) => [w.name, (cpuMs([w]) - workerCpuAtFirst[i]!) / expected] as const);
      return {
        messages: expected, seconds, perSecond: expected / seconds, peakRssMb: peak,
        cpuMsPerMessage: byWorker.reduce((sum, [, ms]) => sum + ms, 0),
        cpuMsPerMessageByWorker: Object.fromEntries(byWorker),
        postgresMsPerMessage: (commandCpuMs('postgres') - postgresAtFirst) / expected,
      };
    }
    if (Date.now() > deadline) throw new Error(`drain timed out: ${done} of ${expected} done`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An empty database for the naive worker (it creates its own tables). */
async function scratchDatabase(adminUrl: string, tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sb_bench_${tag}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}
