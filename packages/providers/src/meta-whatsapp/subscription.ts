import { safeEqual } from '../twilio/signature.ts';

/** The answer to Meta's verification request, as ingest writes it. */
export type SubscriptionAnswer = { status: 200 | 400 | 403 | 503; contentType: string; body: string };

const json = (status: 400 | 403 | 503, error: string): SubscriptionAnswer => ({ status, contentType: 'application/json', body: JSON.stringify({ error }) });

/**
 * Meta's webhook verification request (`GET …?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`,
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests):
 * the token typed in Meta's settings must equal META_VERIFY_TOKEN (constant time), and the
 * challenge is echoed as text. Anything else is 403, like a wrong token; unset, 503.
 */
export function answerMetaSubscription(query: Record<string, unknown>, verifyToken: string | undefined): SubscriptionAnswer {
  if (!verifyToken) return json(503, 'source not configured');
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || !safeEqual(token, verifyToken)) return json(403, 'verification refused: hub.mode must be subscribe and hub.verify_token must match');
  if (typeof challenge !== 'string' || challenge === '') return json(400, 'missing hub.challenge');
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: challenge };
}
