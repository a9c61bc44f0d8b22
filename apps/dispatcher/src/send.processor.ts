import type { Job } from 'bullmq';
import { classifySendAnswer, retryAfterMs } from '@switchboard/campaigns';
import {
  attachProviderMessageIds,
  claimCampaignSend,
  claimCampaignSends,
  refuseCampaignSend,
  releaseCampaignClaim,
  renewCampaignClaim,
  type ClaimedSend,
  type DeliveryQueue,
  type Db,
  type MessageIdAttachment,
} from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createBatcher, enqueueDeliveries, TransientError, type JobPayload } from '@switchboard/queues';

/** What a provider answered to one send; `status` undefined when no answer came at all (network error, timeout). */
export type ChannelAnswer = {
  status: number | undefined;
  /** The provider's id of the message (Twilio SID, email Message-Id): statuses and events name it. */
  id?: string;
  code?: number | null;
  message?: string;
  retryAfter?: string | null;
};

/**
 * One channel's provider: how a claimed message is sent, and how an unsettled claim (a run that
 * died between claim and store) is reconciled: the provider's id of a message it already
 * created for that claim, or undefined when it has none.
 */
export type ChannelSender = {
  /** The provider's name, in messages and logs. */
  provider: string;
  send(send: ClaimedSend): Promise<ChannelAnswer>;
  reconcile(send: ClaimedSend): Promise<string | undefined>;
};

export type SendProcessorDeps = {
  db: Db;
  /** The configured providers; a message of a campaign whose provider is not configured waits (transient) until it is. */
  senders: Partial<Record<string, ChannelSender>>;
  deliveryQueue: DeliveryQueue;
  logger: Logger;
  /** Holds the whole send queue (every replica) for `ms`, then the job is returned to the queue: BullMQ's `worker.rateLimit` + `RateLimitError`. */
  throttle(ms: number): Promise<Error>;
  /** Claims and SID stores of the jobs in flight share one statement or transaction, up to this many. */
  batchSize?: number;
  now?: () => Date;
};

/** An error the worker's backoff reads: a transport failure, retried after `retryAfterMs` when the provider said so. */
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

/**
 * Sends one campaign message, whatever its channel. The message is claimed in Postgres first
 * (committed), then handed to its provider, then the provider's id is stored with the send marked
 * done, in one transaction. A run that finds the message already claimed knows an earlier run
 * died or got no answer between the two: it asks the provider (ChannelSender.reconcile) and
 * adopts what it finds instead of sending again; only when there is nothing does it send.
 */
export function createSendProcessor(deps: SendProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const senderOf = (send: ClaimedSend): ChannelSender => {
    const sender = deps.senders[send.provider];
    // The claim stays: once the channel is configured, the next run reconciles and sends.
    // Transient, so it spends no attempt: the job waits on the capped schedule however long it takes.
    if (!sender) throw new TransientError(`campaign sends through ${send.provider} are not configured`, { dependency: `${send.provider} sender`, code: 'NOT_CONFIGURED' });
    return sender;
  };
  const reconcile = (send: ClaimedSend) => senderOf(send).reconcile(send);

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
    run: async (items: MessageIdAttachment[]) => {
      const { results, deliveryIds } = await attachProviderMessageIds(deps.db, items);
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

    const sender = senderOf(send);
    const answer = await sender.send(send);
    const kind = classifySendAnswer(answer.status);
    switch (kind) {
      case 'created': {
        if (!answer.id) throw new TransientSendError(`${sender.provider} answered ${answer.status} without an id`, undefined);
        await store(send, answer.id);
        return { outcome: 'sent', sid: answer.id };
      }
      case 'refused': {
        const { deliveryIds } = await refuseCampaignSend(deps.db, send.id, { code: answer.code ?? null, message: answer.message ?? `HTTP ${answer.status}` }, now());
        await enqueueDeliveries(deps.deliveryQueue, deliveryIds);
        log.warn(`campaign send refused by ${sender.provider}`, { integration: send.channel, campaignMessageId: send.id, status: answer.status, code: answer.code });
        return { outcome: 'refused', code: answer.code ?? null };
      }
      case 'throttled': {
        // Certainly not created: give the claim back, hold the sender, and let the job run again.
        await releaseCampaignClaim(deps.db, send.id);
        const wait = retryAfterMs(answer.retryAfter) ?? 1_000;
        log.info(`${sender.provider} throttled the sender`, { integration: send.channel, retryAfterMs: wait });
        throw await deps.throttle(wait);
      }
      case 'ambiguous': {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (!lastAttempt) throw new TransientSendError(`${sender.provider} ${answer.status === undefined ? 'did not answer' : `answered ${answer.status}`}: ${answer.message ?? ''}`, retryAfterMs(answer.retryAfter));
        // Out of attempts: settle it either way, so the campaign can complete.
        const sid = await reconcile(send);
        if (sid) {
          await store(send, sid);
          return { outcome: 'reconciled', sid };
        }
        const message = `not sent: ${sender.provider} ${answer.status === undefined ? 'did not answer' : `answered ${answer.status}`} on every attempt`;
        const { deliveryIds } = await refuseCampaignSend(deps.db, send.id, { code: answer.code ?? null, message }, now());
        await enqueueDeliveries(deps.deliveryQueue, deliveryIds);
        return { outcome: 'refused', code: answer.code ?? null };
      }
    }
  };
}
