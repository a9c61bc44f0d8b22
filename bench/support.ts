import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';

/** The project's root (bench/ is one level down): servers and workers run from here. */
export const ROOT = path.resolve(import.meta.dirname, '..');
/** Generated files (request bodies, spools, logs): git-ignored. */
export const RESULTS_DIR = path.join(ROOT, 'bench/results');

/** What the README quotes with every table: the figures mean little without it. */
export type MachineInfo = { date: string; nproc: number; cpu: string; node: string; redis: string; postgres?: string };

export function machineInfo(redisVersion: string, postgresVersion?: string): MachineInfo {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), nproc: os.availableParallelism(), cpu, node: process.version, redis: redisVersion, postgres: postgresVersion };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.date} · ${m.nproc} cores (${m.cpu}) · Node ${m.node} · Redis ${m.redis}${m.postgres ? ` · ${m.postgres}` : ''}`;
}

/** A child process we started: its last output (for errors) and a bounded stop. */
export type Child = { name: string; process: ChildProcess; pid: number; output(): string; stop(): Promise<void> };

/**
 * Starts a command (optionally pinned to one core with taskset, which execs it: the pid is the
 * server's own) and resolves once it accepts TCP connections on `port` (when given).
 */
export async function startChild(options: {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cpu?: number;
  port?: number;
  cwd?: string;
}): Promise<Child> {
  const [command, args] = options.cpu === undefined ? [options.command, options.args] : ['taskset', ['-c', String(options.cpu), options.command, ...options.args]];
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
  });
  const result: Child = {
    name: options.name,
    process: child,
    pid: child.pid!,
    output: () => tail,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  if (options.port !== undefined) {
    const deadline = Date.now() + 30_000;
    while (!(await accepts(options.port))) {
      if (exited) throw new Error(`${options.name} exited before listening:\n${tail}`);
      if (Date.now() > deadline) {
        await result.stop();
        throw new Error(`${options.name} did not listen on ${options.port} within 30 s:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return result;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** User + system CPU time of the processes so far, in ms (/proc/<pid>/stat, 100 ticks a second). */
export function cpuMs(children: Child[]): number {
  let ticks = 0;
  for (const c of children) {
    const stat = fs.readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

/** Runs a command to completion (bounded), returning its stdout; throws on a non-zero exit. */
export async function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr || stdout}`);
  return stdout;
}

/** A markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Replaces the part of bench/README.md between `<!-- name:begin -->` and `<!-- name:end -->`
 * with `content` (each benchmark owns its own section, so one never erases the other's table).
 */
export function writeReadmeSection(name: string, content: string): void {
  const file = path.join(ROOT, 'bench/README.md');
  const text = fs.readFileSync(file, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no ${begin} … ${end} section`);
  fs.writeFileSync(file, `${text.slice(0, from + begin.length)}\n${content.trim()}\n${text.slice(to)}`);
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  ms: (us: number) => (Number.isFinite(us) ? (us / 1000).toFixed(us < 10_000 ? 2 : 1) : 'n/a'),
  ratio: (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a'),
};

type ProcTicks = Map<number, { ppid: number; ticks: number; comm: string }>;

function procTicks(): ProcTicks {
  const out: ProcTicks = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields start after the last ')'.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      out.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // The process exited while we read /proc.
    }
  }
  return out;
}

/** CPU time of every process with this command name so far, in ms (all of Postgres's backends, say). */
export function commandCpuMs(comm: string): number {
  let ticks = 0;
  for (const p of procTicks().values()) if (p.comm === comm) ticks += p.ticks;
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * CPU used by processes that are not ours (this process and its descendants) between start and
 * stop, in % of one core: other engineers' tests or benchmarks on this 2-core machine skew the
 * figures, and the report says so. Processes that start and exit in between are missed.
 */
export function otherCpu(): { stop(): { percentOfCore: number; top: string; services: number } } {
  const before = procTicks();
  const t0 = performance.now();
  return {
    stop() {
      const after = procTicks();
      const seconds = (performance.now() - t0) / 1000;
      const ours = new Set<number>([process.pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [pid, p] of after) {
          if (!ours.has(pid) && ours.has(p.ppid)) {
            ours.add(pid);
            grew = true;
          }
        }
      }
      const byComm = new Map<string, number>();
      let total = 0;
      let services = 0;
      for (const [pid, p] of after) {
        if (ours.has(pid)) continue;
        const delta = p.ticks - (before.get(pid)?.ticks ?? 0);
        if (delta <= 0) continue;
        // Redis and Postgres serve the benchmark itself (and maybe others too): counted apart.
        if (SERVICES.has(p.comm)) {
          services += delta;
          continue;
        }
        total += delta;
        const label = labelOf(pid, p.comm);
        byComm.set(label, (byComm.get(label) ?? 0) + delta);
      }
      const pct = (ticks: number) => (ticks / CLOCK_TICKS / seconds) * 100;
      const top = [...byComm].sort((a, b) => b[1] - a[1]).slice(0, 3).filter(([, t]) => pct(t) >= 1).map(([comm, t]) => `${comm} ${pct(t).toFixed(0)}%`).join(', ');
      return { percentOfCore: pct(total), top, services: pct(services) };
    },
  };
}

/** A readable name: node's worker threads all call themselves "MainThread". */
function labelOf(pid: number, comm: string): string {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const args = cmdline.split('\0').filter(Boolean);
    if (cmdline.includes('jest')) return 'jest';
    if (cmdline.includes('tsc')) return 'tsc';
    if (cmdline.includes('eslint')) return 'eslint';
    // Another node or python server: name it by its script.
    const script = args.slice(1).find((a) => /\.(ts|js|cjs|mjs|py)$/.test(a) || a.includes(':app'));
    if (script) return `${path.basename(args[0]!)} ${script.split('/').slice(-3).join('/')}`;
  } catch {
    // Gone already.
  }
  return comm;
}

const SERVICES = new Set(['redis-server', 'postgres']);
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** Removes every key under a run's own prefix (what obliterate leaves: other queues' meta, ingest's counters…). */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
