import fs from 'node:fs';
import path from 'node:path';
import { APP_SECTIONS, PROVIDER_SECTIONS, SHARED_SECTIONS, loadConfig } from '@switchboard/config';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The top-level config sections an app's source reads: `config.<section>` and `const { … } = config`. */
function sectionsRead(app: string): Set<string> {
  const dir = path.join(ROOT, 'apps', app, 'src');
  const read = new Set<string>();
  for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/(?<![.\w])config\.([A-Za-z]+)/g)) read.add(m[1]!);
    for (const m of source.matchAll(/\{([^{}]*)\}\s*=\s*config\s*[;,)]/g)) for (const key of m[1]!.split(',')) read.add(key.split(':')[0]!.trim());
  }
  return read;
}

describe('configuration sections', () => {
  test('every section of the configuration is shared, a provider\'s, or one app\'s own', () => {
    const classified = [...SHARED_SECTIONS, ...PROVIDER_SECTIONS, ...Object.values(APP_SECTIONS)];
    expect(Object.keys(loadConfig({})).sort()).toEqual([...classified].sort());
  });

  test.each(Object.entries(APP_SECTIONS))('%s reads only its own section and the shared ones', (app, own) => {
    const allowed = new Set<string>([...SHARED_SECTIONS, ...PROVIDER_SECTIONS, own]);
    const read = sectionsRead(app);
    expect(read.has(own)).toBe(true);
    expect([...read].filter((s) => !allowed.has(s))).toEqual([]);
  });
});
