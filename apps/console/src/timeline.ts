import { consentHistory, type Db } from '@switchboard/db';
import { contactAddress, getContact, type ContactView } from './contacts.ts';

/** One line of a contact's history, newest first on the page. */
export type TimelineEntry = {
  at: string;
  kind: 'message' | 'consent' | 'call' | 'recording' | 'campaign';
  summary: string;
  /** Intent, status or channel, shown as a badge. */
  detail: string | null;
  eventId: string | null;
};

export type ContactTimeline = { contact: ContactView; entries: TimelineEntry[] };

/** How many of each kind a contact page shows: the page is a summary, the API has the rest. */
const PER_KIND = 100;

/**
 * Everything from and to one contact: their messages with intents, consent changes, calls with
 * their recordings, and campaign messages with every status they went through.
 */
export async function contactTimeline(db: Db, address: string): Promise<ContactTimeline | null> {
  const contact = await getContact(db, address);
  if (!contact) return null;
  const key = contactAddress(contact.address);
  const isEmail = key.includes('@');
  const senders = isEmail ? [key] : [key, `whatsapp:${key}`];
  const [messages, calls, sends, consent] = await Promise.all([
    db.message.findMany({
      where: isEmail ? { sender: { equals: key, mode: 'insensitive' } } : { sender: { in: senders } },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: PER_KIND,
      include: { intent: true },
    }),
    isEmail ? [] : db.call.findMany({ where: { from: { in: senders } }, orderBy: { startedAt: 'desc' }, take: PER_KIND, include: { recordings: true, steps: true } }),
    isEmail ? [] : db.campaignMessage.findMany({ where: { recipient: { in: senders } }, orderBy: { createdAt: 'desc' }, take: PER_KIND, include: { campaign: { select: { name: true } } } }),
    consentHistory(db, key),
  ]);
  const sids = sends.flatMap((s) => [s.providerMessageId, ...s.previousMessageIds].filter((x): x is string => !!x));
  const statuses = sids.length > 0 ? await db.messageStatus.findMany({ where: { providerMessageId: { in: sids } }, orderBy: { receivedAt: 'asc' } }) : [];

  const entries: TimelineEntry[] = [];
  for (const m of messages) {
    entries.push({
      at: m.receivedAt.toISOString(),
      kind: 'message',
      summary: `${m.source} from ${m.sender}: ${m.content}`,
      detail: m.intent ? `${m.intent.label} ${Math.round(m.intent.confidence * 100)}%` : 'not interpreted yet',
      eventId: m.eventId,
    });
  }
  // Every consent change from the ledger: what was said or done, and what decided it.
  for (const c of consent.slice(-PER_KIND)) {
    const what = c.action === 'opt_out' ? 'opted out' : 'opted in';
    const by = c.cause === 'operator' ? `by an operator${c.actor ? ` (${c.actor})` : ''}` : c.cause === 'provider' ? `by the provider (${c.decidedBy})` : `by ${c.decidedBy}`;
    entries.push({ at: c.occurredAt.toISOString(), kind: 'consent', summary: `${what} on ${c.channel} ${by}${c.wording ? `: “${c.wording}”` : ''}`, detail: c.action, eventId: null });
  }
  for (const c of calls) {
    const menu = c.steps.filter((s) => s.kind === 'menu').map((s) => s.choice ?? s.digits).filter(Boolean).join(', ');
    entries.push({ at: c.startedAt.toISOString(), kind: 'call', summary: `call ${c.callSid}${menu ? ` · menu: ${menu}` : ''}`, detail: c.status, eventId: null });
    for (const r of c.recordings) {
      entries.push({ at: r.receivedAt.toISOString(), kind: 'recording', summary: `recording ${r.recordingSid}${r.durationSec != null ? ` (${r.durationSec} s)` : ''}`, detail: r.status, eventId: null });
    }
  }
  for (const s of sends) {
    const mine = statuses.filter((st) => st.providerMessageId === s.providerMessageId || s.previousMessageIds.includes(st.providerMessageId)).map((st) => st.status);
    entries.push({
      at: (s.sentAt ?? s.createdAt).toISOString(),
      kind: 'campaign',
      summary: `campaign “${s.campaign.name}” (${s.channel})${mine.length > 0 ? ` · ${mine.join(' → ')}` : ''}${s.errorCode ? ` · error ${s.errorCode}` : ''}`,
      detail: s.status,
      eventId: null,
    });
  }
  entries.sort((a, b) => b.at.localeCompare(a.at));
  return { contact, entries };
}

/** Contacts whose address contains the text (phone digits or part of an email), for the search box. */
export async function searchContacts(db: Db, text: string): Promise<{ address: string; lastMessageAt: string | null }[]> {
  const rows = await db.contact.findMany({
    where: { address: { contains: contactAddress(text.trim()), mode: 'insensitive' } },
    orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { address: 'asc' }],
    take: 20,
    select: { address: true, lastMessageAt: true },
  });
  return rows.map((r) => ({ address: r.address, lastMessageAt: r.lastMessageAt?.toISOString() ?? null }));
}

/** What a raw event became: a message (with its intent), a delivery status, or a call step. */
export async function eventOutcome(db: Db, eventId: string): Promise<string[]> {
  const [message, status, step] = await Promise.all([
    db.message.findUnique({ where: { eventId }, include: { intent: true } }),
    db.messageStatus.findUnique({ where: { eventId } }),
    db.callStep.findUnique({ where: { eventId } }),
  ]);
  const out: string[] = [];
  if (message) {
    out.push(`message ${message.id} (${message.source}) from ${message.sender}: “${message.content}”`);
    out.push(message.intent ? `intent ${message.intent.label}, confidence ${message.intent.confidence.toFixed(2)} (${message.intent.classifier})` : 'intent: not interpreted yet');
  }
  if (status) out.push(`delivery status “${status.status}” for ${status.providerMessageId}${status.errorCode ? ` (error ${status.errorCode})` : ''}`);
  if (step) out.push(`call step “${step.kind}” of ${step.callSid}${step.choice ? `: ${step.choice}` : ''}`);
  return out;
}
