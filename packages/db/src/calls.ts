import type { CallStepEvent, RecordingEvent } from '@switchboard/events';
import type { Db, DbTx } from './client.ts';
import { newId } from './ids.ts';
import { outboundEvent, type OutboundEvent } from '@switchboard/domain';
import { writeDeliveries } from './outbox.ts';

/** Call statuses after which Twilio reports nothing more about a call. */
const FINAL_CALL_STATUSES = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

/** A voice event (call step or recording), normalized, with the raw event it came from. */
export type VoiceEvent = { eventId: string; event: CallStepEvent | RecordingEvent };

/** What a batch of voice events did: per event whether it was new, and the deliveries to enqueue after commit. */
export type VoiceBatchResult = { outcomes: ('created' | 'exists')[]; deliveryIds: string[] };

/**
 * Records voice events in one transaction: the call (one row per CallSid, its status the latest
 * reported, a final status never replaced by an earlier one), a step per event (keyed by event
 * id) and recordings (keyed by RecordingSid). A call reaching `completed` is announced once
 * (`call.completed:<CallSid>`). Running a batch twice changes nothing the second time.
 */
export async function recordVoiceEvents(db: Db, items: VoiceEvent[]): Promise<VoiceBatchResult> {
  if (items.length === 0) return { outcomes: [], deliveryIds: [] };
  return db.$transaction(async (tx) => {
    const outcomes: ('created' | 'exists')[] = [];
    const completed = new Set<string>();
    const ordered = items.map((item, index) => ({ ...item, index })).sort((a, b) => a.event.callSid.localeCompare(b.event.callSid) || a.index - b.index);
    const byIndex = new Map<number, 'created' | 'exists'>();
    for (const { eventId, event, index } of ordered) {
      if (event.kind === 'call') {
        byIndex.set(index, await recordCallStep(tx, eventId, event));
        if (event.status === 'completed') completed.add(event.callSid);
      } else {
        byIndex.set(index, await recordRecording(tx, event));
      }
    }
    for (let i = 0; i < items.length; i++) outcomes.push(byIndex.get(i)!);
    const events: OutboundEvent[] = [];
    for (const callSid of completed) events.push(await callCompletedEvent(tx, callSid));
    return { outcomes, deliveryIds: await writeDeliveries(tx, events) };
  });
}

async function upsertCall(tx: DbTx, callSid: string, from: string, to: string | null, status: string, at: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO calls (id, call_sid, "from", "to", status, started_at, updated_at)
    VALUES (${newId()}::uuid, ${callSid}, ${from}, ${to}, ${status}, ${at}, ${at})
    ON CONFLICT (call_sid) DO UPDATE SET
      "from" = CASE WHEN calls."from" = '' THEN EXCLUDED."from" ELSE calls."from" END,
      "to" = COALESCE(calls."to", EXCLUDED."to"),
      status = CASE
        WHEN EXCLUDED.status = 'unknown' THEN calls.status
        WHEN calls.status = ANY(${FINAL_CALL_STATUSES}::text[]) AND NOT (EXCLUDED.status = ANY(${FINAL_CALL_STATUSES}::text[])) THEN calls.status
        WHEN EXCLUDED.updated_at >= calls.updated_at OR calls.status = 'unknown' OR EXCLUDED.status = ANY(${FINAL_CALL_STATUSES}::text[]) THEN EXCLUDED.status
        ELSE calls.status END,
      started_at = LEAST(calls.started_at, EXCLUDED.started_at),
      updated_at = GREATEST(calls.updated_at, EXCLUDED.updated_at)`;
}

async function recordCallStep(tx: DbTx, eventId: string, event: CallStepEvent): Promise<'created' | 'exists'> {
  await upsertCall(tx, event.callSid, event.from, event.to, event.status, new Date(event.receivedAt));
  const inserted = await tx.$executeRaw`
    INSERT INTO call_steps (id, call_sid, event_id, kind, digits, choice, status, received_at)
    VALUES (${newId()}::uuid, ${event.callSid}, ${eventId}::uuid, ${event.step}, ${event.digits}, ${event.choice}, ${event.status}, ${new Date(event.receivedAt)})
    ON CONFLICT (event_id) DO NOTHING`;
  return inserted > 0 ? 'created' : 'exists';
}

async function recordRecording(tx: DbTx, event: RecordingEvent): Promise<'created' | 'exists'> {
  // A recording callback may beat the call's own events: a placeholder call row keeps the reference.
  await upsertCall(tx, event.callSid, '', null, 'unknown', new Date(event.receivedAt));
  const rows = await tx.$queryRaw<{ inserted: boolean }[]>`
    INSERT INTO recordings (id, recording_sid, call_sid, url, duration_sec, status, received_at)
    VALUES (${newId()}::uuid, ${event.recordingSid}, ${event.callSid}, ${event.url}, ${event.durationSec}, ${event.status}, ${new Date(event.receivedAt)})
    ON CONFLICT (recording_sid) DO UPDATE SET url = EXCLUDED.url, duration_sec = COALESCE(EXCLUDED.duration_sec, recordings.duration_sec),
      status = EXCLUDED.status, received_at = EXCLUDED.received_at
      WHERE recordings.status <> 'completed' AND EXCLUDED.received_at > recordings.received_at
    RETURNING (xmax = 0) AS inserted`;
  return rows[0]?.inserted ? 'created' : 'exists';
}

async function callCompletedEvent(tx: DbTx, callSid: string): Promise<OutboundEvent> {
  const call = await tx.call.findUniqueOrThrow({
    where: { callSid },
    include: { steps: { orderBy: { receivedAt: 'asc' } }, recordings: { orderBy: { receivedAt: 'asc' } } },
  });
  return outboundEvent('call.completed', [callSid], {
    callSid,
    from: call.from,
    to: call.to,
    status: call.status,
    startedAt: call.startedAt.toISOString(),
    endedAt: call.updatedAt.toISOString(),
    choices: call.steps.filter((s) => s.kind === 'menu').map((s) => ({ digits: s.digits, choice: s.choice, at: s.receivedAt.toISOString() })),
    recordings: call.recordings.map((r) => ({ recordingSid: r.recordingSid, url: r.url, durationSec: r.durationSec, status: r.status })),
  });
}
