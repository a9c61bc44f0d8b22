import { JSON_OK } from '../generic/index.ts';
import type { AcceptOutcome, IngestRequest, Provider } from '../types.ts';
import { bodyDedupKey, parseMetaBody } from './payload.ts';
import { META_SIGNATURE_HEADER, verifyMetaSignature } from './signature.ts';
import { answerMetaSubscription } from './subscription.ts';

/** META_APP_SECRET, the key of `X-Hub-Signature-256`, and META_VERIFY_TOKEN, for the GET check: each route is unconfigured (503) without its own. */
export type MetaSecrets = { appSecret?: string; verifyToken?: string };

/** How many events the body made. */
export type MetaFields = { items: number };

/**
 * Meta's WhatsApp Cloud API webhooks (`POST /webhooks/meta/whatsapp`). One POST may carry many
 * messages and statuses (`entry[].changes[].value.messages[]`, `statuses[]`): each becomes its own
 * event with its own dedup key (the wamid; `wamid.status` for a status), so a retry of the same
 * POST (Meta retries for up to 7 days) is deduplicated item by item and a replay re-runs one item.
 * A body with neither is kept as one event keyed by its hash (see normalizeMetaWhatsapp).
 */
export function metaWhatsapp(): Provider<MetaSecrets, MetaFields> {
  const accept = (request: IngestRequest, secrets: MetaSecrets | null): AcceptOutcome<MetaFields> => {
    if (secrets) {
      if (!secrets.appSecret) return { ok: false, reason: 'not_configured', error: 'source not configured' };
      const header = request.headers[META_SIGNATURE_HEADER];
      const verified = verifyMetaSignature(secrets.appSecret, typeof header === 'string' ? header : undefined, request.body);
      if (!verified.ok) return verified;
    }
    const parsed = parseMetaBody(request.body);
    if (!parsed.ok) return { ok: false, reason: 'invalid', error: parsed.error, fields: parsed.fields };
    if (parsed.items.length === 0) return { ok: true, dedupKey: bodyDedupKey(request.body), fields: { items: 1 } };
    return { ok: true, dedupKey: parsed.items[0]!.dedupKey, items: parsed.items, fields: { items: parsed.items.length } };
  };
  return {
    id: 'meta-whatsapp',
    contentTypes: ['application/json'],
    integration: 'whatsapp',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    reply: () => JSON_OK,
    challenge: (request, secrets) => {
      const answer = answerMetaSubscription(Object.fromEntries(new URL(request.url).searchParams), secrets.verifyToken);
      if (answer.status === 200) return { ok: true, reply: { contentType: answer.contentType, body: answer.body } };
      const error = (JSON.parse(answer.body) as { error: string }).error;
      if (answer.status === 503) return { ok: false, reason: 'not_configured', error };
      if (answer.status === 400) return { ok: false, reason: 'invalid', error, fields: ['hub.challenge'] };
      return { ok: false, reason: 'forbidden', error };
    },
  };
}

export { normalizeMetaWhatsapp, metaPhone } from './normalize.ts';
export { parseMetaBody, bodyDedupKey } from './payload.ts';
export type { MetaItem, MetaBody } from './payload.ts';
export { metaSignature, verifyMetaSignature, META_SIGNATURE_HEADER } from './signature.ts';
export type { MetaVerification } from './signature.ts';
export { answerMetaSubscription } from './subscription.ts';
export type { SubscriptionAnswer } from './subscription.ts';
