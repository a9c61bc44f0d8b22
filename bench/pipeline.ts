/**
 * Pipeline benchmark. (d) first, side by side with the naive worker peer (see pipeline-peer.ts):
 * the same signed SMS through each system's front door with its workers stopped, then drained.
 * Then the listener and the interpreter as child processes, on a fresh database cloned from the
 * migrated template and a queue prefix of their own, fed with realistic raw events on the inbound
 * queue (as ingest makes them). Measures (a) sustained events/s from enqueue to
 * persisted-with-intent, (b) enqueue-to-persisted latency at a steady offered load, (c) each
 * worker's peak RSS.
 * Run: npm run bench:pipeline   (BENCH_PEER_MESSAGES=10000, BENCH_PEER_ROUNDS=3, BENCH_EVENTS=20000, BENCH_RATE=500, BENCH_STEADY_S=20)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { RawEventPayload } from '@switchboard/events';
import { mailgunSignature, normalizeEvent } from '@switchboard/providers';
import { enqueueBulk, jobs } from '@switchboard/queues';
import { ensureTemplateDatabase } from '@switchboard/testing';
import { runPeerComparison, topCommands, type DrainResult } from './pipeline-peer.ts';
import { cpuMs, describeMachine, fmt, machineInfo, markdownTable, otherCpu, RESULTS_DIR, startChild, unlinkPrefix, writeReadmeSection, type Child } from './support.ts';
import { MESSAGE_TEXTS, signForm, twilioMessageFactory } from './twilio-forms.ts';

/**
 * The V8 flags `npm run start:<app>` gives the worker (heap limits), so the benchmark runs it as
 * users do; with BENCH_PROFILE_DIR, each worker also writes a CPU profile there (`--cpu-prof`);
 * BENCH_WORKER_FLAGS adds flags of your own to both workers (`--trace-gc`, say), for experiments.
 */
function workerNodeFlags(app: string): string[] {
  const scripts = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
  return [...(scripts[`start:${app}`] ?? '').split(/\s+/).filter((word) => /^--max-(old|semi)-space-size=\d+$/.test(word)), ...profile, ...(process.env.BENCH_WORKER_FLAGS?.split(' ').filter(Boolean) ?? [])];
}

/** BENCH_ONLY=peer: (d) alone, printed but not written to the README (a partial run). */
const PEER_ONLY = process.env.BENCH_ONLY === 'peer';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const BURST_EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 20);
const PUBLIC_URL = 'https://switchboard.example.com';
const AUTH_TOKEN = randomBytes(16).toString('hex');
const PEER_MESSAGES = Number(process.env.BENCH_PEER_MESSAGES ?? 10_000);
const PEER_ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 3);
const TARGETS = { eventsPerS: 2_000, p99Ms: 100, rssMb: 200, peerRatio: 3 };

/** One kind of raw event the benchmark can make; `message` once the registry says it normalizes to one. */
type EventKind = { name: string; weight: number; make(receivedAt: string): RawEventPayload; message?: boolean };

const EMAIL_TEXTS = [
  { subject: 'Re: Votre devis', reply: 'Bonjour,\n\nMerci pour le devis, il me convient. Pouvez-vous me rappeler pour fixer une date ?\n\nCordialement,\nMarie' },
  { subject: 'Re: Your appointment', reply: 'Hi,\n\nI cannot make it on Thursday, could we move it to next week?\n\nThanks,\nJohn' },
  { subject: 'Re: Offre de printemps', reply: 'Merci de ne plus m’envoyer ces emails.' },
  { subject: 'Question', reply: 'Hello, what are your prices for a family of four?' },
];

function eventKinds(): EventKind[] {
  const twilio = twilioMessageFactory();
  const tag = randomBytes(6).toString('hex');
  let n = 0;
  const twilioEvent = (route: string, params: Record<string, string>, receivedAt: string, provider: RawEventPayload['provider']): RawEventPayload => {
    const url = PUBLIC_URL + route;
    const { signature, body } = signForm(AUTH_TOKEN, url, params);
    // Twilio sends an idempotency token with every webhook: ingest's dedup key then is that token.
    const token = randomUUID();
    return {
      provider, dedupKey: `idem.${token}`, route, url, receivedAt, remoteIp: '54.172.60.0', contentType: 'application/x-www-form-urlencoded',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'TwilioProxy/1.1', 'x-twilio-signature': signature, 'i-twilio-idempotency-token': token, 'x-home-region': 'us1' },
      body, bodyEncoding: 'utf8',
    };
  };
  const statusCallback = (at: string) => {
    n += 1;
    const sid = `SM${tag}${n.toString(16).padStart(20, '0')}`;
    const status = ['sent', 'delivered', 'delivered', 'undelivered', 'read'][n % 5]!;
    const params: Record<string, string> = {
      SmsSid: sid, SmsStatus: status, MessageStatus: status, To: `+336${String(20_000_000 + n).padStart(8, '0')}`, MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+33757000000', ApiVersion: '2010-04-01',
      ...(status === 'undelivered' ? { ErrorCode: '30003' } : {}),
    };
    return twilioEvent('/webhooks/twilio/status', params, at, 'twilio-status');
  };
  const mailgunEmail = (at: string): RawEventPayload => {
    n += 1;
    const text = EMAIL_TEXTS[n % EMAIL_TEXTS.length]!;
    const token = randomBytes(25).toString('hex');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const quoted = '\n\nLe lun. 23 nov. 2026 à 10:02, Switchboard <contact@example.com> a écrit :\n> Bonjour, voici notre offre.';
    const params = {
      recipient: 'contact@example.com', sender: `client${n % 500}@example.org`, from: `Client ${n % 500} <client${n % 500}@example.org>`, subject: text.subject,
      'body-plain': text.reply + quoted, 'stripped-text': text.reply, 'stripped-signature': '', 'Message-Id': `<${tag}.${n}@mail.example.org>`,
      timestamp, token, signature: mailgunSignature(AUTH_TOKEN, timestamp, token), 'attachment-count': '0',
    };
    const url = `${PUBLIC_URL}/webhooks/mailgun/inbound`;
    return {
      provider: 'mailgun', dedupKey: `token.${token}`, route: '/webhooks/mailgun/inbound', url, receivedAt: at, remoteIp: '198.61.254.1',
      contentType: 'application/x-www-form-urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'mailgun/treq-16.12.0' },
      body: new URLSearchParams(params).toString(), bodyEncoding: 'utf8',
    };
  };
  const bridgeMessage = (at: string): RawEventPayload => {
    n += 1;
    const messageId = `false_120363025246125486@g.us_3EB0${tag.toUpperCase()}${n.toString(16).toUpperCase().padStart(8, '0')}`;
    const body = JSON.stringify({
      group: '120363025246125486@g.us', author: `336${String(30_000_000 + (n % 2_000)).padStart(8, '0')}@c.us`, content: MESSAGE_TEXTS[n % MESSAGE_TEXTS.length],
      messageId, timestamp: Math.floor(Date.now() / 1000), type: 'chat', source: 'whatsapp-web.js',
    });
    return {
      provider: 'whatsapp-bridge', dedupKey: messageId, route: '/webhooks/whatsapp-bridge', url: `${PUBLIC_URL}/webhooks/whatsapp-bridge`, receivedAt: at,
      remoteIp: '10.0.0.12', contentType: 'application/json', headers: { 'content-type': 'application/json', 'user-agent': 'wa-bridge/1.0' }, body, bodyEncoding: 'utf8',
    };
  };
  return [
    { name: 'Twilio SMS', weight: 5, make: (at) => twilioEvent('/webhooks/twilio/messages', twilio.sms(), at, 'twilio-messaging') },
    { name: 'Twilio WhatsApp', weight: 3, make: (at) => twilioEvent('/webhooks/twilio/messages', twilio.whatsapp(), at, 'twilio-messaging') },
    { name: 'Twilio status callback', weight: 3, make: statusCallback },
    { name: 'Mailgun email', weight: 1, make: mailgunEmail },
    { name: 'WhatsApp bridge message', weight: 1, make: bridgeMessage },
  ];
}

/**
 * The kinds the registry normalizes today into a message or a status update (what the listener
 * applies); others would only fail and retry, so they are left out and reported.
 */
function supportedKinds(): { used: EventKind[]; skipped: string[] } {
  const used: EventKind[] = [];
  const skipped: string[] = [];
  for (const kind of eventKinds()) {
    try {
      const normalized = normalizeEvent(kind.make(new Date().toISOString()));
      if (normalized.kind === 'message' || normalized.kind === 'status') used.push({ ...kind, message: normalized.kind === 'message' });
      else skipped.push(`${kind.name} (${normalized.kind})`);
    } catch (err) {
      skipped.push(`${kind.name} (${(err as Error).message})`);
    }
  }
  return { used, skipped };
}

/** Events in the kinds' proportions; `messages` counts those that become a message (the rest are status callbacks). */
function mixer(kinds: EventKind[]) {
  const wheel = kinds.flatMap((k) => Array.from({ length: k.weight }, () => k));
  let n = 0;
  const mix = {
    messages: 0,
    next(receivedAt: string): RawEventPayload {
      const kind = wheel[n++ % wheel.length]!;
      if (kind.message) mix.messages += 1;
      return kind.make(receivedAt);
    },
  };
  return mix;
}

async function createDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const template = await ensureTemplateDatabase();
  const name = `sb_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while a test is cloning the same template: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (err) {
        if (attempt >= 30 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** Samples VmRSS of each worker every 100 ms; VmHWM (the kernel's own peak) is read at the end. */
function rssSampler(children: Child[]) {
  const peak = new Map<string, number>();
  /** Peak since the last `phasePeak()`: the burst and the steady load stress memory differently. */
  let phase = new Map<string, number>();
  const readKb = (pid: number, field: string) => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    } catch {
      return NaN;
    }
  };
  const sample = () => {
    for (const c of children) {
      const kb = readKb(c.pid, 'VmRSS');
      if (!Number.isFinite(kb)) continue;
      peak.set(c.name, Math.max(peak.get(c.name) ?? 0, kb));
      phase.set(c.name, Math.max(phase.get(c.name) ?? 0, kb));
    }
  };
  const timer = setInterval(sample, 100);
  return {
    /** RSS right now, per worker (MB). */
    current: () => new Map(children.map((c) => [c.name, readKb(c.pid, 'VmRSS') / 1024])),
    /** Peak RSS per worker (MB) since the previous call. */
    phasePeak() {
      sample();
      const out = new Map([...phase].map(([name, kb]) => [name, kb / 1024]));
      phase = new Map();
      return out;
    },
    stop() {
      clearInterval(timer);
      sample();
      return children.map((c) => ({ name: c.name, peakRssMb: (peak.get(c.name) ?? NaN) / 1024, hwmMb: readKb(c.pid, 'VmHWM') / 1024 }));
    },
  };
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

async function main() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const { used, skipped } = supportedKinds();
  if (!used.some((k) => k.message)) throw new Error(`no event kind normalizes to a message: ${skipped.join('; ')}`);
  const mix = mixer(used);

  // (d) before the rest, on a machine as quiet as it gets during the run.
  const peerOthers = otherCpu();
  const peer = await runPeerComparison({ messages: PEER_MESSAGES, rounds: PEER_ROUNDS, adminUrl: ADMIN_URL, switchboardDatabase: createDatabase, workerFlags: workerNodeFlags, scratch: RESULTS_DIR });
  const peerInterference = peerOthers.stop();
  if (PEER_ONLY) {
    peer.rounds.forEach((round, i) => {
      for (const d of [round.naive, round.switchboard]) {
        const { redisCalls, redisScripts, redisUsec, pgCommits, pgRowsWritten } = d.perMessage;
        console.log(`round ${i + 1}`, d.system, JSON.stringify({ ...d, perMessage: { redisCalls, redisScripts, redisUsec, pgCommits, pgRowsWritten } }), topCommands(d.perMessage, 8));
      }
      console.log(JSON.stringify({ round: i + 1, ratio: round.switchboard.perSecond / round.naive.perSecond }));
    });
    console.log(JSON.stringify({ ratioOfBest: peer.best.switchboard.perSecond / peer.best.naive.perSecond, interference: peerInterference }));
    return;
  }

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  const db = await createDatabase();
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const postgresVersion = (await sql.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0]!.v;
  const machine = machineInfo(redisVersion, postgresVersion);
  const prefix = `bench${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  // BullMQ does not close a connection it was given: these are disconnected at the end.
  const queueConnection = redis.duplicate();
  const inbound = new Queue(jobs.inbound.queue, { connection: queueConnection, prefix });
  const interpret = new Queue(jobs.interpret.queue, { connection: queueConnection, prefix });
  const scratch = fs.mkdtempSync(path.join(RESULTS_DIR, 'pipeline-'));
  const env = {
    NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn',
    LOG_DIR: path.join(scratch, 'log'), SPOOL_DIR: path.join(scratch, 'spool'), ATTACHMENTS_DIR: path.join(scratch, 'attachments'),
  };
  const children: Child[] = [];
  const counts = async () => {
    const { rows } = await sql.query<{ raw: string; msgs: string; intents: string }>(
      'SELECT (SELECT count(*) FROM raw_events) AS raw, (SELECT count(*) FROM messages) AS msgs, (SELECT count(*) FROM message_intents) AS intents',
    );
    return { raw: Number(rows[0]!.raw), msgs: Number(rows[0]!.msgs), intents: Number(rows[0]!.intents) };
  };
  // Status callbacks make no message: a phase is over when every message has its intent and the
  // inbound queue has nothing left to do (statuses applied too).
  const inboundIdle = async () => {
    const c = await inbound.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0) === 0;
  };

  try {
    children.push(await startChild({ name: 'listener', command: process.execPath, args: [...workerNodeFlags('listener'), 'apps/listener/src/main.ts'], env }));
    children.push(await startChild({ name: 'interpreter', command: process.execPath, args: [...workerNodeFlags('interpreter'), 'apps/interpreter/src/main.ts'], env }));
    const rss = rssSampler(children);
    await waitUntil('both workers to connect', 30_000, async () => (await inbound.getWorkersCount()) > 0 && (await interpret.getWorkersCount()) > 0, children);

    const idleRss = rss.current();
    rss.phasePeak();

    // (a) Burst: everything enqueued at once; the clock stops when the last message is persisted with its intent.
    const burstOthers = otherCpu();
    const burstCpu = children.map((c) => cpuMs([c]));
    const burst = Array.from({ length: BURST_EVENTS }, () => mix.next(new Date().toISOString()));
    const burstMessages = mix.messages;
    const t0 = performance.now();
    for (let i = 0; i < burst.length; i += 1_000) await enqueueBulk(inbound, 'inbound', burst.slice(i, i + 1_000).map((payload) => ({ payload })));
    const enqueuedMs = performance.now() - t0;
    let rawDoneMs = NaN;
    await waitUntil(`${fmt.int(burstMessages)} messages persisted with intent`, 150_000, async () => {
      const c = await counts();
      if (Number.isNaN(rawDoneMs) && c.raw >= BURST_EVENTS) rawDoneMs = performance.now() - t0;
      return c.raw >= BURST_EVENTS && c.intents >= burstMessages && (await inboundIdle());
    }, children);
    const burstMs = performance.now() - t0;
    const burstInterference = burstOthers.stop();
    // CPU per event of each worker: steadier than a rate when other work shares the cores.
    const burstCpuPerEvent = children.map((c, i) => `${c.name} ${((cpuMs([c]) - burstCpu[i]!) / BURST_EVENTS).toFixed(2)} ms`).join(', ');
    const burstRss = rss.phasePeak();

    // (b) Steady offered load: events enqueued at STEADY_RATE, each stamped with its enqueue time.
    const steadyStart = new Date();
    const before = await counts();
    const steadyTotal = STEADY_RATE * STEADY_S;
    const steadyOthers = otherCpu();
    let sent = 0;
    const s0 = performance.now();
    while (sent < steadyTotal) {
      const due = Math.min(steadyTotal, Math.floor(((performance.now() - s0) / 1000) * STEADY_RATE)) - sent;
      if (due > 0) {
        const at = new Date().toISOString();
        await enqueueBulk(inbound, 'inbound', Array.from({ length: due }, () => ({ payload: mix.next(at) })));
        sent += due;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const offeredRate = steadyTotal / ((performance.now() - s0) / 1000);
    await waitUntil('the steady phase persisted', 60_000, async () => {
      const c = await counts();
      return c.raw >= before.raw + steadyTotal && c.intents >= mix.messages && (await inboundIdle());
    }, children);
    const failed = { inbound: (await inbound.getJobCounts('failed')).failed ?? 0, interpret: (await interpret.getJobCounts('failed')).failed ?? 0 };
    const steadyInterference = steadyOthers.stop();
    const { rows: latency } = await sql.query<{ p50: number; p99: number; max: number; n: string }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max, count(*) AS n
         FROM (SELECT extract(epoch FROM created_at - received_at) * 1000 AS ms FROM messages WHERE received_at >= $1) t`,
      [steadyStart],
    );
    const steadyRss = rss.phasePeak();
    const workers = rss.stop();

    const lat = latency[0]!;
    const mb = (m: Map<string, number>, name: string) => `${(m.get(name) ?? NaN).toFixed(0)} MB`;
    const eventsPerS = BURST_EVENTS / (burstMs / 1000);
    const peerRatio = peer.best.switchboard.perSecond / peer.best.naive.perSecond;
    const roundRatios = peer.rounds.map((r) => r.switchboard.perSecond / r.naive.perSecond);
    const drainRow = (d: DrainResult, round: number) => [
      `(d) round ${round}: ${fmt.int(d.messages)} signed SMS posted, then drained: ${d.system}`,
      `${fmt.int(d.perSecond)} messages/s (${d.seconds.toFixed(1)} s first to last stored; worker CPU ${d.cpuMsPerMessage.toFixed(2)} ms per message${Object.keys(d.cpuMsPerMessageByWorker).length > 1 ? ` (${Object.entries(d.cpuMsPerMessageByWorker).map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')})` : ''}, Postgres ${d.postgresMsPerMessage.toFixed(2)} ms; posted in ${d.postSeconds.toFixed(1)} s${d.refused ? `, ${d.refused} refused` : ''}; peak RSS ${Object.entries(d.peakRssMb).map(([n, mb]) => `${n} ${mb.toFixed(0)} MB`).join(', ')}; per message: ${d.perMessage.redisCalls.toFixed(2)} Redis commands (${topCommands(d.perMessage)}; ${d.perMessage.redisUsec.toFixed(0)} µs of Redis CPU), ${d.perMessage.pgCommits.toFixed(3)} Postgres transactions, ${d.perMessage.pgRowsWritten.toFixed(1)} rows written)`,
      '', '',
    ];
    const rows: (string | number)[][] = [
      ...peer.rounds.flatMap((r, i) => (i % 2 === 0 ? [drainRow(r.naive, i + 1), drainRow(r.switchboard, i + 1)] : [drainRow(r.switchboard, i + 1), drainRow(r.naive, i + 1)])),
      [
        `(d) ratio Switchboard / naive worker, same run (best round of each; ${peer.rounds.length} rounds, the order alternating)`,
        `${fmt.ratio(peerRatio)} (per round ${roundRatios.map((r) => fmt.ratio(r)).join(', ')}, mean ${fmt.ratio(roundRatios.reduce((a, b) => a + b, 0) / roundRatios.length)}; Switchboard's workers spent ${fmt.ratio(peer.best.switchboard.cpuMsPerMessage / peer.best.naive.cpuMsPerMessage)} the naive worker's CPU per message in the best rounds)`,
        `≥ ${TARGETS.peerRatio}x`,
        peerRatio >= TARGETS.peerRatio ? 'met' : '**not met**',
      ],
      [`(a) ${fmt.int(BURST_EVENTS)} events (${fmt.int(burstMessages)} messages) enqueued at once → all applied, messages persisted with intent`, `${fmt.int(eventsPerS)} events/s (${(burstMs / 1000).toFixed(1)} s; enqueue took ${(enqueuedMs / 1000).toFixed(1)} s; raw events all stored after ${(rawDoneMs / 1000).toFixed(1)} s; CPU per event: ${burstCpuPerEvent})`, `≥ ${fmt.int(TARGETS.eventsPerS)}/s`, eventsPerS >= TARGETS.eventsPerS ? 'met' : '**not met**'],
      [`(b) p50 / p99 enqueue → persisted at ${STEADY_RATE}/s for ${STEADY_S} s (offered ${fmt.int(offeredRate)}/s, ${fmt.int(Number(lat.n))} messages)`, `${Number(lat.p50).toFixed(0)} / ${Number(lat.p99).toFixed(0)} ms (max ${Number(lat.max).toFixed(0)} ms)`, `p99 ≤ ${TARGETS.p99Ms} ms`, Number(lat.p99) <= TARGETS.p99Ms ? 'met' : '**not met**'],
      ...workers.map((w) => [`(c) peak RSS, ${w.name}`, `${w.peakRssMb.toFixed(0)} MB (VmHWM ${w.hwmMb.toFixed(0)} MB); idle after start ${mb(idleRss, w.name)}, peak in (a) ${mb(burstRss, w.name)}, in (b) ${mb(steadyRss, w.name)}`, `< ${TARGETS.rssMb} MB`, Math.max(w.peakRssMb, w.hwmMb) < TARGETS.rssMb ? 'met' : '**not met**']),
    ];
    const interference = (phase: string, i: { percentOfCore: number; top: string; services: number }) =>
      `${phase}: other processes ${i.percentOfCore.toFixed(0)}% of a core${i.top ? ` (${i.top})` : ''}, Redis + Postgres ${i.services.toFixed(0)}%`;
    const mixText = used.map((k) => `${k.name} ×${k.weight}`).join(', ');
    const report = [
      describeMachine(machine),
      `Listener and interpreter as child processes (default concurrency, not pinned), fresh database, events mixed ${mixText}${skipped.length ? `; not used: ${skipped.join('; ')}` : ''}.`,
      markdownTable(['measure', 'measured', 'target', 'verdict'], rows),
      `Failed jobs: inbound ${failed.inbound}, interpret ${failed.interpret}.`,
      `CPU outside the workers: ${interference('(d)', peerInterference)}; ${interference('(a)', burstInterference)}; ${interference('(b)', steadyInterference)}.`,
    ].join('\n\n');
    console.log(`\n${report}\n`);
    writeReadmeSection('pipeline', report);
    fs.writeFileSync(path.join(RESULTS_DIR, `pipeline-${machine.date.replace(/:/g, '')}.md`), `${report}\n`);
  } finally {
    for (const c of children) await c.stop();
    await inbound.obliterate({ force: true }).catch((err: Error) => console.warn(`obliterate inbound: ${err.message}`));
    await interpret.obliterate({ force: true }).catch((err: Error) => console.warn(`obliterate interpret: ${err.message}`));
    await inbound.close();
    await interpret.close();
    // Whatever else the workers created under this run's own prefix (other queues' meta keys…).
    await unlinkPrefix(redis, prefix);
    queueConnection.disconnect();
    redis.disconnect();
    await sql.end();
    await db.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
