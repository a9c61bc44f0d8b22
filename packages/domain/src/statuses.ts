/**
 * The one list of message statuses: what providers report (Twilio's lifecycle; other providers
 * map theirs onto it), what a campaign message can be in, and how one moves to another. The
 * database applies these rules; nothing else defines a status.
 */

/** Statuses a provider reports for a message, in lifecycle order (`receiving`/`received`: inbound, never applied to a campaign message). */
export const MESSAGE_STATUSES = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'receiving', 'received', 'delivered', 'read', 'failed', 'undelivered', 'canceled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * The statuses a campaign message can be in; each has its counter column in `campaigns`.
 * `skipped`: never sent (opted out, erased, undeliverable); `canceled`: its campaign was canceled
 * before it was sent.
 */
export const CAMPAIGN_MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'skipped', 'canceled'] as const;
export type CampaignMessageStatus = (typeof CAMPAIGN_MESSAGE_STATUSES)[number];

type Step = { rank: number; terminal: boolean; as: CampaignMessageStatus | null };

/**
 * The lifecycle, once: a status applies only if it ranks higher than the current one and the
 * current one is not terminal. `failed` and `undelivered` rank with `delivered`, so they end a
 * message that was not delivered yet, and a late failure never undoes a delivery; nothing moves a
 * terminal status. `accepted` and `scheduled` rank below `queued` and so never apply; inbound
 * statuses have no step. Keyed by every status: a status added to a list without its step here is
 * a type error.
 */
const LIFECYCLE: Record<Exclude<MessageStatus, 'receiving' | 'received'> | CampaignMessageStatus, Step> = {
  accepted: { rank: 0, terminal: false, as: null },
  scheduled: { rank: 0, terminal: false, as: null },
  queued: { rank: 1, terminal: false, as: 'queued' },
  sending: { rank: 2, terminal: false, as: 'sending' },
  sent: { rank: 3, terminal: false, as: 'sent' },
  delivered: { rank: 4, terminal: false, as: 'delivered' },
  read: { rank: 5, terminal: true, as: 'read' },
  failed: { rank: 4, terminal: true, as: 'failed' },
  undelivered: { rank: 4, terminal: true, as: 'undelivered' },
  // Twilio cancels a scheduled message: counted as failed, it did not reach the recipient. (A
  // campaign message is `canceled` only by its campaign's cancel, never by a provider status.)
  canceled: { rank: 4, terminal: true, as: 'failed' },
  // Never sent (opted out): set by the dispatcher, final.
  skipped: { rank: 9, terminal: true, as: 'skipped' },
};

function stepOf(status: string): Step | undefined {
  return Object.hasOwn(LIFECYCLE, status) ? LIFECYCLE[status as keyof typeof LIFECYCLE] : undefined;
}

/** Statuses after which a campaign message will not move again (its campaign may complete). */
export const SETTLED_STATUSES = ['delivered', 'read', 'failed', 'undelivered', 'skipped'] as const satisfies readonly CampaignMessageStatus[];

/** True when a provider's `next` status moves a campaign message in status `current` forward. */
export function statusAdvances(current: string, next: string): boolean {
  const from = stepOf(current);
  const to = stepOf(next);
  if (!to || to.as === null) return false;
  if (!from) return true;
  return !from.terminal && to.rank > from.rank;
}

/**
 * The campaign message status a provider status stands for (`canceled` counts as `failed`), or
 * null for one that never applies to a campaign message.
 */
export function campaignStatusOf(status: string): CampaignMessageStatus | null {
  return stepOf(status)?.as ?? null;
}

/** A campaign message that changed status, for the counters. */
export type CounterMove = { campaignId: string; from: string; to: string };

/**
 * What `moves` do to each campaign's counters: the old status down, the new one up (statuses with
 * no counter are left out). Campaigns whose moves cancel out still get an entry of zeros.
 */
export function counterDeltas(moves: readonly CounterMove[]): Map<string, Record<CampaignMessageStatus, number>> {
  const deltas = new Map<string, Record<CampaignMessageStatus, number>>();
  const counted = (s: string): s is CampaignMessageStatus => (CAMPAIGN_MESSAGE_STATUSES as readonly string[]).includes(s);
  for (const m of moves) {
    if (m.from === m.to) continue;
    const d = deltas.get(m.campaignId) ?? (Object.fromEntries(CAMPAIGN_MESSAGE_STATUSES.map((k) => [k, 0])) as Record<CampaignMessageStatus, number>);
    if (counted(m.from)) d[m.from] -= 1;
    if (counted(m.to)) d[m.to] += 1;
    deltas.set(m.campaignId, d);
  }
  return deltas;
}
