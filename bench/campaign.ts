/**
 * Campaign benchmark: 20,000-recipient SMS campaigns sent by the dispatcher (its own process,
 * rate limit off) to the Twilio fake. Phase 1: the fake sends no callbacks, so the dispatcher has
 * the machine to itself: (a) sends per second (first to last POST the fake received). Phase 2: a
 * second campaign while the fake fires 4 signed status callbacks per message (queued, sent,
 * delivered, read) at a real ingest, applied by a real listener: (a') sends per second under that
 * load, (b) status callbacks applied per second (from the first callback to the last one applied
 * in Postgres). (c) the dispatcher's peak RSS over both.
 * Run: npm run bench:campaign   (BENCH_RECIPIENTS=20000, BENCH_CALLBACK_CONCURRENCY=32, BENCH_CALLBACK_DELAY_MS=1000)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { addCampaignRecipients, createDb, finishCampaign, launchCampaign, openCampaign } from '@switchboard/db';
import { createTestDatabase, freePort, startTwilioFake } from '@switchboard/testing';
import { describeMachine, machineInfo, markdownTable, otherCpu, RESULTS_DIR, startChild, unlinkPrefix, writeReadmeSection, type Child } from './support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 20_000);
const CALLBACK_CONCURRENCY = Number(process.env.BENCH_CALLBACK_CONCURRENCY ?? 32);
/** Twilio calls back a moment after it answers the create; 0 makes every callback race its message's SID being stored. */
const CALLBACK_DELAY_MS = Number(process.env.BENCH_CALLBACK_DELAY_MS ?? 1_000);
const ACCOUNT_SID = 'AC' + randomBytes(16).toString('hex');
const AUTH_TOKEN = randomBytes(16).toString('hex');
const STATUSES = ['queued', 'sent', 'delivered', 'read'] as const;
const TARGETS = { sendsPerS: 300, rssMb: 200 };

function workerNodeFlags(app: string): string[] {
  const scripts = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return (scripts[`start:${app}`] ?? '').split(/\s+/).filter((word) => /^--max-(old|semi)-space-size=\d+$/.test(word));
}

function peakRss(child: Child) {
  let peak = 0;
  const read = () => {
    try {
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN);
      if (Number.isFinite(kb)) peak = Math.max(peak, kb);
    } catch {
      // exited
    }
  };
  read();
  const idle = peak / 1024;
  const timer = setInterval(read, 100);
  return { idleMb: idle, stop: () => (clearInterval(timer), read(), peak / 1024) };
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, children: Child[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    for (const c of children) if (c.process.exitCode !== null) throw new Error(`${c.name} exited (${c.process.exitCode}) while waiting for ${what}:\n${c.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  const database = await createTestDatabase();
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const postgresVersion = (await sql.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0]!.v;
  const machine = machineInfo(redisVersion, postgresVersion);
  const db = createDb({ url: database.url, poolSize: 2 });
  const prefix = `bench${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const scratch = fs.mkdtempSync(path.join(RESULTS_DIR, 'campaign-'));
  const ingestPort = await freePort();
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;

  let firstCallbackAt = 0;
  let callbacksOn = false;
  const twilio = await startTwilioFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    callbackConcurrency: CALLBACK_CONCURRENCY,
    autoCallbackDelayMs: CALLBACK_DELAY_MS,
    autoCallbacks: () => {
      if (!callbacksOn) return [];
      firstCallbackAt ||= Date.now();
      return STATUSES.map((status) => ({ status }));
    },
  });
  const env = {
    NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', LOG_DIR: path.join(scratch, 'log'),
    SPOOL_DIR: path.join(scratch, 'spool'), ATTACHMENTS_DIR: path.join(scratch, 'attachments'), INGEST_PORT: String(ingestPort), PUBLIC_URL: ingestUrl,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: '+15005550006', TWILIO_API_BASE_URL: twilio.url,
    SEND_RATE_PER_SECOND: '0', DISPATCHER_CONCURRENCY: '32', ADMIN_TOKEN: randomBytes(24).toString('hex'),
  };
  const children: Child[] = [];
  try {
    children.push(await startChild({ name: 'ingest', command: process.execPath, args: ['apps/ingest/src/main.ts'], env, port: ingestPort }));
    children.push(await startChild({ name: 'listener', command: process.execPath, args: [...workerNodeFlags('listener'), 'apps/listener/src/main.ts'], env }));
    const dispatcher = await startChild({ name: 'dispatcher', command: process.execPath, args: [...workerNodeFlags('dispatcher'), 'apps/dispatcher/src/main.ts'], env });
    children.push(dispatcher);
    await new Promise((r) => setTimeout(r, 3_000));
    const rss = peakRss(dispatcher);

    const createCampaign = (offset: number) => db.$transaction(async (tx) => {
      const campaignId = await openCampaign(tx, { maxRetries: 3, retryBaseMs: 5_000, alertFailureRate: 0.2 });
      for (let i = 0; i < RECIPIENTS; i += 2_000) {
        await addCampaignRecipients(tx, campaignId, Array.from({ length: Math.min(2_000, RECIPIENTS - i) }, (_, k) => ({ address: `+336${offset}${String(i + k).padStart(7, '0')}`, variables: { firstName: `P${i + k}` } })));
      }
      await finishCampaign(tx, campaignId, { name: 'bench', channel: 'sms', provider: 'twilio', body: 'Bonjour {{firstName}}, une offre vous attend.' });
      return campaignId;
    }, { timeout: 120_000 });
    const sendRate = async (id: string, from: number) => {
      const launchedAt = Date.now();
      await launchCampaign(db, id, new Date());
      await waitUntil('every send', 900_000, async () => twilio.requests.length >= from + RECIPIENTS, children);
      const first = twilio.requests[from]!.at;
      const last = twilio.requests[from + RECIPIENTS - 1]!.at;
      return { perS: (RECIPIENTS - 1) / ((last - first) / 1000), launchToLastS: (last - launchedAt) / 1000 };
    };

    // Phase 1: sends alone.
    const quiet = await sendRate(await createCampaign(1), 0);

    // Phase 2: sends while every message is called back 4 times.
    const id = await createCampaign(2);
    callbacksOn = true;
    const cpu = otherCpu();
    const loaded = await sendRate(id, RECIPIENTS);
    const expected = RECIPIENTS * STATUSES.length;
    const applied = async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM message_statuses')).rows[0]!.n);
    await waitUntil('every callback applied', 900_000, async () => (await applied()) >= expected, children);
    const appliedAt = Date.now();
    const callbacksPerS = expected / ((appliedAt - firstCallbackAt) / 1000);
    const dispatcherPeak = rss.stop();
    const { rows } = await sql.query<{ status: string; read: number; completed_at: Date | null }>('SELECT status, read, completed_at FROM campaigns WHERE id = $1', [id]);
    const others = cpu.stop();
    const sendsPerS = quiet.perS;

    const report = [
      `Run: ${describeMachine(machine)} · ${RECIPIENTS.toLocaleString('en-US')} recipients, rate limit off, dispatcher concurrency 32, the fake answering at once and posting ${STATUSES.length} callbacks per message ${CALLBACK_DELAY_MS} ms after it (${CALLBACK_CONCURRENCY} in flight)`,
      '',
      markdownTable(['measure', 'value', 'target', ''], [
        ['(a) sends/s, dispatcher alone (first to last POST at the fake)', Math.round(sendsPerS), `≥ ${TARGETS.sendsPerS} (Twilio's highest account throughput is several hundred/s)`, sendsPerS >= TARGETS.sendsPerS ? 'met' : '**not met**'],
        ["(a') sends/s while the callbacks of phase 2 run through ingest + listener on the same 2 cores", Math.round(loaded.perS), '', ''],
        ['(b) status callbacks applied/s (first callback to last row in message_statuses)', Math.round(callbacksPerS), `${expected.toLocaleString('en-US')} callbacks through ingest + listener`, ''],
        ['(c) dispatcher peak RSS', `${dispatcherPeak.toFixed(0)} MB (idle ${rss.idleMb.toFixed(0)} MB)`, `< ${TARGETS.rssMb} MB`, dispatcherPeak < TARGETS.rssMb ? 'met' : '**not met**'],
        ['launch to last send (phase 1, phase 2)', `${quiet.launchToLastS.toFixed(1)} s, ${loaded.launchToLastS.toFixed(1)} s`, '', ''],
        ['campaign of phase 2 at the end', `${rows[0]?.status}, read ${rows[0]?.read}`, `completed, read ${RECIPIENTS}`, rows[0]?.status === 'completed' && rows[0]?.read === RECIPIENTS ? 'met' : '**not met**'],
      ]),
      '',
      `CPU outside these processes: other processes ${others.percentOfCore.toFixed(0)}% of a core, Redis + Postgres ${others.services.toFixed(0)}%.`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    writeReadmeSection('campaign', report);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await twilio.close();
    await unlinkPrefix(redis, prefix);
    redis.disconnect();
    await sql.end();
    await db.$disconnect();
    await database.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
