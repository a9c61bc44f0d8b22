import type { EmailEvent, RawEventPayload } from '@switchboard/events';
import { JSON_OK } from '../generic/index.ts';
import type { AcceptOutcome, IngestRequest, Provider } from '../types.ts';
import { verifyUnsubscribeToken } from './unsubscribe.ts';

/** UNSUBSCRIBE_SECRET, which signs the links the dispatcher puts in List-Unsubscribe. */
export type UnsubscribeSecrets = { secret: string };
export type UnsubscribeFields = { campaignMessageId: string };

/** The token: the last path segment of the URL the mail client posted to. */
function tokenOf(url: string): string {
  const path = new URL(url, 'http://localhost').pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

function acceptUnsubscribe(request: IngestRequest, secrets: UnsubscribeSecrets): AcceptOutcome<UnsubscribeFields> {
  const verified = verifyUnsubscribeToken(secrets.secret, tokenOf(request.url));
  if (!verified.ok) return { ok: false, reason: 'forbidden', error: verified.error };
  // One opt-out per message: a second click (or a mail client's retry) is the same event.
  return { ok: true, dedupKey: `unsubscribe.${verified.campaignMessageId}`, fields: { campaignMessageId: verified.campaignMessageId } };
}

/**
 * One-click unsubscribe (`POST /webhooks/unsubscribe/:token`, RFC 8058): the mail client posts
 * `List-Unsubscribe=One-Click` to the URL of the List-Unsubscribe header. The token is the proof;
 * the body is not needed. There is no unsigned mode: without the secret nothing can be checked.
 */
export function unsubscribe(): Provider<UnsubscribeSecrets, UnsubscribeFields> {
  return {
    id: 'unsubscribe',
    // RFC 8058 says form-urlencoded or multipart; some clients send an empty text/plain body.
    contentTypes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain', ''],
    integration: 'email',
    accept: acceptUnsubscribe,
    acceptUnsigned: () => ({ ok: false, reason: 'not_configured', error: 'UNSUBSCRIBE_SECRET is not set' }),
    reply: () => JSON_OK,
  };
}

/** A stored one-click unsubscribe → an `unsubscribed` {@link EmailEvent} of its campaign message. */
export function normalizeUnsubscribe(event: RawEventPayload): EmailEvent {
  const campaignMessageId = /^unsubscribe\.([0-9a-f-]{36})$/.exec(event.dedupKey)?.[1];
  if (!campaignMessageId) throw new Error(`unexpected dedup key ${event.dedupKey}`);
  return {
    kind: 'email-event',
    id: `one-click.${campaignMessageId}`,
    event: 'unsubscribed',
    messageId: null,
    campaignMessageId,
    recipient: null,
    severity: null,
    errorCode: null,
    errorMessage: null,
    occurredAt: event.receivedAt,
  };
}
