import type { MessageStatusValue, RawEventPayload, StatusUpdate } from '@switchboard/events';
import type { IngestRequest, NormalizeContext, Provider } from '../types.ts';
import { acceptVonage, EMPTY_REPLY, type VonageSecrets } from './common.ts';
import { JSON_TYPE, storedVonageBody, vonageAddress, vonageStatusSchema, type VonageStatus } from './payload.ts';

export type VonageStatusFields = { messageUuid: string; status: string };

/**
 * Vonage Messages API message statuses (`POST /webhooks/vonage/status`). Each status is its own
 * event: the dedup key is `message_uuid.status`, so a retried status is a duplicate and the next
 * one is not.
 */
export function vonageStatus(): Provider<VonageSecrets, VonageStatusFields> {
  const accept = (request: IngestRequest, secrets: VonageSecrets | null) => {
    const outcome = acceptVonage(request, secrets, vonageStatusSchema);
    if (!outcome.ok) return outcome;
    const { message_uuid: messageUuid, status } = outcome.value;
    return { ok: true as const, dedupKey: `${messageUuid}.${status}`, fields: { messageUuid, status }, bodyContentType: JSON_TYPE };
  };
  return {
    id: 'vonage-status',
    contentTypes: [JSON_TYPE],
    integration: 'sms',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    reply: () => EMPTY_REPLY,
  };
}

/**
 * Vonage's statuses on the status machine: `submitted` (handed to the carrier or WhatsApp) is
 * sent; `rejected` (Vonage refused it) is failed; `undeliverable` (the carrier or WhatsApp could
 * not deliver) is undelivered.
 */
export const VONAGE_STATUS_MAP: Record<VonageStatus['status'], MessageStatusValue> = {
  submitted: 'sent',
  delivered: 'delivered',
  read: 'read',
  rejected: 'failed',
  undeliverable: 'undelivered',
};

/**
 * The error code of a failed status. Vonage's error is RFC 7807 problem details: `title` is the
 * code (`1320`, sometimes a JSON number) and `type` a link ending in `#1320`; `detail` says why.
 */
export function vonageErrorCode(error: VonageStatus['error']): number | null {
  if (!error) return null;
  const title = String(error.title ?? '').trim();
  if (/^\d+$/.test(title)) return Number(title);
  const fragment = /#(\d+)$/.exec(error.type ?? '');
  return fragment ? Number(fragment[1]) : null;
}

/** A stored status → a status update for the campaign message whose provider id is `message_uuid`. */
export function normalizeVonageStatus(event: RawEventPayload, context: NormalizeContext = {}): StatusUpdate {
  const status = storedVonageBody(event, vonageStatusSchema);
  const title = status.error?.title;
  const errorMessage = status.error?.detail ?? (typeof title === 'string' && !/^\d+$/.test(title.trim()) ? title : undefined);
  return {
    kind: 'status',
    providerMessageId: status.message_uuid,
    status: VONAGE_STATUS_MAP[status.status],
    errorCode: vonageErrorCode(status.error),
    errorMessage: errorMessage ?? null,
    recipient: status.to ? vonageAddress(status.to, context.defaultCountry) : null,
    channel: status.channel,
    receivedAt: event.receivedAt,
  };
}
