import type { Config } from '@switchboard/config';
import type { ProviderId } from '@switchboard/events';
import { genericSource, loadIvrMenu, loadKeywordReplies, mailgun, mailgunEvents, twilioMessaging, unsubscribe, twilioStatus, twilioVoice, whatsappBridge } from '@switchboard/providers';
import { REGISTRY_UNAVAILABLE, UNKNOWN_SOURCE, type ProviderBinding, type SecretsAnswer } from './handler.ts';
import type { SourceCache } from './source-cache.ts';

/**
 * A generic source's secrets from the registry cache. An id that does not exist (or was
 * deleted) is 404 `unknown source`, like any URL that names nothing; a source without a secret
 * is 503 `source not configured`; an id never seen while Postgres is unreachable is 503.
 */
export function genericSecrets(sources: SourceCache) {
  return async ({ sourceId }: { sourceId?: string }): Promise<SecretsAnswer<{ secrets: string[] }>> => {
    if (!sourceId) return UNKNOWN_SOURCE;
    const found = await sources.lookup(sourceId);
    if (found.kind === 'unknown') return UNKNOWN_SOURCE;
    if (found.kind === 'unavailable') return REGISTRY_UNAVAILABLE;
    return found.secrets.length > 0 ? { secrets: found.secrets } : undefined;
  };
}

/**
 * Every provider of CONTRACT.md's ingest table wired to its secrets from the configuration. A
 * provider whose secret is not configured still gets its routes: they answer 503 "source not
 * configured" rather than accept unverified traffic.
 */
export function providerBindings(config: Config, sources: SourceCache): Partial<Record<ProviderId, ProviderBinding>> {
  const twilio = config.twilio.authToken ? { authToken: config.twilio.authToken } : undefined;
  const mailgunSecrets = config.mailgun.signingKey ? { signingKey: config.mailgun.signingKey } : undefined;
  const unsubscribeSecrets = config.mailgun.unsubscribeSecret ? { secret: config.mailgun.unsubscribeSecret } : undefined;
  const bridge = config.whatsappBridge.secret ? { secret: config.whatsappBridge.secret } : undefined;
  const { ingest } = config;
  return {
    'twilio-messaging': { provider: twilioMessaging({ keywordReplies: loadKeywordReplies(config.keywordsFile) }), secrets: () => twilio },
    'twilio-status': { provider: twilioStatus(), secrets: () => twilio },
    'twilio-voice': {
      provider: twilioVoice({ menu: loadIvrMenu(ingest.ivrFile), operatorPhone: ingest.operatorPhone, language: ingest.voice.language, voice: ingest.voice.voice }),
      secrets: () => twilio,
    },
    mailgun: { provider: mailgun(), secrets: () => mailgunSecrets },
    'mailgun-events': { provider: mailgunEvents(), secrets: () => mailgunSecrets },
    unsubscribe: { provider: unsubscribe(), secrets: () => unsubscribeSecrets },
    'whatsapp-bridge': { provider: whatsappBridge({ allowedIps: config.whatsappBridge.allowedIps }), secrets: () => bridge },
    generic: { provider: genericSource(), secrets: genericSecrets(sources) },
  };
}
