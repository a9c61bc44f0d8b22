import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.ts';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export type PrivateRedis = {
  url: string;
  port: number;
  /** SIGKILL: an outage, not a shutdown. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (empty, unless started with `persistent`). */
  start(): Promise<void>;
  stop(): Promise<void>;
};

export type PrivateRedisOptions = {
  /**
   * AOF with `appendfsync always` (what production should run): everything Redis acknowledged
   * survives `kill()` and is back after `start()`.
   */
  persistent?: boolean;
};

/**
 * A redis-server of the test's own on a free port, for outage tests: the shared one on 6379 is
 * never stopped or flushed.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']), '--dir', dir], { stdio: 'ignore' });
    await waitFor(() => accepts(port), { timeoutMs: 10_000, what: `redis-server on ${port}` });
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, stop: kill };
}
