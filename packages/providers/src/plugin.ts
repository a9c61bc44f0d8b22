/**
 * A provider as a plug-in: everything the rest of the project needs to know about it, in its own
 * folder (`<folder>/plugin.ts`), registered by one line in `registry.ts`. Ingest's routes and
 * bindings, the configuration's provider sections and the listener's normalizers are all derived
 * from that list, so a provider cannot be half-registered.
 */

import type { z } from 'zod';
import type { NormalizedEvent, ProviderId, RawEventPayload } from '@switchboard/events';
import type { IngestRequest, NormalizeContext, Provider } from './types.ts';

/**
 * A public route. POST routes carry events; a GET route answers a provider's subscription check
 * (Meta's `hub.challenge`) through its provider's `challenge`. An alias (a path kept for
 * installations that followed the seed documents) verifies signatures against its own URL.
 */
export type ProviderRoute = { method: 'GET' | 'POST'; path: string; alias?: true };

/** A stored raw event to its normalized form: the listener's side of a provider, pure. */
export type Normalizer = (event: RawEventPayload, context: NormalizeContext) => NormalizedEvent;

/**
 * What ingest knows of a generic source id (its source registry cache): its secrets, that it does
 * not exist (or was deleted), or that the registry could not be read for an id never seen.
 */
export type SourceLookup = { kind: 'found'; secrets: string[] } | { kind: 'unknown' } | { kind: 'unavailable' };

/** A binding's answer for a source id that does not exist (or was deleted): 404. */
export const UNKNOWN_SOURCE = Symbol('unknown source');
/** A binding's answer when the source registry cannot be read for an id never seen: 503. */
export const REGISTRY_UNAVAILABLE = Symbol('source registry unavailable');

/** A binding's secrets; `undefined` means the route is not configured (503). */
export type SecretsAnswer<S> = S | undefined | typeof UNKNOWN_SOURCE | typeof REGISTRY_UNAVAILABLE;

/** A provider wired to its secrets, as ingest serves it. */
export type ProviderBinding<S = unknown, F = unknown> = {
  provider: Provider<S, F>;
  secrets(request: Pick<IngestRequest, 'sourceId'>): SecretsAnswer<S> | Promise<SecretsAnswer<S>>;
};

/** A binding's secrets when the configuration alone gives them: `undefined` (503) while unset. */
export function configuredSecrets<S>(secrets: S | undefined): () => S | undefined {
  return () => secrets;
}

/**
 * What ingest gives a provider when it binds it, besides the provider's own configuration section:
 * ingest's answer settings (Twilio's TwiML) and the generic sources' registry.
 */
export type IngestContext = {
  /** KEYWORDS_FILE: keyword → auto-reply. */
  keywordsFile?: string;
  /** IVR_FILE, OPERATOR_PHONE, VOICE_LANGUAGE, VOICE_NAME: the voice menu. */
  ivrFile?: string;
  operatorPhone?: string;
  voice: { language: string; voice: string };
  sources: { lookup(sourceId: string): SourceLookup | Promise<SourceLookup> };
};

/**
 * One kind of raw event: its provider id (stored with every raw event), the routes that receive
 * it, how ingest verifies and answers it (`bind`, from the plug-in's configuration section) and
 * how the listener normalizes it.
 */
export type ProviderEndpoint<C> = {
  id: ProviderId;
  routes: readonly ProviderRoute[];
  bind(config: C, ingest: IngestContext): ProviderBinding;
  normalize: Normalizer;
};

/**
 * A plug-in's environment variables: a zod object of its own (each variable `.describe()`d; the
 * README's table lists them, a test checks it), read into `config[key]` by `section`.
 */
export type ProviderConfig<C> = {
  key: string;
  env: z.ZodObject;
  section(env: never): C;
};

/** One provider folder: its configuration (if it has any) and its endpoints. */
export type ProviderPlugin<C = unknown> = {
  /** The folder under `packages/providers/src/`. */
  name: string;
  config?: ProviderConfig<C>;
  endpoints: readonly ProviderEndpoint<C>[];
};
