import type { Config } from '@switchboard/config';
import { PROVIDERS, type ProviderBinding, type ProviderPlugin } from '@switchboard/providers';
import type { SourceCache } from './source-cache.ts';

/**
 * Every registered provider wired to its secrets from its own configuration section, by provider
 * id. A provider whose secret is not configured still gets its routes: they answer 503 "source
 * not configured" rather than accept unverified traffic.
 */
export function providerBindings(config: Config, sources: SourceCache, plugins: readonly ProviderPlugin[] = PROVIDERS): Map<string, ProviderBinding> {
  const { ingest } = config;
  const context = { keywordsFile: config.keywordsFile, ivrFile: ingest.ivrFile, operatorPhone: ingest.operatorPhone, voice: ingest.voice, sources };
  const sections = config as unknown as Record<string, unknown>;
  const bindings = new Map<string, ProviderBinding>();
  for (const plugin of plugins) {
    const section = plugin.config ? sections[plugin.config.key] : undefined;
    for (const endpoint of plugin.endpoints) bindings.set(endpoint.id, endpoint.bind(section, context));
  }
  return bindings;
}
