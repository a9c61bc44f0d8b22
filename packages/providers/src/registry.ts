import { PROVIDER_IDS, type NormalizedEvent, type ProviderId, type RawEventPayload } from '@switchboard/events';
import { genericPlugin } from './generic/plugin.ts';
import { mailgunPlugin } from './mailgun/plugin.ts';
import { metaWhatsappPlugin } from './meta-whatsapp/plugin.ts';
import type { Normalizer, ProviderPlugin, ProviderRoute } from './plugin.ts';
import { twilioPlugin } from './twilio/plugin.ts';
import type { NormalizeContext } from './types.ts';
import { vonagePlugin } from './vonage/plugin.ts';
import { whatsappBridgePlugin } from './whatsapp-bridge/plugin.ts';

/**
 * THE list of providers: one line per provider folder. Ingest's routes and bindings, the
 * configuration's provider sections and the listener's normalizers all come from it.
 */
export const PROVIDERS = [twilioPlugin, mailgunPlugin, whatsappBridgePlugin, genericPlugin, vonagePlugin, metaWhatsappPlugin] as const;

type Registered = (typeof PROVIDERS)[number];
type RegisteredEndpoint = Registered['endpoints'][number];

/**
 * Each plug-in's configuration section by its key (`config.twilio`, `config.mailgun`…), typed
 * from the plug-ins themselves: the configuration package adds them to `Config`.
 */
export type ProviderSections = {
  [P in Registered as P extends { config: { key: infer K extends string } } ? K : never]: P extends { config: { section(env: never): infer C } } ? C : never;
};

/** A public webhook route with the provider id whose events it receives. */
export type WebhookRoute = ProviderRoute & { provider: ProviderId };

/** Every route of `plugins`, in their order. */
export function webhookRoutes(plugins: readonly ProviderPlugin[] = PROVIDERS): WebhookRoute[] {
  return plugins.flatMap((plugin) => plugin.endpoints.flatMap((endpoint) => endpoint.routes.map((route) => ({ ...route, provider: endpoint.id }))));
}

/**
 * What is wrong with a list of plug-ins, one line each: an id of `PROVIDER_IDS` no endpoint
 * claims or two claim, an endpoint without a route, a route (method and path) or a variable
 * declared twice, a configuration key used twice. Ingest refuses to start on any of them.
 */
export function providerProblems(plugins: readonly ProviderPlugin[] = PROVIDERS, ids: readonly string[] = PROVIDER_IDS): string[] {
  const problems: string[] = [];
  const claimed = new Map<string, string>();
  const routes = new Map<string, string>();
  const variables = new Map<string, string>();
  const keys = new Map<string, string>();
  const once = (seen: Map<string, string>, key: string, owner: string, what: string) => {
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${what} is declared by both ${first} and ${owner}`);
    else seen.set(key, owner);
  };
  for (const plugin of plugins) {
    if (plugin.config) {
      once(keys, plugin.config.key, plugin.name, `configuration section "${plugin.config.key}"`);
      for (const name of Object.keys(plugin.config.env.shape)) once(variables, name, plugin.name, `variable ${name}`);
    }
    for (const endpoint of plugin.endpoints) {
      once(claimed, endpoint.id, plugin.name, `provider id "${endpoint.id}"`);
      if (endpoint.routes.length === 0) problems.push(`provider id "${endpoint.id}" (${plugin.name}) has no route`);
      for (const route of endpoint.routes) once(routes, `${route.method} ${route.path}`, `${plugin.name}/${endpoint.id}`, `route ${route.method} ${route.path}`);
    }
  }
  for (const id of ids) if (!claimed.has(id)) problems.push(`provider id "${id}" has no plug-in (add its folder's plugin to PROVIDERS in packages/providers/src/registry.ts)`);
  for (const id of claimed.keys()) if (!ids.includes(id)) problems.push(`provider id "${id}" is not in PROVIDER_IDS (packages/events)`);
  return problems;
}

/**
 * Each provider's normalizer, by provider id: the listener's one entry point. Typed from the
 * registered endpoints, so an id of `PROVIDER_IDS` without a registered endpoint fails to compile.
 */
const normalizers: Record<ProviderId, Normalizer> = Object.fromEntries(
  PROVIDERS.flatMap((plugin) => plugin.endpoints.map((endpoint): [RegisteredEndpoint['id'], Normalizer] => [endpoint.id, endpoint.normalize])),
) as Record<RegisteredEndpoint['id'], Normalizer>;

/**
 * Normalizes a stored raw event; throws for a provider with no normalizer (a bug, not bad input).
 * Every NUL character in the result becomes U+FFFD: Postgres text and jsonb cannot hold NUL, and a
 * signed `Body=a%00b` would otherwise fail its insert on every retry, acknowledged but never saved.
 */
export function normalizeEvent(event: RawEventPayload, context: NormalizeContext = {}): NormalizedEvent {
  const normalize = normalizers[event.provider];
  if (!normalize) throw new Error(`no normalizer for provider ${event.provider}`);
  return withoutNul(normalize(event, context));
}

/** The replacement for NUL in normalized text: what a decoder puts for a character it cannot keep. */
export const NUL_REPLACEMENT = '\uFFFD';

/**
 * `value` with NUL replaced in every string it holds, keys included. Nearly every event holds
 * none: it is checked first without allocating, and returned as it is.
 */
export function withoutNul<T>(value: T): T {
  return holdsNul(value) ? replaceNul(value) : value;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  const proto: unknown = value && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value as object) {
    if (key.includes('\u0000') || holdsNul((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** The copy, where something holds a NUL. */
function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', NUL_REPLACEMENT) : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => replaceNul(v)) as T;
  // Plain objects only (querystring's results have no prototype).
  const proto: unknown = value && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [replaceNul(k), replaceNul(v)])) as T;
  }
  return value;
}
