import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { uniquePrefix, waitFor } from '@switchboard/testing';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs an app's main with `env` and nothing else from this process's environment (not even NODE_ENV unless given). */
function runApp(app: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, `apps/${app}/src/main.ts`)], { env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const runIngest = (env: Record<string, string>) => runApp('ingest', { NODE_ENV: 'development', ...env });

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

  test('without NODE_ENV, unsigned webhooks are refused at start: a unit that forgets NODE_ENV is not a development machine', async () => {
    const { code, output } = await runApp('ingest', { INSECURE_SKIP_SIGNATURES: '1', PUBLIC_URL: 'https://hooks.example.com' });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual(['ingest: config: INSECURE_SKIP_SIGNATURES: only allowed when NODE_ENV is development or test (NODE_ENV is unset)']);
  });

  test('without NODE_ENV, the console does not make up a token: it stops and asks for ADMIN_TOKEN', async () => {
    const { code, output } = await runApp('console', {});
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual(['console: config: ADMIN_TOKEN: required by the console unless NODE_ENV is development or test (NODE_ENV is unset; missing)']);
  });
});

describe('npm start without NODE_ENV (the README quick start)', () => {
  const wrapper = path.join(ROOT, 'scripts/default-node-env.ts');
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-npm-start-'));
  const nodeEnvSeen = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--env-file-if-exists=.env', wrapper, process.execPath, '-e', 'process.stdout.write(String(process.env.NODE_ENV))'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    }).stdout;

  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  test('npm start defaults NODE_ENV to development only when neither the environment nor .env sets it', () => {
    expect(scripts.start).toBe('node --env-file-if-exists=.env scripts/default-node-env.ts npm run start:all');
    expect(nodeEnvSeen({})).toBe('development');
    expect(nodeEnvSeen({ NODE_ENV: 'production' })).toBe('production');
    fs.writeFileSync(path.join(cwd, '.env'), 'NODE_ENV=production\n');
    try {
      expect(nodeEnvSeen({})).toBe('production');
    } finally {
      fs.rmSync(path.join(cwd, '.env'));
    }
  });

  test('so the console started that way, with no ADMIN_TOKEN, runs with a token made up for the run', async () => {
    // start:console's own command line, run through the wrapper as npm start runs it.
    const [node, ...args] = scripts['start:console']!.split(' ');
    expect(node).toBe('node');
    const child = spawn(process.execPath, [wrapper, process.execPath, ...args.map((a) => (a.endsWith('.ts') ? path.join(ROOT, a) : a))], {
      cwd,
      env: { PATH: process.env.PATH ?? '', CONSOLE_PORT: '0', QUEUE_PREFIX: uniquePrefix(), LOG_FORMAT: 'json', DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => output.includes('console listening'), { what: 'the console listening', timeoutMs: 20_000 });
      expect(output).toMatch(/console: no ADMIN_TOKEN set; this run's token is \S{20,}/);
      expect(output).toContain('running with NODE_ENV=development');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
