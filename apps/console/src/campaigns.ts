import { JSONParser } from '@streamparser/json';
import { CAMPAIGN_PROVIDERS, campaignProvider, campaignRates, checkRecipient, isEmailAddress, type CampaignChannel, type Recipient } from '@switchboard/campaigns';
import { addCampaignRecipients, addressHash, finishCampaign, openCampaign, type Campaign, type CampaignSettings, type Db } from '@switchboard/db';
import { encodeCursor, type Cursor, type Page } from './pagination.ts';

/** The most recipients one campaign takes (the issue's figure). */
export const MAX_RECIPIENTS = 100_000;
/** The most invalid recipients listed in a 400 (the count says how many in all). */
const MAX_LISTED_ERRORS = 100;
/** Recipients written per statement while the body streams in. */
const INSERT_BATCH = 2_000;
const CHANNELS = ['sms', 'whatsapp', 'email'] as const;
/** Mailgun takes up to 998 characters per header line; a subject past a few hundred is a mistake. */
const MAX_SUBJECT = 998;
/** An email's text and HTML parts (Mailgun's whole message may reach 25 MB; a campaign template stays far below). */
const MAX_EMAIL_BODY = 512 * 1024;

export type CampaignView = {
  id: string;
  name: string;
  channel: string;
  provider: string;
  body: string;
  /** Email only. */
  subject?: string | null;
  html?: string | null;
  status: string;
  total: number;
  counts: { queued: number; sending: number; sent: number; delivered: number; read: number; failed: number; undelivered: number; skipped: number; canceled: number; opened?: number; clicked?: number; complained?: number };
  deliveryRate: number;
  failureRate: number;
  settings: CampaignSettings;
  createdAt: string;
  sendAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  canceledAt: string | null;
  alertedAt: string | null;
};

export function campaignView(c: Campaign): CampaignView {
  const counts = { queued: c.queued, sending: c.sending, sent: c.sent, delivered: c.delivered, read: c.read, failed: c.failed, undelivered: c.undelivered, skipped: c.skipped, canceled: c.canceled };
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const email = c.channel === 'email';
  // Engagement counters beside the statuses: the rates stay fractions of the statuses only.
  const engagement = email ? { opened: c.opened, clicked: c.clicked, complained: c.complained } : {};
  return {
    id: c.id, name: c.name, channel: c.channel, provider: c.provider, body: c.body, ...(email ? { subject: c.subject, html: c.html } : {}), status: c.status, total: c.total, counts: { ...counts, ...engagement }, ...campaignRates(counts, c.total),
    settings: { maxRetries: c.maxRetries, retryBaseMs: c.retryBaseMs, alertFailureRate: c.alertFailureRate },
    createdAt: c.createdAt.toISOString(), sendAt: iso(c.sendAt), startedAt: iso(c.startedAt), completedAt: iso(c.completedAt), canceledAt: iso(c.canceledAt), alertedAt: iso(c.alertedAt),
  };
}

/** Why a creation was refused: field problems and invalid recipients with their index. */
export class CampaignInputError extends Error {
  readonly fields: string[];
  readonly recipients: { index: number; reason: string }[];
  readonly invalidRecipients: number;
  constructor(message: string, fields: string[], recipients: { index: number; reason: string }[] = [], invalidRecipients = 0) {
    super(message);
    this.fields = fields;
    this.recipients = recipients;
    this.invalidRecipients = invalidRecipients;
  }
}

/** Thrown when the body is not JSON; answered 400. */
export class CampaignJsonError extends Error {}

/**
 * Creates a campaign from a JSON body read as a stream: each recipient is checked and written in
 * batches as it arrives, so 100,000 recipients never sit in memory as one array. Everything
 * happens in one transaction: a campaign with any invalid recipient or field is not created at
 * all, and the error lists the invalid recipients by index. A repeated number is kept once.
 */
/** `erasureHashKey`: each recipient's hash is stored, so an erased one is skipped (see addCampaignRecipients). */
export async function createCampaignFromStream(db: Db, body: AsyncIterable<Uint8Array>, settings: CampaignSettings, erasureHashKey?: string): Promise<{ campaign: CampaignView; duplicates: number }> {
  const created = await db.$transaction(async (tx) => {
    const id = await openCampaign(tx, settings);
    const fields: Record<string, unknown> = {};
    const errors: { index: number; reason: string }[] = [];
    let invalid = 0;
    let count = 0;
    let recipientsSeen = false;
    let batch: Recipient[] = [];

    // Only these paths are emitted, and keepStack false drops each recipient once emitted: the
    // array is never built. (A `$.*` path would keep the whole array for its own emission.)
    const parser = new JSONParser({ paths: ['$.name', '$.channel', '$.provider', '$.body', '$.subject', '$.html', '$.recipients.*'], keepStack: false });
    let emails = 0;
    parser.onValue = ({ value, key, stack }) => {
      if (stack.length === 1 && (key === 'name' || key === 'channel' || key === 'provider' || key === 'body' || key === 'subject' || key === 'html')) {
        fields[key] = value;
        return;
      }
      if (stack.length === 2 && stack[1]?.key === 'recipients' && typeof key === 'number') {
        recipientsSeen = true;
        count += 1;
        if (count > MAX_RECIPIENTS) return;
        const check = checkRecipient(value);
        if (check.ok) {
          batch.push(check.recipient);
          if (isEmailAddress(check.recipient.address)) emails += 1;
        } else {
          invalid += 1;
          if (errors.length < MAX_LISTED_ERRORS) errors.push({ index: key, reason: check.reason });
        }
      }
    };
    const flush = async () => {
      const rows = batch;
      batch = [];
      if (rows.length > 0 && invalid === 0) {
        await addCampaignRecipients(tx, id, erasureHashKey ? rows.map((r) => ({ ...r, addressHash: addressHash(erasureHashKey, r.address) })) : rows);
      }
    };
    const parse = (write: () => void) => {
      try {
        write();
      } catch (err) {
        throw new CampaignJsonError(`body is not valid JSON: ${(err as Error).message}`);
      }
    };
    for await (const chunk of body) {
      parse(() => parser.write(chunk));
      if (batch.length >= INSERT_BATCH) await flush();
    }
    // The parser ends by itself when the top-level value closes; a body cut short leaves it open.
    if (!parser.isEnded) parse(() => parser.end());
    await flush();

    const problems: string[] = [];
    const bad: string[] = [];
    const problem = (field: string, message: string) => {
      bad.push(field);
      problems.push(`${field}: ${message}`);
    };
    if (typeof fields.name !== 'string' || fields.name.trim() === '' || fields.name.length > 200) problem('name', 'must be a non-empty string of at most 200 characters');
    if (!(CHANNELS as readonly unknown[]).includes(fields.channel)) problem('channel', 'must be "sms", "whatsapp" or "email"');
    const isEmail = fields.channel === 'email';
    const channelOk = (CHANNELS as readonly unknown[]).includes(fields.channel);
    const provider = channelOk ? campaignProvider(fields.channel as CampaignChannel, fields.provider) : null;
    if (channelOk && provider === null) problem('provider', `must be one of ${CAMPAIGN_PROVIDERS[fields.channel as CampaignChannel].map((p) => `"${p}"`).join(', ')} for an ${String(fields.channel)} campaign`);
    const maxBody = isEmail ? MAX_EMAIL_BODY : 1_600;
    if (typeof fields.body !== 'string' || fields.body.trim() === '' || fields.body.length > maxBody) problem('body', `must be a non-empty string of at most ${maxBody} characters`);
    if (isEmail) {
      if (typeof fields.subject !== 'string' || fields.subject.trim() === '' || fields.subject.length > MAX_SUBJECT || /[\r\n]/.test(fields.subject)) problem('subject', `must be a non-empty single line of at most ${MAX_SUBJECT} characters`);
      if (fields.html !== undefined && fields.html !== null && (typeof fields.html !== 'string' || fields.html.length > MAX_EMAIL_BODY)) problem('html', `must be a string of at most ${MAX_EMAIL_BODY} characters`);
    }
    // The kind of every recipient must match the channel (checked here: the channel may come last in the body).
    const valid = count - invalid;
    if (isEmail && emails < valid) problem('recipients', `${valid - emails} recipients are phone numbers in an email campaign`);
    if (!isEmail && emails > 0 && CHANNELS.includes(fields.channel as never)) problem('recipients', `${emails} recipients are email addresses in an ${String(fields.channel)} campaign`);
    if (!recipientsSeen) problem('recipients', 'must be a non-empty array of E.164 numbers or {address, …} objects');
    else if (count > MAX_RECIPIENTS) problem('recipients', `at most ${MAX_RECIPIENTS} recipients (got ${count})`);
    if (invalid > 0) {
      problems.push(`recipients: ${invalid} invalid (first: index ${errors[0]!.index}: ${errors[0]!.reason})`);
      if (!bad.includes('recipients')) bad.push('recipients');
    }
    if (problems.length > 0) throw new CampaignInputError(`invalid body: ${problems.join('; ')}`, bad, errors, invalid);

    const total = await finishCampaign(tx, id, {
      name: (fields.name as string).trim(),
      channel: fields.channel as CampaignChannel,
      provider: provider!,
      body: fields.body as string,
      ...(isEmail ? { subject: (fields.subject as string).trim(), html: typeof fields.html === 'string' && fields.html !== '' ? fields.html : null } : {}),
    });
    return { id, duplicates: count - total };
  }, { timeout: 120_000, maxWait: 10_000 });
  const campaign = await db.campaign.findUniqueOrThrow({ where: { id: created.id } });
  return { campaign: campaignView(campaign), duplicates: created.duplicates };
}

export async function getCampaign(db: Db, id: string): Promise<CampaignView | undefined> {
  const c = await db.campaign.findUnique({ where: { id } });
  return c ? campaignView(c) : undefined;
}

/** Campaigns, newest first. */
export async function listCampaigns(db: Db, filter: { limit: number; cursor?: Cursor }): Promise<Page<CampaignView>> {
  const rows = await db.campaign.findMany({
    where: filter.cursor ? { id: { lt: filter.cursor.id } } : {},
    orderBy: { id: 'desc' },
    take: filter.limit + 1,
  });
  return page(rows, filter.limit, campaignView);
}

export type CampaignMessageView = {
  id: string;
  recipient: string;
  channel: string;
  status: string;
  sendState: string;
  errorCode: number | null;
  errorMessage: string | null;
  retries: number;
  providerMessageId: string | null;
  sentAt: string | null;
  statusAt: string | null;
  /** Every status Twilio reported, for this send and the earlier ones (oldest first). */
  history: { providerMessageId: string; status: string; errorCode: number | null; at: string }[];
};

/** A campaign's messages in creation order, each with its status history (one query for the page). */
export async function listCampaignMessages(db: Db, campaignId: string, filter: { limit: number; cursor?: Cursor; status?: string }): Promise<Page<CampaignMessageView>> {
  const rows = await db.campaignMessage.findMany({
    where: { campaignId, ...(filter.status ? { status: filter.status } : {}), ...(filter.cursor ? { id: { gt: filter.cursor.id } } : {}) },
    orderBy: { id: 'asc' },
    take: filter.limit + 1,
  });
  const kept = rows.slice(0, filter.limit);
  const sids = kept.flatMap((r) => [...r.previousMessageIds, ...(r.providerMessageId ? [r.providerMessageId] : [])]);
  const statuses = sids.length === 0 ? [] : await db.messageStatus.findMany({ where: { providerMessageId: { in: sids } }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] });
  const bySid = new Map<string, typeof statuses>();
  for (const s of statuses) bySid.set(s.providerMessageId, [...(bySid.get(s.providerMessageId) ?? []), s]);
  return page(rows, filter.limit, (r) => ({
    id: r.id, recipient: r.recipient, channel: r.channel, status: r.status, sendState: r.sendState, errorCode: r.errorCode, errorMessage: r.errorMessage,
    retries: r.retries, providerMessageId: r.providerMessageId, sentAt: r.sentAt?.toISOString() ?? null, statusAt: r.statusAt?.toISOString() ?? null,
    history: [...r.previousMessageIds, ...(r.providerMessageId ? [r.providerMessageId] : [])].flatMap((sid) =>
      (bySid.get(sid) ?? []).map((s) => ({ providerMessageId: sid, status: s.status, errorCode: s.errorCode, at: s.receivedAt.toISOString() }))),
  }));
}

function page<R extends { id: string; createdAt: Date }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(map), nextCursor: more && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null };
}
