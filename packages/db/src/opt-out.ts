import type { Db, DbTx } from './client.ts';

/**
 * The contact key of an address: a phone number's opt-out covers SMS and WhatsApp, so the
 * `whatsapp:` prefix is dropped; emails compare lower-cased.
 */
export function optOutKey(address: string): string {
  const bare = address.trim().replace(/^whatsapp:/i, '');
  return bare.includes('@') ? bare.toLowerCase() : bare;
}

/**
 * The addresses among `addresses` whose contact is opted out now (the dispatcher checks this
 * before each campaign send). Returns the input strings, as given, that are opted out.
 */
export async function optedOutAmong(db: Db | DbTx, addresses: string[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const keys = [...new Set(addresses.map(optOutKey))];
  const rows = await db.$queryRaw<{ address: string }[]>`
    SELECT address FROM contacts WHERE address = ANY(${keys}::text[]) AND opted_out`;
  const out = new Set(rows.map((r) => r.address));
  return new Set(addresses.filter((a) => out.has(optOutKey(a))));
}

/** True when the contact of `address` (`+33…`, `whatsapp:+33…` or an email) is opted out. */
export async function isOptedOut(db: Db | DbTx, address: string): Promise<boolean> {
  return (await optedOutAmong(db, [address])).has(address);
}
