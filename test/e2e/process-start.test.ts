import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runIngest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'apps/ingest/src/main.ts')], { env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('an app process at start', () => {
  test('bad variables stop it with one line each, naming them', async () => {
    const { code, output } = await runIngest({ REDIS_URL: 'http://nope', INGEST_PORT: '99999' });
    expect(code).toBe(1);
    expect(output.trim().split('\n').sort()).toEqual([
      'ingest: config: INGEST_PORT: Too big: expected number to be <=65535',
      'ingest: config: REDIS_URL: expected a redis or rediss URL',
    ]);
  });

  test('a start that fails (its port is taken) is logged and exits 1 instead of hanging', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const { code, output } = await runIngest({ INGEST_PORT: String(port), SPOOL_DIR: path.join(os.tmpdir(), 'sb-start-spool'), LOG_DIR: path.join(os.tmpdir(), 'sb-start-log') });
      expect(code).toBe(1);
      const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { level: string; message: string; error?: string });
      expect(lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'ingest could not start', error: expect.stringContaining('EADDRINUSE') }));
    } finally {
      blocker.close();
    }
  });
});
