import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// There is no Docker engine here: the compose file is checked by reading it.
const root = path.resolve(import.meta.dirname, '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; image?: string; build?: string; ports?: string[] }>;
};
const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('docker-compose.yml', () => {
  test('runs Redis, Postgres and each of the five processes as its own service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['console', 'dispatcher', 'ingest', 'interpreter', 'listener', 'migrate', 'postgres', 'redis'].sort());
  });

  test.each(Object.entries(compose.services).filter(([, s]) => s.build))('service %s runs an npm script that exists', (_name, service) => {
    const [npm, run, script] = service.command ?? [];
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(scripts[script!]).toBeDefined();
  });

  test('Redis keeps what it acknowledges: AOF on and no eviction', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--appendfsync (everysec|always)/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
  });

  test('the console is published on loopback only, never beside the public ingest port', () => {
    expect(compose.services.console!.ports).toEqual(['127.0.0.1:3001:3001']);
    expect(compose.services.ingest!.ports).toEqual(['3000:3000']);
  });

  test('workers publish no port, so they can be scaled with --scale', () => {
    for (const name of ['listener', 'interpreter', 'dispatcher']) expect(compose.services[name]!.ports).toBeUndefined();
  });
});
