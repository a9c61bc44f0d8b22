import type { InboundMessage, RawEventPayload } from '@switchboard/events';
import { parseTwilioAddress } from '../../address.ts';
import { definedOnly } from '../../defined.ts';
import type { IngestRequest, NormalizeContext, Provider } from '../../types.ts';
import { acceptTwilio, field, FORM, JSON_TYPE, twilioParams, type TwilioSecrets } from '../common.ts';
import { diagnoseTwilio } from '../diagnosis.ts';
import type { FormParams } from '../signature.ts';
import { EMPTY_TWIML, twiml, TWIML_CONTENT_TYPE, xmlEscape } from '../twiml.ts';
import { keywordMatcher, DEFAULT_KEYWORD_REPLIES, type KeywordReplies } from './keywords.ts';

/** Fields Twilio always sends with an inbound message (https://www.twilio.com/docs/messaging/guides/webhook-request). */
export const REQUIRED_MESSAGE_FIELDS = ['MessageSid', 'From', 'To', 'Body'] as const;

export type MessagingFields = { body: string };

export type MessagingOptions = { keywordReplies?: KeywordReplies };

/** Twilio inbound SMS, MMS and WhatsApp messages. */
export function twilioMessaging(options: MessagingOptions = {}): Provider<TwilioSecrets, MessagingFields> {
  const matchKeyword = keywordMatcher(options.keywordReplies ?? DEFAULT_KEYWORD_REPLIES);
  const accept = (request: IngestRequest, secrets: TwilioSecrets | null) => {
    const outcome = acceptTwilio(request, secrets, REQUIRED_MESSAGE_FIELDS);
    if (!outcome.ok) return outcome;
    // MessageSid is signed; Twilio's idempotency header is not (see IDEMPOTENCY_HEADER).
    const sid = field(outcome.params, 'MessageSid')!;
    return { ok: true as const, dedupKey: sid, fields: { body: field(outcome.params, 'Body') ?? '' }, bodyContentType: outcome.bodyContentType };
  };
  return {
    id: 'twilio-messaging',
    contentTypes: [FORM, JSON_TYPE],
    integration: 'sms',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    diagnose: diagnoseTwilio,
    reply(fields) {
      const text = matchKeyword(fields.body);
      return { contentType: TWIML_CONTENT_TYPE, body: text === undefined ? EMPTY_TWIML : twiml(`<Message>${xmlEscape(text)}</Message>`) };
    },
  };
}

/** The campaign a webhook URL names, e.g. `/webhooks/twilio/messages?campaignId=…`. */
export function campaignFromUrl(url: string): string | null {
  const query = url.indexOf('?');
  if (query < 0) return null;
  const params = new URLSearchParams(url.slice(query + 1));
  return params.get('campaignId') ?? params.get('campaign_id') ?? params.get('campaign') ?? null;
}

function mediaOf(params: FormParams): { url: string; contentType: string | null }[] {
  const count = Number(field(params, 'NumMedia') ?? '0');
  const media: { url: string; contentType: string | null }[] = [];
  for (let i = 0; i < count && i < 10; i++) {
    const url = field(params, `MediaUrl${i}`);
    if (url) media.push({ url, contentType: field(params, `MediaContentType${i}`) ?? null });
  }
  return media;
}

/** A Twilio inbound message → the seed's message shape. */
export function normalizeTwilioMessage(event: RawEventPayload, context: NormalizeContext = {}): InboundMessage {
  const params = twilioParams(event);
  const from = parseTwilioAddress(field(params, 'From') ?? '', field(params, 'FromCountry') ?? context.defaultCountry);
  const to = field(params, 'To');
  const latitude = field(params, 'Latitude');
  const longitude = field(params, 'Longitude');
  return {
    kind: 'message',
    source: from.channel,
    externalId: field(params, 'MessageSid') ?? field(params, 'SmsMessageSid') ?? event.dedupKey,
    sender: from.address,
    recipient: to ? parseTwilioAddress(to, field(params, 'ToCountry') ?? context.defaultCountry).address : null,
    content: field(params, 'Body') ?? '',
    campaignId: campaignFromUrl(event.url),
    receivedAt: event.receivedAt,
    extractedData: definedOnly({
      channel: from.channel,
      media: mediaOf(params).length > 0 ? mediaOf(params) : undefined,
      numSegments: field(params, 'NumSegments') ? Number(field(params, 'NumSegments')) : undefined,
      profileName: field(params, 'ProfileName'),
      waId: field(params, 'WaId'),
      location: latitude && longitude ? { latitude: Number(latitude), longitude: Number(longitude), address: field(params, 'Address'), label: field(params, 'Label') } : undefined,
      buttonText: field(params, 'ButtonText'),
      buttonPayload: field(params, 'ButtonPayload'),
      fromCity: field(params, 'FromCity'),
      fromState: field(params, 'FromState'),
      fromZip: field(params, 'FromZip'),
      fromCountry: field(params, 'FromCountry'),
      messagingServiceSid: field(params, 'MessagingServiceSid'),
      accountSid: field(params, 'AccountSid'),
      referral: field(params, 'ReferralSourceUrl') ? { sourceUrl: field(params, 'ReferralSourceUrl'), headline: field(params, 'ReferralHeadline'), body: field(params, 'ReferralBody') } : undefined,
    }),
    rawData: params as Record<string, unknown>,
  };
}
