import type { InboundMessage, RawEventPayload } from '@switchboard/events';
import { rawBodyBytes } from '@switchboard/events';
import { normalizeEmail } from '../address.ts';
import { JSON_OK } from '../generic/index.ts';
import { field, missingFields, parseForm } from '../twilio/form.ts';
import type { FormParams } from '../twilio/signature.ts';
import type { AcceptOutcome, IngestRequest, Provider } from '../types.ts';
import { FORM, readMailgunBody } from './read-body.ts';
import { verifyMailgun, type MailgunSecrets } from './signature.ts';

export { MAILGUN_TOLERANCE_SEC, mailgunSignature, verifyMailgun } from './signature.ts';
export type { MailgunSecrets, MailgunVerification } from './signature.ts';

export type MailgunFields = { token: string };

/** What a stored message needs: who sent it and to whom. */
export const REQUIRED_MAILGUN_FIELDS = ['recipient'] as const;

function acceptMailgun(request: IngestRequest, secrets: MailgunSecrets | null): AcceptOutcome<MailgunFields> {
  const params = parseForm(request.body);
  if (secrets) {
    if (!secrets.signingKey) return { ok: false, reason: 'not_configured', error: 'MAILGUN_WEBHOOK_SIGNING_KEY is not set' };
    const outcome = verifyMailgun({
      signingKey: secrets.signingKey,
      timestamp: field(params, 'timestamp'),
      token: field(params, 'token'),
      signature: field(params, 'signature'),
      now: request.now,
    });
    if (!outcome.ok) return outcome;
  }
  const missing: string[] = missingFields(params, ['token', ...REQUIRED_MAILGUN_FIELDS]);
  if (!field(params, 'sender') && !field(params, 'from')) missing.push('sender');
  if (missing.length > 0) return { ok: false, reason: 'invalid', error: `missing required fields: ${missing.join(', ')}`, fields: missing };
  const token = field(params, 'token')!;
  // A token is used once by Mailgun: seen again, it is a retry (or a replay), never a new message.
  return { ok: true, dedupKey: `token.${token}`, fields: { token } };
}

/**
 * Mailgun inbound routes (`POST /webhooks/mailgun/inbound`, "forward" action), multipart with
 * attachments or urlencoded. The body limit is MAILGUN_MAX_BODY_BYTES; attachments are streamed
 * to disk by `readBody`, and the body verified and stored is the text fields, urlencoded.
 */
export function mailgun(): Provider<MailgunSecrets, MailgunFields> {
  return {
    id: 'mailgun',
    contentTypes: ['multipart/form-data', FORM],
    integration: 'email',
    bodyLimit: 'mailgun',
    readBody: readMailgunBody,
    accept: acceptMailgun,
    acceptUnsigned: (request) => acceptMailgun(request, null),
    reply: () => JSON_OK,
  };
}

/**
 * The quoted part of a reply: `body-plain` minus Mailgun's `stripped-text` (the new text) and
 * `stripped-signature` that follow it. Empty when the reply cannot be found in the body.
 */
export function quotedPart(bodyPlain: string, strippedText: string, strippedSignature = ''): string {
  const reply = strippedText.trim();
  if (!reply) return '';
  const at = bodyPlain.indexOf(reply);
  if (at < 0) return '';
  let rest = bodyPlain.slice(at + reply.length).trimStart();
  const signature = strippedSignature.trim();
  if (signature && rest.startsWith(signature)) rest = rest.slice(signature.length);
  return rest.trim();
}

function str(params: FormParams, name: string): string {
  return field(params, name) ?? '';
}

/** A Mailgun inbound email → the seed's message shape, source `email`. */
export function normalizeMailgunMessage(event: RawEventPayload): InboundMessage {
  const params = parseForm(rawBodyBytes(event));
  const bodyPlain = str(params, 'body-plain');
  const stripped = field(params, 'stripped-text');
  const strippedText = stripped ?? bodyPlain;
  const senderField = field(params, 'sender') || field(params, 'from') || '';
  const recipient = field(params, 'recipient');
  const attachments = event.attachments ?? [];
  return {
    kind: 'message',
    source: 'email',
    externalId: field(params, 'Message-Id') || event.dedupKey,
    sender: normalizeEmail(senderField),
    // `recipient` may list several addresses (comma-separated); the first is the route's.
    recipient: recipient ? normalizeEmail(recipient.split(',')[0]!) : null,
    content: strippedText,
    campaignId: null,
    receivedAt: event.receivedAt,
    extractedData: Object.fromEntries(
      Object.entries({
        from: field(params, 'from'),
        subject: field(params, 'subject'),
        messageId: field(params, 'Message-Id'),
        inReplyTo: field(params, 'In-Reply-To'),
        references: field(params, 'References'),
        attachmentCount: attachments.length > 0 ? attachments.length : undefined,
      }).filter(([, v]) => v !== undefined && v !== ''),
    ),
    // The text fields as sent (signature fields included: they are not secrets).
    rawData: params as Record<string, unknown>,
    email: {
      subject: str(params, 'subject'),
      strippedText,
      quoted: stripped === undefined ? '' : quotedPart(bodyPlain, stripped, str(params, 'stripped-signature')),
      attachments,
    },
  };
}
