/**
 * Two ingest builds side by side, for a change measured on a busy machine: both pinned to core 0,
 * each loaded by its own wrk on core 1 (32 connections, distinct signed SMS) in the same seconds,
 * so whatever else runs on the machine slows both alike. Prints the CPU time per accepted request
 * of each, per round and in all, and their ratio: steadier than two runs of `ingest-cost.ts` a
 * minute apart, which the machine's load moves by up to 2x. A and B are worktrees of the project
 * (`git worktree add ../base <commit>` + `npm ci`); each runs its own apps/ingest/src/main.ts with
 * production settings, a queue prefix of its own and a database cloned from the template. A side
 * may also be `naive` (the naive Express peer, as `bench:ingest` runs it) or `bare` (the bare
 * Express route): the ratio of CPU per request then stands for the ratio of `bench:ingest`, where
 * each server has core 0 to itself. Each side gets a private Redis of its own (the naive peer's
 * queue name is fixed, and the shared Redis is other sessions' too).
 * Run: npm exec -- node bench/ingest-ab.ts <worktree A | naive | bare> <worktree B | naive | bare>   (ROUNDS=4, SECONDS=8)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDatabase, ensureTemplateDatabase, freePort, startPrivateRedis, type PrivateRedis } from '@switchboard/testing';
import { ROUTE, writeForms, wrk } from './ingest-server.ts';
import { RESULTS_DIR, startChild, type Child } from './support.ts';

const [dirA, dirB] = [process.argv[2]!, process.argv[3]!];
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const SECONDS = Number(process.env.SECONDS ?? 8);
const TOKEN = randomBytes(16).toString('hex');
const cpuUs = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) * 10_000; };
await ensureTemplateDatabase();
const db = await createTestDatabase();
const sides = [] as { label: string; port: number; forms: string; scratch: string; pid: number; redis: PrivateRedis; stop(): Promise<void> }[];
const PER_ROUND = 60_000;
try {
  for (const [label, dir] of [['A', dirA], ['B', dirB]] as const) {
    const port = await freePort();
    const prefix = `ab${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const forms = writeForms(`http://127.0.0.1:${port}${ROUTE}`, TOKEN, 20_000 + ROUNDS * PER_ROUND, `ab-${label}-${process.pid}.tsv`);
    const scratch = fs.mkdtempSync(path.join(RESULTS_DIR, `ab-${label}-`));
    const redis = await startPrivateRedis();
    let child: Child;
    if (dir === 'naive') {
      child = await startChild({
        name: label, cpu: 0, port, command: process.execPath, args: ['/work/shared/peers/naive-express/server.cjs'],
        env: { NODE_ENV: 'production', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TWILIO_AUTH_TOKEN: TOKEN, REDIS_URL: redis.url },
      });
    } else if (dir === 'bare') {
      child = await startChild({ name: label, cpu: 0, port, command: process.execPath, args: ['bench/bare-express.ts'], env: { NODE_ENV: 'production', PORT: String(port) } });
    } else {
      child = await startChild({
        name: label, cpu: 0, port, cwd: dir, command: process.execPath, args: ['apps/ingest/src/main.ts'],
        env: { NODE_ENV: 'production', HOST: '127.0.0.1', INGEST_PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TWILIO_AUTH_TOKEN: TOKEN, REDIS_URL: redis.url, QUEUE_PREFIX: prefix, DATABASE_URL: db.url, SPOOL_DIR: path.join(scratch, 'spool'), LOG_DIR: path.join(scratch, 'log'), LOG_LEVEL: 'warn' },
      });
    }
    sides.push({ label: `${label} (${path.basename(dir)})`, port, forms, scratch, redis, pid: child.pid, stop: () => child.stop() });
  }
  await Promise.all(sides.map((s) => wrk({ port: s.port, file: s.forms, first: 1, count: 20_000, seconds: 3, connections: 32, cpu: 1 })));
  const totals = sides.map(() => ({ cpu: 0, ok: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    const before = sides.map((s) => cpuUs(s.pid));
    const runs = await Promise.all(sides.map((s) => wrk({ port: s.port, file: s.forms, first: 20_001 + r * PER_ROUND, count: PER_ROUND, seconds: SECONDS, connections: 32, cpu: 1 })));
    const after = sides.map((s) => cpuUs(s.pid));
    const line = sides.map((s, i) => {
      totals[i]!.cpu += after[i]! - before[i]!; totals[i]!.ok += runs[i]!.ok;
      return `${s.label} ${((after[i]! - before[i]!) / runs[i]!.ok).toFixed(1)} µs (${Math.round(runs[i]!.ok / SECONDS)}/s, p99 ${(runs[i]!.p99_us / 1000).toFixed(1)} ms, non-2xx ${runs[i]!.non2xx})`;
    });
    console.log(`${new Date().toISOString().slice(11, 19)} round ${r + 1}: ${line.join(' | ')} | B/A ${(((after[1]! - before[1]!) / runs[1]!.ok) / ((after[0]! - before[0]!) / runs[0]!.ok)).toFixed(3)} | load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  }
  const per = totals.map((t) => t.cpu / t.ok);
  console.log(`all rounds: A ${per[0]!.toFixed(1)} µs, B ${per[1]!.toFixed(1)} µs, B/A ${(per[1]! / per[0]!).toFixed(3)}`);
} finally {
  for (const s of sides) { await s.stop(); await s.redis.stop(); fs.rmSync(s.forms, { force: true }); fs.rmSync(s.scratch, { recursive: true, force: true }); }
  await db.drop();
}
