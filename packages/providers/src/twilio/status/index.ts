import { MESSAGE_STATUSES } from '@switchboard/domain';
import type { MessageStatusValue, RawEventPayload, StatusUpdate } from '@switchboard/events';
import { parseTwilioAddress } from '../../address.ts';
import type { IngestRequest, NormalizeContext, Provider } from '../../types.ts';
import { acceptTwilio, field, FORM, JSON_TYPE, twilioParams, type TwilioSecrets } from '../common.ts';
import { diagnoseTwilio } from '../diagnosis.ts';
import { EMPTY_TWIML, TWIML_CONTENT_TYPE } from '../twiml.ts';

/** Fields every status callback carries (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status). */
export const REQUIRED_STATUS_FIELDS = ['MessageSid', 'MessageStatus'] as const;

export type StatusFields = { messageSid: string; status: string };

/**
 * Twilio message status callbacks (`POST /webhooks/twilio/status`). Each status is its own event:
 * the dedup key is `MessageSid.MessageStatus` (both signed), so a retried or replayed callback is
 * a duplicate and the next status is not.
 */
export function twilioStatus(): Provider<TwilioSecrets, StatusFields> {
  const accept = (request: IngestRequest, secrets: TwilioSecrets | null) => {
    const outcome = acceptTwilio(request, secrets, REQUIRED_STATUS_FIELDS);
    if (!outcome.ok) return outcome;
    const messageSid = field(outcome.params, 'MessageSid')!;
    const status = field(outcome.params, 'MessageStatus')!;
    return { ok: true as const, dedupKey: `${messageSid}.${status}`, fields: { messageSid, status }, bodyContentType: outcome.bodyContentType };
  };
  return {
    id: 'twilio-status',
    contentTypes: [FORM, JSON_TYPE],
    integration: 'sms',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    diagnose: diagnoseTwilio,
    reply: () => ({ contentType: TWIML_CONTENT_TYPE, body: EMPTY_TWIML }),
  };
}

function isMessageStatus(value: string): value is MessageStatusValue {
  return (MESSAGE_STATUSES as readonly string[]).includes(value);
}

/** A status callback → a status update. An unknown status throws: it cannot be applied, and must not be guessed. */
export function normalizeTwilioStatus(event: RawEventPayload, context: NormalizeContext = {}): StatusUpdate {
  const params = twilioParams(event);
  const sid = field(params, 'MessageSid') ?? field(params, 'SmsSid');
  if (!sid) throw new Error('Twilio status callback without MessageSid');
  const rawStatus = field(params, 'MessageStatus') ?? field(params, 'SmsStatus') ?? '';
  const status = rawStatus.trim().toLowerCase();
  if (!isMessageStatus(status)) throw new Error(`unknown Twilio message status "${rawStatus}" for ${sid} (expected one of ${MESSAGE_STATUSES.join(', ')})`);
  const to = field(params, 'To') ?? field(params, 'ChannelToAddress');
  const from = field(params, 'From') ?? '';
  const errorCode = Number(field(params, 'ErrorCode') ?? '');
  const errorMessage = field(params, 'ErrorMessage');
  return {
    kind: 'status',
    providerMessageId: sid,
    status,
    errorCode: field(params, 'ErrorCode') && Number.isInteger(errorCode) ? errorCode : null,
    errorMessage: errorMessage ? errorMessage : null,
    recipient: to ? parseTwilioAddress(to, context.defaultCountry).address : null,
    channel: /^whatsapp:/i.test(to ?? '') || /^whatsapp:/i.test(from) ? 'whatsapp' : 'sms',
    receivedAt: event.receivedAt,
  };
}
