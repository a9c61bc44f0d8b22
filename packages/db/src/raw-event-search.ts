import type { Db } from './client.ts';

/**
 * The UTF-8 bodies of a provider's raw events received since `since` that contain `needle`,
 * oldest first, at most `limit`. For a sender's reconciliation (a Vonage status names the
 * `client_ref` we gave the send): the `(provider, received_at)` index bounds the scan to the
 * window, and the caller parses what it finds to match the field exactly.
 */
export async function rawEventBodiesContaining(db: Db, provider: string, since: Date, needle: string, limit = 20): Promise<string[]> {
  const rows = await db.rawEvent.findMany({
    where: { provider, bodyEncoding: 'utf8', receivedAt: { gte: since }, body: { contains: needle } },
    select: { body: true },
    orderBy: { receivedAt: 'asc' },
    take: limit,
  });
  return rows.map((row) => row.body);
}
