/**
 * Twilio error codes after which a new attempt may reach the recipient: the failure was about
 * the moment (a queue, a carrier, a handset out of reach, a rate), not the number or the content.
 * https://www.twilio.com/docs/api/errors
 */
export const RETRYABLE_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [30001, 'queue overflow: Twilio could not queue the message in time'],
  [30003, 'unreachable destination handset (switched off, out of coverage)'],
  [30008, 'unknown error from the carrier'],
  [30009, 'missing segment of a multipart message'],
  [30017, 'carrier network congestion'],
  [30022, 'US A2P 10DLC throughput exceeded'],
  [63018, 'WhatsApp rate limit exceeded for the sender'],
  [63038, 'WhatsApp account daily messaging limit reached'],
]);

/**
 * Codes that end a message for good even though its status is `failed`: the number, the
 * recipient's consent or the content is the problem, so a resend fails the same way (or worse,
 * reaches someone who said STOP).
 */
export const PERMANENT_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [21211, 'invalid To number'],
  [21408, 'permission to send to this region not enabled'],
  [21610, 'the recipient replied STOP'],
  [21614, 'To is not a mobile number'],
  [30004, 'message blocked by the recipient'],
  [30005, 'unknown or inactive destination number'],
  [30006, 'landline or unreachable carrier'],
  [30007, 'carrier filtering (spam)'],
  [30034, 'unregistered A2P 10DLC sender'],
  [63016, 'WhatsApp: outside the 24-hour window, a template is needed'],
  [63024, 'WhatsApp: invalid recipient'],
  // Meta's WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/).
  [131021, 'Meta: the recipient is the sender'],
  [131026, 'Meta: message undeliverable (no WhatsApp, old app, terms not accepted)'],
  [131030, 'Meta: recipient not in the test number\'s allowed list'],
  [131047, 'Meta: more than 24 hours since the last reply, a template is needed'],
  [131049, 'Meta: not delivered to keep the recipient\'s marketing experience healthy'],
  [131050, 'Meta: the recipient stopped marketing messages from this business'],
  [131051, 'Meta: unsupported message type'],
]);

/**
 * Vonage Messages API error codes after which a resend may pass: Vonage throttled the account
 * (https://developer.vonage.com/en/messages/concepts/errors). Every other `rejected` or
 * `undeliverable` is about the number, the recipient (not on WhatsApp, outside the 24-hour window)
 * or the content, so it is not sent again.
 */
export const VONAGE_RETRYABLE_ERROR_CODES: ReadonlyMap<number, string> = new Map([[1000, 'throttled: the account exceeded its submission capacity']]);

/**
 * True when a campaign message that ended `status` with `errorCode` should be sent again.
 * Vonage's codes are not Twilio's: a Vonage failure is resent only with a code known to be
 * temporary. Twilio's:
 * `failed` unless its code is known to be permanent (a `failed` is Twilio's own side failing to
 * send, most often for a moment), `undelivered` only with a code known to be temporary (an
 * undelivered message reached the carrier, which refused it: without a known temporary cause a
 * resend is most likely refused again, and costs).
 */
export function isRetryableFailure(status: string, errorCode: number | null | undefined, provider = 'twilio'): boolean {
  if (provider === 'vonage') return (status === 'failed' || status === 'undelivered') && errorCode != null && VONAGE_RETRYABLE_ERROR_CODES.has(errorCode);
  if (status === 'failed') return errorCode == null || !PERMANENT_ERROR_CODES.has(errorCode);
  if (status === 'undelivered') return errorCode != null && RETRYABLE_ERROR_CODES.has(errorCode);
  return false;
}

/** How Twilio's REST API answered a send, as far as what to do next is concerned. */
export type SendAnswerKind =
  /** Created: store the SID. */
  | 'created'
  /** 429: not created; the sender is over its rate, wait (Retry-After) and send again. */
  | 'throttled'
  /** 5xx or no answer: maybe created, maybe not; reconcile before sending again. */
  | 'ambiguous'
  /** Other 4xx: refused for good (21211, 63016…); the message fails with Twilio's code and message. */
  | 'refused';

/** Classifies an HTTP answer of `POST …/Messages.json` (`status` undefined: no answer at all). */
export function classifySendAnswer(status: number | undefined): SendAnswerKind {
  if (status === undefined || status >= 500) return 'ambiguous';
  if (status === 429) return 'throttled';
  if (status >= 200 && status < 300) return 'created';
  return 'refused';
}

/**
 * Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), else undefined.
 * Capped so a misbehaving answer cannot park a sender for a day.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now(), capMs = 10 * 60_000): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), capMs);
}
