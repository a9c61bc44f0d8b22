import type { RawEventPayload } from '@switchboard/events';

/** A minimal Twilio message raw event whose dedup key (and so job id) is `key`. */
export function rawEvent(key: string): RawEventPayload {
  return {
    provider: 'twilio-messaging',
    dedupKey: key,
    route: '/webhooks/twilio/messages',
    url: 'http://127.0.0.1/webhooks/twilio/messages',
    receivedAt: '2026-11-23T10:00:00.000Z',
    headers: {},
    body: `MessageSid=${key}`,
    bodyEncoding: 'utf8',
  };
}
