import webhooks from 'twilio/lib/webhooks/webhooks.js';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

/** Posts a form to `url` signed as Twilio signs it (with the twilio package's own algorithm). */
export async function postSignedTwilio(
  url: string,
  params: Record<string, string>,
  options: { authToken: string; signature?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': options.signature ?? getExpectedTwilioSignature(options.authToken, url, params),
      ...options.headers,
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

let counter = 0;
/** A fresh, realistic MessageSid. */
export function messageSid(): string {
  counter += 1;
  return `SM${Date.now().toString(16).padStart(16, '0')}${counter.toString(16).padStart(16, '0')}`;
}

/** An inbound SMS as Twilio posts it. */
export function inboundSms(overrides: Record<string, string> = {}): Record<string, string> {
  const sid = overrides.MessageSid ?? messageSid();
  return {
    ToCountry: 'FR', ToState: '', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid, FromState: '',
    SmsStatus: 'received', FromCity: '', Body: 'Bonjour', FromCountry: 'FR', To: '+33757000000', ToZip: '', NumSegments: '1',
    MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+33612345678', ApiVersion: '2010-04-01',
    ...overrides,
  };
}
