import { signStandardWebhook } from '@switchboard/providers';

/** The secrets an endpoint signs with now: the current one, and the previous one until its overlap ends. */
export function signingSecrets(endpoint: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null }, now: Date): string[] {
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) secrets.push(endpoint.previousSecret);
  return secrets;
}

/**
 * The Standard Webhooks headers of one attempt (https://www.standardwebhooks.com/): the id is the
 * delivery's (the same on every retry, so a receiver dedupes on it), the timestamp is the
 * attempt's (receivers reject stale ones), one `v1,` signature per secret, space-separated.
 */
export function standardWebhookHeaders(input: { id: string; now: Date; body: string; secrets: readonly string[] }): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1_000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': input.secrets.map((secret) => signStandardWebhook({ secret, id: input.id, timestamp, body: input.body })).join(' '),
  };
}
