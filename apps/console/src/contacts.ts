import type { Db } from '@switchboard/db';

export type ContactView = { address: string; optedOut: boolean; optedOutAt: string | null; lastMessageAt: string | null; leadStatus: string };

/**
 * The contact key of an address: one contact per phone number, whatever the channel, so
 * `whatsapp:+33…` is the number `+33…` (an opt-out by SMS covers WhatsApp and back).
 */
export function contactAddress(address: string): string {
  return address.replace(/^whatsapp:/i, '');
}

export async function getContact(db: Db, address: string): Promise<ContactView | null> {
  const key = contactAddress(address);
  // Email addresses compare case-insensitively (the domain always, the local part in practice).
  const row = key.includes('@')
    ? await db.contact.findFirst({ where: { address: { equals: key, mode: 'insensitive' } }, orderBy: { createdAt: 'asc' } })
    : await db.contact.findUnique({ where: { address: key } });
  if (!row) return null;
  return {
    address: row.address,
    optedOut: row.optedOut,
    optedOutAt: row.optedOutAt?.toISOString() ?? null,
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
    leadStatus: row.leadStatus,
  };
}
