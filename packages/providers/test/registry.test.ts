import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROVIDER_IDS } from '@switchboard/events';
import { PROVIDERS, genericSource, normalizeGenericEvent, providerProblems, webhookRoutes, type ProviderEndpoint, type ProviderPlugin } from '@switchboard/providers';

const root = path.resolve(import.meta.dirname, '../../..');

/** A plug-in in the registry's shape, for the checks below (bindings are never called here). */
function plugin(name: string, endpoints: ProviderEndpoint<unknown>[], env?: Record<string, z.ZodType>): ProviderPlugin {
  return { name, endpoints, ...(env ? { config: { key: name, env: z.object(env), section: () => ({}) } } : {}) };
}
const endpoint = (id: string, ...paths: string[]): ProviderEndpoint<unknown> => ({
  id: id as ProviderEndpoint<unknown>['id'],
  routes: paths.map((p) => ({ method: 'POST' as const, path: p })),
  bind: () => ({ provider: genericSource(), secrets: () => undefined }),
  normalize: normalizeGenericEvent,
});

describe('the provider registry', () => {
  test('serves every route the contract had before plug-ins, aliases included, each by its provider', () => {
    // Contained rather than equal: a new provider adds its routes without touching this list.
    expect(webhookRoutes().map((r) => `${r.method} ${r.path} → ${r.provider}${r.alias ? ' (alias)' : ''}`)).toEqual(expect.arrayContaining([
      'POST /webhooks/twilio/messages → twilio-messaging',
      'POST /webhook/sms-response → twilio-messaging (alias)',
      'POST /api/webhook/twilio/incoming → twilio-messaging (alias)',
      'POST /webhooks/twilio/status → twilio-status',
      'POST /api/webhook/twilio/status → twilio-status (alias)',
      'POST /webhooks/twilio/voice → twilio-voice',
      'POST /webhooks/twilio/voice/menu → twilio-voice',
      'POST /webhooks/twilio/voice/recording → twilio-voice',
      'POST /webhooks/mailgun/inbound → mailgun',
      'POST /webhook/email-response → mailgun (alias)',
      'POST /webhooks/mailgun/events → mailgun-events',
      'POST /webhooks/unsubscribe/:token → unsubscribe',
      'POST /webhooks/whatsapp-bridge → whatsapp-bridge',
      'POST /webhook/whatsapp → whatsapp-bridge (alias)',
      'POST /webhooks/generic/:sourceId → generic',
    ]));
  });

  test('the registered list is consistent: every provider id claimed once, no route or variable twice', () => {
    expect(providerProblems()).toEqual([]);
  });

  test('a provider id left out, claimed twice or unknown, a route or a variable declared twice is named, one line each', () => {
    const problems = providerProblems(
      [
        plugin('one', [endpoint('twilio-messaging', '/a'), endpoint('twilio-status')], { SHARED: z.string() }),
        plugin('two', [endpoint('twilio-messaging', '/b'), endpoint('meta-whatsapp', '/a')], { SHARED: z.string() }),
      ],
      ['twilio-messaging', 'twilio-status', 'mailgun'],
    );
    expect(problems).toEqual([
      'provider id "twilio-status" (one) has no route',
      'variable SHARED is declared by both one and two',
      'provider id "twilio-messaging" is declared by both one and two',
      'route POST /a is declared by both one/twilio-messaging and two/meta-whatsapp',
      'provider id "mailgun" has no plug-in (add its folder\'s plugin to PROVIDERS in packages/providers/src/registry.ts)',
      'provider id "meta-whatsapp" is not in PROVIDER_IDS (packages/events)',
    ]);
  });

  test('two plug-ins cannot share a configuration section', () => {
    const same = (name: string) => ({ name, endpoints: [], config: { key: 'twilio', env: z.object({}), section: () => ({}) } });
    expect(providerProblems([same('a'), same('b')], [])).toEqual(['configuration section "twilio" is declared by both a and b']);
  });

  test('every provider id of PROVIDER_IDS has its normalizer and at least one route', () => {
    const ids = new Set(webhookRoutes().map((r) => r.provider));
    expect([...ids].sort()).toEqual([...PROVIDER_IDS].sort());
  });

  test("every route is in the contract's ingest table, and every route but the aliases in the README's list", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const contract = fs.readFileSync(path.join(root, 'docs/contract.md'), 'utf8');
    // A path in backquotes, alone or after its method: `/webhooks/x` or `POST /webhooks/x`.
    const names = (doc: string, route: { path: string }) => doc.includes(`\`${route.path}\``) || doc.includes(` ${route.path}\``);
    const missing = [
      ...webhookRoutes().filter((route) => !names(contract, route)).map((route) => `docs/contract.md: ${route.method} ${route.path}`),
      ...webhookRoutes().filter((route) => !route.alias && !names(readme, route)).map((route) => `README.md: ${route.method} ${route.path}`),
    ];
    expect(missing).toEqual([]);
  });

  test("every provider variable is described and in the README's and the contract's environment tables", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const contract = fs.readFileSync(path.join(root, 'docs/contract.md'), 'utf8');
    const tableRows = (doc: string) => doc.split('\n').filter((line) => line.startsWith('| `'));
    const missing: string[] = [];
    for (const p of PROVIDERS as readonly ProviderPlugin[]) {
      for (const [name, schema] of Object.entries(p.config?.env.shape ?? {})) {
        if (!(schema as z.ZodType).description) missing.push(`${name}: no description`);
        for (const [doc, text] of [['README.md', readme], ['docs/contract.md', contract]] as const) {
          if (!tableRows(text).some((row) => row.split('|')[1]!.includes(`\`${name}\``))) missing.push(`${name}: not in ${doc}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
