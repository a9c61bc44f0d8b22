import fs from 'node:fs';
import path from 'node:path';
import { envSchema } from '@switchboard/config';
import { OUTBOUND_EVENT_TYPES } from '@switchboard/domain';
import { PROVIDERS, type ProviderPlugin } from '@switchboard/providers';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Every variable the apps parse: the shared schema's and each provider plug-in's own. */
const PARSED = [...Object.keys(envSchema.shape), ...(PROVIDERS as readonly ProviderPlugin[]).flatMap((plugin) => (plugin.config ? Object.keys(plugin.config.env.shape) : []))];

/** Variables read by `npm start` (package.json) rather than by the apps. */
const START_SCRIPT_VARIABLES = ['LISTENER_METRICS_PORT', 'INTERPRETER_METRICS_PORT', 'DISPATCHER_METRICS_PORT'];

/** The backticked variable names of a markdown table under `heading`: of its first column, or of whole rows. */
function tableVariables(markdown: string, heading: string, column: 'first' | 'any' = 'first'): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading))!;
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((l) => [...(column === 'first' ? l.split('|')[1]! : l).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
}

describe('the docs say what the code does', () => {
  test("the README's environment table is every variable the apps read, and nothing else", () => {
    const documented = tableVariables(read('README.md'), 'Environment');
    const mentioned = tableVariables(read('README.md'), 'Environment', 'any');
    const parsed = PARSED;
    expect(documented.filter((v) => !parsed.includes(v))).toEqual([]);
    expect(parsed.filter((v) => !mentioned.includes(v))).toEqual([]);
    const startOnly = read('README.md').split('\n').find((l) => l.startsWith('| `METRICS_PORT`'))!;
    for (const v of START_SCRIPT_VARIABLES) expect([v, startOnly.includes(v), read('package.json').includes(v)]).toEqual([v, true, true]);
  });

  test('the contract documents no variable that nothing reads', () => {
    const parsed = PARSED;
    const documented = tableVariables(read('docs/contract.md'), 'Environment');
    expect(documented.filter((v) => !parsed.includes(v) && !START_SCRIPT_VARIABLES.includes(v))).toEqual([]);
  });

  test('the README and the contract list the outbound event types of the catalog, in its order', () => {
    const listed = (text: string) => [...text.matchAll(/`((?:message|call|campaign|source)\.[a-z]+)`/g)].map((m) => m[1]!);
    const readme = read('README.md').split(/^## /m).find((s) => s.startsWith('Outbound webhooks'))!.split('\n\n')[1]!;
    const contract = read('docs/contract.md').split(/^## /m).find((s) => s.startsWith('Outbound webhooks'))!.split('\n\n')[1]!;
    expect(listed(readme)).toEqual([...OUTBOUND_EVENT_TYPES]);
    expect(listed(contract)).toEqual([...OUTBOUND_EVENT_TYPES]);
  });

  test("the architecture's layout names every app and package, and the files it links to exist", () => {
    const architecture = read('docs/architecture.md');
    const layout = architecture.split(/^## /m).find((s) => s.startsWith('Layout'))!;
    for (const dir of ['apps', 'packages']) {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) expect([dir, name, new RegExp(`\\b${name}\\b`).test(layout)]).toEqual([dir, name, true]);
    }
    for (const [, link] of architecture.matchAll(/\]\(([^)#]+)\)/g)) expect([link, fs.existsSync(path.join(ROOT, 'docs', link!))]).toEqual([link, true]);
  });
});
