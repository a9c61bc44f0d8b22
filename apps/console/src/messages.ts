import type { Db, Prisma } from '@switchboard/db';
import { afterCursor, toPage, type Cursor, type Page } from './pagination.ts';

/** A message as the contract names its fields. */
export type MessageView = {
  id: string;
  source: string;
  sender: string;
  recipient: string | null;
  content: string;
  receivedAt: string;
  campaignId: string | null;
  intent: { label: string; confidence: number } | null;
  eventId: string;
};

export type MessageFilter = { sender?: string; intent?: string; campaignId?: string; source?: string; since?: Date; limit: number; cursor?: Cursor };

const fields = {
  id: true, source: true, sender: true, recipient: true, content: true, receivedAt: true, campaignId: true, eventId: true,
  intent: { select: { label: true, confidence: true } },
} satisfies Prisma.MessageSelect;

/** Normalized, interpreted messages, newest first. */
export async function listMessages(db: Db, filter: MessageFilter): Promise<Page<MessageView>> {
  const rows = await db.message.findMany({
    where: {
      AND: [
        filter.sender !== undefined ? { sender: filter.sender } : {},
        filter.intent !== undefined ? { intent: { is: { label: filter.intent } } } : {},
        filter.campaignId !== undefined ? { campaignId: filter.campaignId } : {},
        filter.source !== undefined ? { source: filter.source } : {},
        filter.since !== undefined ? { receivedAt: { gte: filter.since } } : {},
        afterCursor('receivedAt', filter.cursor),
      ],
    },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
    select: fields,
  });
  return toPage(rows, filter.limit, (r) => r.receivedAt, (r) => ({
    id: r.id,
    source: r.source,
    sender: r.sender,
    recipient: r.recipient,
    content: r.content,
    receivedAt: r.receivedAt.toISOString(),
    campaignId: r.campaignId,
    intent: r.intent ? { label: r.intent.label, confidence: r.intent.confidence } : null,
    eventId: r.eventId,
  }));
}
