import { fillTemplate } from '@switchboard/campaigns';
import { TransientError } from '@switchboard/queues';
import type { ChannelSender } from './send.processor.ts';
import type { MetaClient } from './meta-client.ts';

/**
 * Meta's rate limits, answered with HTTP 400 (or 429) and these codes, and the pause each asks
 * for: 130429 the number's throughput, 131056 too many to one recipient, 131048 the number's spam
 * limit, 80007 and 4 the account's or the app's hourly budgets.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/
 */
export const META_THROTTLING_CODES: ReadonlyMap<number, number> = new Map([
  [130429, 1],
  [131056, 5],
  [131048, 60],
  [80007, 60],
  [4, 60],
]);

/**
 * WhatsApp campaigns through Meta's Cloud API: a text message per recipient; the wamid answered
 * is the message's provider id, which Meta's status webhooks name. A rate limit is reported as a
 * 429 (with the pause its code asks for) so the shared classification holds the sender; other
 * 4xx fail the message with Meta's code; 5xx and timeouts are ambiguous. A refused access token
 * (401, code 190: expired or revoked) is the configuration's fault, not the recipient's: the send
 * waits (a transient error, no attempt spent) until the token is replaced, instead of failing
 * every message of the campaign.
 *
 * Reconciliation finds nothing: the Graph API cannot look a message up by anything of ours, so an
 * unsettled claim (a dispatcher that died between claim and store, or no answer) is sent again.
 * A rare duplicate is preferred to failing a message that was most likely never sent; the
 * `biz_opaque_callback_data` each send carries (campaign message id and send number) shows in its
 * statuses which send a wamid belongs to.
 */
export function createMetaSender(options: { meta: MetaClient }): ChannelSender {
  return {
    provider: 'Meta',
    async send(send) {
      const answer = await options.meta.sendText({ to: send.recipient, body: fillTemplate(send.body, { address: send.recipient, variables: send.variables }), tracking: `${send.id}.${send.retries}` });
      if (answer.status === 401 || answer.code === 190) {
        throw new TransientError(`Meta refused META_ACCESS_TOKEN (${answer.code ?? answer.status}: ${answer.message ?? ''}); WhatsApp sends through Meta wait until it is replaced`, { dependency: 'meta sender', code: 'UNAUTHORIZED' });
      }
      const pause = answer.code != null ? META_THROTTLING_CODES.get(answer.code) : undefined;
      if (pause !== undefined && answer.status !== undefined && answer.status < 500) return { ...answer, status: 429, retryAfter: answer.retryAfter ?? String(pause) };
      return answer;
    },
    async reconcile() {
      return undefined;
    },
  };
}
