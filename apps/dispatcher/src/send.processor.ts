import type { Job } from 'bullmq';
import { classifySendAnswer, fillTemplate, retryAfterMs } from '@switchboard/campaigns';
import {
  attachTwilioSids,
  claimCampaignSend,
  claimCampaignSends,
  enqueueDeliveries,
  refuseCampaignSend,
  releaseCampaignClaim,
  renewCampaignClaim,
  type ClaimedSend,
  type DeliveryQueue,
  type Db,
  type SidAttachment,
} from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createBatcher, type JobPayload } from '@switchboard/queues';
import type { TwilioClient } from './twilio-client.ts';

export type SendProcessorDeps = {
  db: Db;
  twilio: TwilioClient;
  /** TWILIO_FROM: a number (`+…`) or a Messaging Service SID (`MG…`). */
  from: string;
  /** PUBLIC_URL + the ingest's status route. */
  statusCallbackUrl: string;
  deliveryQueue: DeliveryQueue;
  logger: Logger;
  /** Holds the whole send queue (every replica) for `ms`, then the job is returned to the queue: BullMQ's `worker.rateLimit` + `RateLimitError`. */
  throttle(ms: number): Promise<Error>;
  /** Claims and SID stores of the jobs in flight share one statement or transaction, up to this many. */
  batchSize?: number;
  now?: () => Date;
};

/** An error the worker's backoff reads: a transport failure, retried after `retryAfterMs` when Twilio said so. */
export class TransientSendError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.name = 'TransientSendError';
    this.retryAfterMs = retryAfterMs;
  }
}

export type SendResult =
  | { outcome: 'sent'; sid: string }
  | { outcome: 'reconciled'; sid: string }
  | { outcome: 'refused'; code: number | null }
  | { outcome: 'skipped' }
  | { outcome: 'done'; sendState: string };

/** How far back of a claim a listed Twilio message still counts as ours: Twilio's dates have whole seconds, and clocks drift. */
const CLAIM_SKEW_MS = 5_000;

/**
 * Sends one campaign message. The message is claimed in Postgres first (committed), then POSTed
 * to Twilio, then its SID is stored with the send marked done, in one transaction. A run that
 * finds the message already claimed knows an earlier run died or got no answer between the two:
 * it asks Twilio for the messages to that number since the claim and adopts a match (same
 * recipient, sender and body) instead of sending again; only when there is none does it send.
 */
export function createSendProcessor(deps: SendProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const whatsapp = (address: string, channel: ClaimedSend['channel']) => (channel === 'whatsapp' && !/^MG/i.test(address) ? `whatsapp:${address.replace(/^whatsapp:/i, '')}` : address);

  async function reconcile(send: ClaimedSend): Promise<string | undefined> {
    const to = whatsapp(send.recipient, send.channel);
    const viaService = /^MG/i.test(deps.from);
    const from = whatsapp(deps.from, send.channel);
    const body = fillTemplate(send.body, { address: send.recipient, variables: send.variables });
    const listed = await deps.twilio.listMessagesSince(viaService ? { to } : { to, from }, new Date(send.claimedAt.getTime() - CLAIM_SKEW_MS));
    const match = listed
      .filter((m) => m.body === body && (viaService ? m.messagingServiceSid === deps.from : m.from === from))
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())[0];
    return match?.sid;
  }

  // Postgres, not Twilio, bounds a dispatcher's rate: the jobs in flight claim together (one
  // UPDATE) and store their SIDs together (one transaction), each still settling on its own.
  const batchSize = deps.batchSize ?? 64;
  const claims = createBatcher({
    maxSize: batchSize,
    maxWaitMs: 2,
    run: async (ids: string[]) => {
      const claimed = await claimCampaignSends(deps.db, ids, now());
      return ids.map((id) => claimed.get(id) ?? null);
    },
  });
  const stores = createBatcher({
    maxSize: batchSize,
    maxWaitMs: 2,
    run: async (items: SidAttachment[]) => {
      const { results, deliveryIds } = await attachTwilioSids(deps.db, items);
      await enqueueDeliveries(deps.deliveryQueue, deliveryIds);
      return results;
    },
  });

  async function store(send: ClaimedSend, sid: string): Promise<void> {
    const result = await stores.push({ campaignMessageId: send.id, sid, sentAt: now() });
    // A message has one SID per send: another one stored means two sends, which the claim exists to prevent.
    if (result !== 'attached') throw new Error(`cannot store ${sid} for campaign message ${send.id}: ${result}`);
  }

  return async (payload: JobPayload<'send'>, job: Pick<Job, 'attemptsMade' | 'opts' | 'id'>): Promise<SendResult> => {
    const fast = await claims.push(payload.campaignMessageId);
    const claim = fast ? { outcome: 'claimed' as const, send: fast } : await claimCampaignSend(deps.db, payload.campaignMessageId, now());
    let send: ClaimedSend;
    switch (claim.outcome) {
      case 'done':
        return { outcome: 'done', sendState: claim.sendState };
      case 'skipped':
        await enqueueDeliveries(deps.deliveryQueue, claim.deliveryIds);
        return { outcome: 'skipped' };
      case 'unsettled': {
        const sid = await reconcile(claim.send);
        if (sid) {
          await store(claim.send, sid);
          log.info('campaign send reconciled', { integration: claim.send.channel, campaignMessageId: claim.send.id, sid });
          return { outcome: 'reconciled', sid };
        }
        const renewedAt = now();
        await renewCampaignClaim(deps.db, claim.send.id, renewedAt);
        send = { ...claim.send, claimedAt: renewedAt };
        break;
      }
      case 'claimed':
        send = claim.send;
        break;
    }

    const answer = await deps.twilio.createMessage({
      to: whatsapp(send.recipient, send.channel),
      from: whatsapp(deps.from, send.channel),
      body: fillTemplate(send.body, { address: send.recipient, variables: send.variables }),
      statusCallback: deps.statusCallbackUrl,
    });
    const kind = classifySendAnswer(answer.status);
    switch (kind) {
      case 'created': {
        if (!answer.sid) throw new TransientSendError(`Twilio answered ${answer.status} without a sid`, undefined);
        await store(send, answer.sid);
        return { outcome: 'sent', sid: answer.sid };
      }
      case 'refused': {
        const { deliveryIds } = await refuseCampaignSend(deps.db, send.id, { code: answer.code ?? null, message: answer.message ?? `HTTP ${answer.status}` }, now());
        await enqueueDeliveries(deps.deliveryQueue, deliveryIds);
        log.warn('campaign send refused by Twilio', { integration: send.channel, campaignMessageId: send.id, status: answer.status, code: answer.code });
        return { outcome: 'refused', code: answer.code ?? null };
      }
      case 'throttled': {
        // Certainly not created: give the claim back, hold the sender, and let the job run again.
        await releaseCampaignClaim(deps.db, send.id);
        const wait = retryAfterMs(answer.retryAfter) ?? 1_000;
        log.info('Twilio throttled the sender', { integration: send.channel, retryAfterMs: wait });
        throw await deps.throttle(wait);
      }
      case 'ambiguous': {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (!lastAttempt) throw new TransientSendError(`Twilio ${answer.status === undefined ? 'did not answer' : `answered ${answer.status}`}: ${answer.message ?? ''}`, retryAfterMs(answer.retryAfter));
        // Out of attempts: settle it either way, so the campaign can complete.
        const sid = await reconcile(send);
        if (sid) {
          await store(send, sid);
          return { outcome: 'reconciled', sid };
        }
        const message = `not sent: Twilio ${answer.status === undefined ? 'did not answer' : `answered ${answer.status}`} on every attempt`;
        const { deliveryIds } = await refuseCampaignSend(deps.db, send.id, { code: answer.code ?? null, message }, now());
        await enqueueDeliveries(deps.deliveryQueue, deliveryIds);
        return { outcome: 'refused', code: answer.code ?? null };
      }
    }
  };
}
