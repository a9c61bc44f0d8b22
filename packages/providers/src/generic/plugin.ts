import type { IngestContext, ProviderPlugin, SecretsAnswer } from '../plugin.ts';
import { REGISTRY_UNAVAILABLE, UNKNOWN_SOURCE } from '../plugin.ts';
import { genericSource, normalizeGenericEvent, type GenericSecrets } from './index.ts';

/**
 * A generic source's secrets from ingest's source registry. An id that does not exist (or was
 * deleted) is 404 `unknown source`, like any URL that names nothing; a source without a secret
 * is 503 `source not configured`; an id never seen while Postgres is unreachable is 503.
 */
function genericSecrets(sources: IngestContext['sources']) {
  return async ({ sourceId }: { sourceId?: string }): Promise<SecretsAnswer<GenericSecrets>> => {
    if (!sourceId) return UNKNOWN_SOURCE;
    const found = await sources.lookup(sourceId);
    if (found.kind === 'unknown') return UNKNOWN_SOURCE;
    if (found.kind === 'unavailable') return REGISTRY_UNAVAILABLE;
    return found.secrets.length > 0 ? { secrets: found.secrets } : undefined;
  };
}

/** Any system signing per Standard Webhooks, one source per id, made in the console (no variables). */
export const genericPlugin = {
  name: 'generic',
  endpoints: [
    {
      id: 'generic',
      routes: [{ method: 'POST', path: '/webhooks/generic/:sourceId' }],
      bind: (_config, ingest) => ({ provider: genericSource(), secrets: genericSecrets(ingest.sources) }),
      normalize: normalizeGenericEvent,
    },
  ],
} as const satisfies ProviderPlugin;
