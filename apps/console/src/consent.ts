import fs from 'node:fs/promises';
import path from 'node:path';
import type { Job, Queue } from 'bullmq';
import { addressPattern, consentHistory, consentLedgerPages, eraseContact, newId, optOutKey, recordConsentChanges, type ConsentEntry, type Db, type ErasureResult } from '@switchboard/db';

/** A ledger entry as the API shows it. */
export function entryView(e: ConsentEntry) {
  return {
    id: e.id, address: e.address, channel: e.channel, action: e.action, occurredAt: e.occurredAt.toISOString(), recordedAt: e.recordedAt.toISOString(),
    cause: e.cause, messageId: e.messageId, actor: e.actor, wording: e.wording, decidedBy: e.decidedBy,
  };
}

/** One contact's ledger, newest first like every list of the console. */
export async function listConsent(db: Db, address: string) {
  return (await consentHistory(db, address)).reverse().map(entryView);
}

export type OperatorConsent = { action: 'opt_out' | 'opt_in'; channel: string; wording?: string | undefined; occurredAt?: Date | undefined };

/**
 * Consent an operator records (given on paper, by phone, in a shop): through the same function
 * as a STOP, so the contact's state and the ledger move together. An existing contact is found
 * case-insensitively for an email, so its history stays in one place.
 */
export async function recordOperatorConsent(db: Db, address: string, input: OperatorConsent, actor: string) {
  const key = optOutKey(address);
  const existing = await db.contact.findFirst({ where: { address: { equals: key, mode: 'insensitive' } }, orderBy: { createdAt: 'asc' }, select: { id: true, address: true } });
  const sourceKey = `operator:${newId()}`;
  await db.$transaction(async (tx) => {
    await recordConsentChanges(tx, [{
      address: existing?.address ?? key, contactId: existing?.id, channel: input.channel, action: input.action, at: input.occurredAt ?? new Date(),
      cause: 'operator', actor, wording: input.wording ?? null, decidedBy: 'operator', sourceKey,
    }]);
  });
  const row = await db.consentEvent.findUniqueOrThrow({ where: { sourceKey } });
  return entryView({ ...row, messageId: row.messageId, actor: row.actor, wording: row.wording });
}

const CSV_COLUMNS = ['id', 'recordedAt', 'occurredAt', 'address', 'channel', 'action', 'cause', 'decidedBy', 'messageId', 'actor', 'wording'] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. A cell a
 * spreadsheet would run as a formula (`=`, `@`, a tab, or `+`/`-` not starting a number) gets a
 * leading `'`: a message's wording is written by anyone. `+33…` stays a phone number.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  let v = value;
  if (/^[=@\t\r]/.test(v) || /^[+-](?![0-9])/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The ledger since `since` as CSV lines, a page at a time (the route streams them). */
export async function* consentCsv(db: Db, since: Date): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const page of consentLedgerPages(db, since)) {
    yield page
      .map((e) => {
        const v = entryView(e);
        return `${CSV_COLUMNS.map((c) => csvCell(v[c])).join(',')}\r\n`;
      })
      .join('');
  }
}

/**
 * Erases a person, then deletes their attachments from disk once the database no longer names
 * them (a crash in between leaves an unreferenced file, never a row pointing at nothing).
 */
export async function eraseContactEverywhere(
  db: Db,
  address: string,
  options: { hashKey: string; attachmentsDir: string; requestedBy: string; jobQueues?: Queue[] },
): Promise<ErasureResult & { filesDeleted: number; jobsRemoved: number }> {
  const result = await eraseContact(db, { address, hashKey: options.hashKey, requestedBy: options.requestedBy });
  let filesDeleted = 0;
  const root = path.resolve(options.attachmentsDir);
  for (const relative of result.attachments) {
    const file = path.resolve(root, relative);
    // Paths come from our own rows, but a row is data: never delete outside the directory.
    if (!file.startsWith(root + path.sep)) continue;
    try {
      await fs.unlink(file);
      filesDeleted += 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const jobsRemoved = options.jobQueues ? await removeJobsNaming(options.jobQueues, address) : 0;
  return { ...result, filesDeleted, jobsRemoved };
}

const JOB_STATES = ['completed', 'failed', 'waiting', 'delayed', 'prioritized'] as const;

/** The state of a job whose work is still to come: a batch of it must keep the other people's entries. */
const PENDING_STATES = new Set(['waiting', 'delayed', 'prioritized']);

/**
 * A pending batch job (`events` of an inbound batch, `items` of an interpret batch) that names
 * other people too keeps their entries, without the erased person's: removing it whole would drop
 * their events. Returns whether it did (else the job is to be removed whole).
 */
async function keepOthersOfBatch(job: Job, pattern: RegExp): Promise<boolean> {
  const data = job.data as Record<string, unknown>;
  const key = ['events', 'items'].find((k) => Array.isArray(data[k]));
  if (!key || !PENDING_STATES.has(await job.getState())) return false;
  const others = (data[key] as unknown[]).filter((entry) => !pattern.test(JSON.stringify(entry)));
  if (others.length === 0) return false;
  await job.updateData({ ...data, [key]: others });
  return true;
}

/**
 * Removes the jobs whose data names the address (raw bodies of `inbound`, messages of
 * `interpret`): completed and failed ones BullMQ keeps for a day or two weeks, and waiting ones,
 * which would otherwise store the person again after the erasure. An active job cannot be
 * removed: one running at that very moment may still write (see docs/decisions.md). A pending
 * batch job loses the person's entries only (counted as one job).
 */
async function removeJobsNaming(queues: Queue[], address: string): Promise<number> {
  const pattern = new RegExp(addressPattern(address), 'i');
  let removed = 0;
  for (const queue of queues) {
    // Found first, removed after: removing while paging would shift the pages.
    const found = [];
    for (let start = 0; ; start += 500) {
      const page = await queue.getJobs([...JOB_STATES], start, start + 499, true);
      for (const job of page) if (job && pattern.test(JSON.stringify(job.data))) found.push(job);
      if (page.length === 0) break;
    }
    for (const job of found) {
      if (!(await keepOthersOfBatch(job, pattern))) await job.remove();
      removed += 1;
    }
  }
  return removed;
}
