import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@switchboard/config';

// There is no Docker engine here: the compose file is checked by reading it.
const root = path.resolve(import.meta.dirname, '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; image?: string; build?: string; ports?: string[]; environment?: Record<string, string> }>;
  networks?: { default?: { ipam?: { config?: Array<{ subnet?: string; gateway?: string }> } } };
};
const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
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
  });

  test('ingest sits behind the TLS proxy: published on loopback only, trusting X-Forwarded-* from the network gateway alone', () => {
    expect(compose.services.ingest!.ports).toEqual(['127.0.0.1:3000:3000']);
    const env = compose.services.ingest!.environment!;
    const gateway = compose.networks!.default!.ipam!.config![0]!.gateway!;
    expect(env.TRUST_PROXY).toBe(`\${TRUST_PROXY:-${gateway}}`);
    // PUBLIC_URL has no default: compose refuses to start without it.
    expect(env.PUBLIC_URL).toMatch(/^\$\{PUBLIC_URL:\?/);
    expect(text).toContain(`subnet: ${compose.networks!.default!.ipam!.config![0]!.subnet}`);
    expect(() => loadConfig({ NODE_ENV: 'production', TRUST_PROXY: gateway, PUBLIC_URL: 'https://hooks.example.com' }, 'ingest')).not.toThrow();
  });

  test('every process runs with NODE_ENV=production, and the image sets it too', () => {
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.build)) expect([name, service.environment?.NODE_ENV]).toEqual([name, 'production']);
    expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^ENV NODE_ENV=production$/m);
  });

  test('workers publish no port, so they can be scaled with --scale', () => {
    for (const name of ['listener', 'interpreter', 'dispatcher']) expect(compose.services[name]!.ports).toBeUndefined();
  });
});
