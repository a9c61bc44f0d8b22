import { BUILTIN_SOURCES, SOURCE_PROVIDERS, silenceVerdict, type BuiltinSource } from '@switchboard/events';
import type { Db } from './client.ts';
import { outboundEvent } from '@switchboard/domain';
import { writeDeliveries } from './outbox.ts';

/** A source's alerting row as the console shows it. */
export type SourceAlertingView = {
  sourceId: string;
  enabled: boolean;
  silenceMinutes: number;
  days: number[];
  startTime: string;
  endTime: string;
  timeZone: string;
  state: string;
  silentSince: string | null;
  lastEventAt: string | null;
  checkedAt: string | null;
};

export type SourceAlertingInput = { enabled: boolean; silenceMinutes: number; days: number[]; startTime: string; endTime: string; timeZone: string };

/** A change one evaluation made: which source, to which state, and the deliveries announcing it. */
export type SilenceTransition = { sourceId: string; to: 'silent' | 'recovered'; deliveryIds: string[] };

function isBuiltin(sourceId: string): sourceId is BuiltinSource {
  return (BUILTIN_SOURCES as readonly string[]).includes(sourceId);
}

/** True when `sourceId` names a built-in source or a generic source that exists. */
export async function sourceExists(db: Db, sourceId: string): Promise<boolean> {
  if (isBuiltin(sourceId)) return true;
  return (await db.source.count({ where: { id: sourceId, deletedAt: null } })) === 1;
}

function view(row: {
  sourceId: string; enabled: boolean; silenceMinutes: number; days: number[]; startTime: string; endTime: string; timeZone: string;
  state: string; silentSince: Date | null; lastEventAt: Date | null; checkedAt: Date | null;
}): SourceAlertingView {
  return {
    sourceId: row.sourceId, enabled: row.enabled, silenceMinutes: row.silenceMinutes, days: row.days, startTime: row.startTime, endTime: row.endTime,
    timeZone: row.timeZone, state: row.state, silentSince: row.silentSince?.toISOString() ?? null, lastEventAt: row.lastEventAt?.toISOString() ?? null,
    checkedAt: row.checkedAt?.toISOString() ?? null,
  };
}

export async function getSourceAlerting(db: Db, sourceId: string): Promise<SourceAlertingView | null> {
  const row = await db.sourceAlerting.findUnique({ where: { sourceId } });
  return row ? view(row) : null;
}

/** Sets a source's expected activity. Its current state (silent or not) is kept. */
export async function putSourceAlerting(db: Db, sourceId: string, input: SourceAlertingInput): Promise<SourceAlertingView> {
  const days = [...new Set(input.days)].sort();
  const row = await db.sourceAlerting.upsert({
    where: { sourceId },
    create: { sourceId, ...input, days },
    update: { ...input, days },
  });
  return view(row);
}

/** Every source's silence state (for the metric and the dashboard). */
export async function listSourceAlerting(db: Db): Promise<SourceAlertingView[]> {
  return (await db.sourceAlerting.findMany({ orderBy: { sourceId: 'asc' } })).map(view);
}

/** The receive time of the source's latest raw event (by the (provider, received_at) or (source_id, received_at) index). */
async function lastActivity(db: Db, sourceId: string): Promise<Date | null> {
  const rows = isBuiltin(sourceId)
    ? await db.$queryRaw<{ at: Date | null }[]>`SELECT max(received_at) AS at FROM raw_events WHERE provider = ANY(${SOURCE_PROVIDERS[sourceId] as string[]}::text[])`
    : await db.$queryRaw<{ at: Date | null }[]>`SELECT max(received_at) AS at FROM raw_events WHERE source_id = ${sourceId}`;
  return rows[0]?.at ?? null;
}

/**
 * Evaluates every enabled source at `now` (an injected clock in tests). A change of state is
 * written with its outbound event in one transaction, guarded by the state it changes from, so a
 * second evaluator (or a second run) cannot announce it twice; the event key names the silence's
 * start, so a delivery is written once per silence and endpoint.
 */
export async function evaluateSourceSilence(db: Db, now: Date): Promise<SilenceTransition[]> {
  const transitions: SilenceTransition[] = [];
  for (const row of await db.sourceAlerting.findMany({ where: { enabled: true } })) {
    const lastEventAt = await lastActivity(db, row.sourceId);
    const state = row.state === 'silent' ? 'silent' : 'active';
    const verdict = silenceVerdict(row, { state, silentLastEventAt: row.silentLastEventAt }, lastEventAt, now);
    if (verdict.change === 'none') {
      await db.sourceAlerting.update({ where: { sourceId: row.sourceId }, data: { lastEventAt, checkedAt: now } });
      continue;
    }
    const expected = { silenceMinutes: row.silenceMinutes, days: row.days, startTime: row.startTime, endTime: row.endTime, timeZone: row.timeZone };
    const deliveryIds = await db.$transaction(async (tx) => {
      if (verdict.change === 'silent') {
        const moved = await tx.sourceAlerting.updateMany({
          where: { sourceId: row.sourceId, state: 'active' },
          data: { state: 'silent', silentSince: now, silentLastEventAt: lastEventAt, lastEventAt, checkedAt: now },
        });
        if (moved.count === 0) return undefined;
        const event = outboundEvent('source.silent', [row.sourceId, now.getTime()], {
          sourceId: row.sourceId, silentSince: now.toISOString(), quietSince: verdict.quietSince.toISOString(), lastEventAt: lastEventAt?.toISOString() ?? null, expected,
        });
        return writeDeliveries(tx, [event]);
      }
      const moved = await tx.sourceAlerting.updateMany({
        where: { sourceId: row.sourceId, state: 'silent' },
        data: { state: 'active', silentSince: null, silentLastEventAt: null, lastEventAt, checkedAt: now },
      });
      if (moved.count === 0) return undefined;
      const event = outboundEvent('source.recovered', [row.sourceId, row.silentSince?.getTime() ?? 0], {
        sourceId: row.sourceId, silentSince: row.silentSince?.toISOString() ?? null, recoveredAt: now.toISOString(), lastEventAt: lastEventAt?.toISOString() ?? null,
      });
      return writeDeliveries(tx, [event]);
    });
    if (deliveryIds) transitions.push({ sourceId: row.sourceId, to: verdict.change, deliveryIds });
  }
  return transitions;
}
