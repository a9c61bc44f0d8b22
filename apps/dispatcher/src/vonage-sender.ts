import { fillTemplate } from '@switchboard/campaigns';
import { rawEventBodiesContaining, type ClaimedSend, type Db } from '@switchboard/db';
import { TransientError } from '@switchboard/queues';
import type { ChannelSender } from './send.processor.ts';
import type { VonageClient } from './vonage-client.ts';

/**
 * How long an unsettled claim waits for a Vonage status naming it before it is sent again.
 * Vonage has no endpoint to look a message up by `client_ref`; its first status (`submitted`,
 * or `rejected`) comes back within seconds of a send, with our `client_ref`. Two minutes covers
 * a slow status webhook and the listener's queue; a message created but never announced past
 * that is sent again (documented in docs/decisions.md).
 */
export const VONAGE_RECONCILE_GRACE_MS = 120_000;
/** Our clock and the raw events' receive times are the same kind (ingest's), but leave room for drift between hosts. */
const CLAIM_SKEW_MS = 5_000;

export type VonageSenderOptions = {
  vonage: VonageClient;
  /** VONAGE_FROM: the SMS sender. */
  smsFrom: string;
  /** VONAGE_WHATSAPP_FROM (else VONAGE_FROM): the WhatsApp Business number. */
  whatsappFrom: string;
  /** The `message_uuid` of a stored Vonage status carrying this `client_ref`, received since `since`; undefined when none. */
  findByClientRef(clientRef: string, since: Date): Promise<string | undefined>;
  now?: () => Date;
};

/**
 * The `client_ref` of one send of a campaign message: the message id and its send number, so
 * the statuses of an earlier send (before a resend) never settle a later one.
 */
export function vonageClientRef(send: Pick<ClaimedSend, 'id' | 'retries'>): string {
  return `${send.id}.${send.retries}`;
}

/** An E.164 number as the Messages API writes it: digits, no `+`; an alphanumeric sender id stays as it is. */
export function vonageNumber(address: string): string {
  const bare = address.trim().replace(/^whatsapp:/i, '');
  return /^\+\d+$/.test(bare) ? bare.slice(1) : bare;
}

/**
 * SMS and WhatsApp through Vonage's Messages API (text messages). Reconciliation looks for a
 * Vonage status carrying the send's `client_ref`: found, its `message_uuid` is adopted; not found
 * yet, the job waits (a transient error, no attempt spent) until {@link VONAGE_RECONCILE_GRACE_MS}
 * after the claim, then the message is sent again.
 */
export function createVonageSender(options: VonageSenderOptions): ChannelSender {
  const now = options.now ?? (() => new Date());
  return {
    provider: 'Vonage',
    async send(send) {
      const answer = await options.vonage.sendText({
        channel: send.channel === 'whatsapp' ? 'whatsapp' : 'sms',
        to: vonageNumber(send.recipient),
        from: vonageNumber(send.channel === 'whatsapp' ? options.whatsappFrom : options.smsFrom),
        text: fillTemplate(send.body, { address: send.recipient, variables: send.variables }),
        clientRef: vonageClientRef(send),
      });
      return { status: answer.status, id: answer.messageUuid, code: answer.code, message: answer.message, retryAfter: answer.retryAfter };
    },
    async reconcile(send) {
      const found = await options.findByClientRef(vonageClientRef(send), new Date(send.claimedAt.getTime() - CLAIM_SKEW_MS));
      if (found) return found;
      if (now().getTime() - send.claimedAt.getTime() < VONAGE_RECONCILE_GRACE_MS) {
        throw new TransientError(`waiting for a Vonage status of campaign message ${send.id} before sending it again`, { dependency: 'vonage status', code: 'RECONCILE_PENDING' });
      }
      return undefined;
    },
  };
}

/** The `message_uuid` of a stored Vonage status (a raw event) whose `client_ref` is exactly `clientRef`, received since `since`. */
export async function vonageStatusByClientRef(db: Db, clientRef: string, since: Date): Promise<string | undefined> {
  for (const body of await rawEventBodiesContaining(db, 'vonage-status', since, clientRef)) {
    const status = JSON.parse(body) as { client_ref?: unknown; message_uuid?: unknown };
    if (status.client_ref === clientRef && typeof status.message_uuid === 'string') return status.message_uuid;
  }
  return undefined;
}
