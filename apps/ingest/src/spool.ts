import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RawEventPayload } from '@switchboard/events';
import type { RawEventBatchPayload } from '@switchboard/queues';

/**
 * One line of the spool: what the sink tried to add as one job, a raw event alone or a batch of
 * them, so a drain adds the very same job (same id: a no-op if the first add did land).
 */
export type SpoolEntry = RawEventPayload | RawEventBatchPayload;

/** How many events an entry holds. */
function eventsIn(entry: SpoolEntry): number {
  return 'events' in entry ? entry.events.length : 1;
}

/**
 * The local journal that holds accepted events while Redis cannot take them.
 *
 * Layout: segment files of JSON lines, one entry (an event, or a batch of events) per line, in SPOOL_DIR. A writer is named by
 * its process token, `<pid>-<start time>` (the start time from /proc tells a live process from a
 * later one that reuses the pid, as every restarted container's pid 1 does), and an instance id.
 * - `<token>.<instance>.<seq>.open`: the segment a process is appending to. Only its writer
 *   touches it while that process lives; an `.open` segment of a dead writer is an orphan that
 *   any process may drain.
 * - `<token>.<instance>.<seq>.jsonl`: sealed (no more appends); any process may claim it.
 * - `<…>.claimed-<token>.<instance>`: claimed by one drainer through an atomic rename, so two
 *   ingest processes on one host never drain the same segment; a claim by a dead one is taken over.
 * A segment is deleted only after every entry in it has its BullMQ job. A crash while draining
 * replays the segment: deterministic job ids (and the listener's unique key) make that harmless.
 */
export type Spool = {
  /** Appends entries and fdatasyncs them (one write and one sync for everything waiting): resolves once durable. */
  append(entries: readonly SpoolEntry[]): Promise<void>;
  /**
   * Moves spooled entries to `push`, in order, `batchSize` at a time: seals the segment being
   * written, claims every drainable segment, deletes each once all its entries were pushed.
   * Stops at the first failed push (the claimed segment stays claimed by this process and is
   * retried by the next drain). Returns how many events were pushed.
   */
  drain(push: (entries: SpoolEntry[]) => Promise<void>, batchSize?: number): Promise<number>;
  /** Events this process knows are waiting (its own segments and those it claimed). */
  depth(): number;
  /** Whether a drain could find anything (cheap: a directory listing). */
  hasBacklog(): Promise<boolean>;
  /** Seals the current segment (another process can drain it) and closes the file. */
  close(): Promise<void>;
};

export type SpoolOptions = {
  dir: string;
  /** Start a new segment past this size. */
  maxSegmentBytes?: number;
  /**
   * SPOOL_MAX_BYTES: appends that would take the spool directory past this size are refused with
   * a `SpoolFullError` (ingest answers 503). Unset: no cap.
   */
  maxBytes?: number;
  /** Whether another process, by its token (`<pid>` or `<pid>-<start time>`), is alive (injectable for tests). */
  isAlive?: (token: string) => boolean;
  /** Called for each unreadable line skipped while draining (a torn write). */
  onCorrupt?: (file: string, line: number) => void;
};

type Waiter = { data: Buffer; count: number; resolve(): void; reject(err: unknown): void };

/** An append refused because the spool is at SPOOL_MAX_BYTES: nothing of it was written. */
export class SpoolFullError extends Error {
  readonly code = 'SPOOL_FULL';
  constructor(maxBytes: number) {
    super(`the spool is full (SPOOL_MAX_BYTES=${maxBytes})`);
    this.name = 'SpoolFullError';
  }
}

const SEGMENT = /^(\d+(?:-\d+)?)\.([0-9a-f]+)\.(\d+)\.(open|jsonl)$/;
const CLAIMED = /^(\d+(?:-\d+)?)\.([0-9a-f]+)\.(\d+)\.claimed-(\d+(?:-\d+)?)\.([0-9a-f]+)$/;

/** The start time of a process in clock ticks since boot (Linux), or undefined where /proc cannot tell. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process's token: its pid, and its start time where /proc has it. */
function processToken(pid: number): string {
  const start = startTime(pid);
  return start ? `${pid}-${start}` : String(pid);
}

function defaultIsAlive(token: string): boolean {
  const [pidText, start] = token.split('-');
  const pid = Number(pidText);
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A live process with that pid may be a later one: the start time tells.
  if (start === undefined) return true;
  const current = startTime(pid);
  return current === undefined || current === start;
}

/** Spool instances open in this process: a same-token segment of any other instance is an orphan. */
const liveInstances = new Set<string>();

/** Opens (creating) the spool directory and returns a journal writing its own segments there. */
export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const dir = path.resolve(options.dir);
  const maxSegmentBytes = options.maxSegmentBytes ?? 16 * 1024 * 1024;
  const token = processToken(process.pid);
  const instance = randomBytes(4).toString('hex');
  const isAlive = (writer: string, writerInstance: string) =>
    writer === token ? liveInstances.has(writerInstance) : (options.isAlive ?? defaultIsAlive)(writer);
  await fsp.mkdir(dir, { recursive: true });
  liveInstances.add(instance);
  const maxBytes = options.maxBytes ?? Infinity;

  /** The size of every segment in the directory, whoever wrote it. */
  async function measure(): Promise<number> {
    let total = 0;
    for (const name of await fsp.readdir(dir)) {
      if (!SEGMENT.test(name) && !CLAIMED.test(name)) continue;
      total += await fsp.stat(path.join(dir, name)).then((st) => st.size, () => 0);
    }
    return total;
  }
  /**
   * Bytes in the spool as this process counts them: measured at open, grown by its appends,
   * shrunk by its drains. Other processes sharing the directory move it too, so it is measured
   * again before an append is refused.
   */
  let usedBytes = Number.isFinite(maxBytes) ? await measure() : 0;

  let seq = 0;
  let current: { name: string; handle: fsp.FileHandle; size: number; count: number } | undefined;
  /** Events per segment file this process knows about (its own and the ones it claimed). */
  const known = new Map<string, number>();
  let waiting: Waiter[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;

  const syncDir = async () => {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  async function openSegment() {
    seq += 1;
    const name = `${token}.${instance}.${String(seq).padStart(8, '0')}.open`;
    const handle = await fsp.open(path.join(dir, name), 'a');
    // The new directory entry must be durable too, or a power loss could lose the whole file.
    await syncDir();
    current = { name, handle, size: 0, count: 0 };
    known.set(name, 0);
  }

  /** Closes the current segment and renames it .jsonl so any drainer may claim it. */
  async function sealCurrent() {
    const segment = current;
    if (!segment) return;
    current = undefined;
    await segment.handle.close().catch(() => undefined);
    if (segment.count === 0) {
      known.delete(segment.name);
      await fsp.rm(path.join(dir, segment.name), { force: true });
      return;
    }
    const sealed = segment.name.replace(/\.open$/, '.jsonl');
    await fsp.rename(path.join(dir, segment.name), path.join(dir, sealed));
    known.delete(segment.name);
    known.set(sealed, segment.count);
  }

  /** Group commit: everything that waits when a write starts goes in that one write and fdatasync. */
  async function writeLoop(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        if (closed) throw new Error('spool closed');
        // The cap: what fits is written, the rest refused (nothing of a refused append is on disk).
        let accepted = batch;
        if (Number.isFinite(maxBytes)) {
          const size = batch.reduce((n, w) => n + w.data.length, 0);
          if (usedBytes + size > maxBytes) usedBytes = await measure();
          let room = maxBytes - usedBytes;
          accepted = [];
          for (const w of batch) {
            if (w.data.length <= room) {
              accepted.push(w);
              room -= w.data.length;
            } else w.reject(new SpoolFullError(maxBytes));
          }
          if (accepted.length === 0) continue;
        }
        if (current && current.size >= maxSegmentBytes) await sealCurrent();
        if (!current) await openSegment();
        const segment = current!;
        const bytes = accepted.length === 1 ? accepted[0]!.data : Buffer.concat(accepted.map((w) => w.data));
        try {
          let offset = 0;
          while (offset < bytes.length) offset += (await segment.handle.write(bytes, offset)).bytesWritten;
          await segment.handle.datasync();
        } catch (err) {
          // A torn write leaves a partial line: abandon this segment (sealed as it is; drains skip
          // the unreadable line) so later entries never follow garbage.
          segment.count += 1;
          usedBytes += bytes.length;
          await sealCurrent().catch(() => undefined);
          throw err;
        }
        usedBytes += bytes.length;
        const count = accepted.reduce((n, w) => n + w.count, 0);
        segment.size += bytes.length;
        segment.count += count;
        known.set(segment.name, segment.count);
        for (const w of accepted) w.resolve();
      } catch (err) {
        // Rejecting a settled promise again is a no-op: the ones refused by the cap stay refused.
        for (const w of batch) w.reject(err);
      }
    }
  }

  function kick(): Promise<void> {
    writing ??= writeLoop().finally(() => {
      writing = undefined;
      if (waiting.length > 0) void kick();
    });
    return writing;
  }

  /** Serializes an operation on the segment files after the writes in progress. */
  async function afterWrites<T>(fn: () => Promise<T>): Promise<T> {
    while (writing) await writing;
    return fn();
  }

  /** Claims every drainable segment by renaming it; returns the claimed names in order. */
  async function claimAll(): Promise<string[]> {
    const names = (await fsp.readdir(dir)).sort(bySegmentOrder);
    const claimed: string[] = [];
    const suffix = `.claimed-${token}.${instance}`;
    for (const name of names) {
      let base: string | undefined;
      const seg = SEGMENT.exec(name);
      if (seg) {
        // An open segment is its live writer's own (ours included: it was sealed just before if it had entries).
        if (seg[4] === 'open' && isAlive(seg[1]!, seg[2]!)) continue;
        base = name.replace(/\.(open|jsonl)$/, '');
      } else {
        const claim = CLAIMED.exec(name);
        if (!claim) continue;
        if (name.endsWith(suffix)) {
          claimed.push(name); // a drain of ours that stopped part way
          continue;
        }
        if (isAlive(claim[4]!, claim[5]!)) continue;
        base = `${claim[1]}.${claim[2]}.${claim[3]}`;
      }
      if (!base) continue;
      const target = base + suffix;
      try {
        await fsp.rename(path.join(dir, name), path.join(dir, target));
        const count = known.get(name);
        known.delete(name);
        if (count !== undefined) known.set(target, count);
        claimed.push(target);
      } catch (err) {
        // Another process claimed it first.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        known.delete(name);
      }
    }
    return claimed.sort(bySegmentOrder);
  }

  /**
   * The entries of a segment, `batchSize` at a time, read as a stream of lines: a segment is never
   * held whole (it may be far larger than a string can be), only the batch being pushed.
   */
  async function* readBatches(name: string, batchSize: number): AsyncGenerator<SpoolEntry[]> {
    let lineNo = 0;
    let batch: SpoolEntry[] = [];
    const parse = (line: Buffer) => {
      lineNo += 1;
      if (line.length === 0) return;
      try {
        batch.push(JSON.parse(line.toString('utf8')) as SpoolEntry);
      } catch {
        // A partial last line is a write that never reached its fdatasync: it was never acknowledged.
        options.onCorrupt?.(name, lineNo);
      }
    };
    // The start of a line whose end has not come yet: kept as pieces, joined once (a line may be
    // megabytes long, and joining at every chunk would copy it over and over).
    let pending: Buffer[] = [];
    for await (const chunk of fs.createReadStream(path.join(dir, name)) as AsyncIterable<Buffer>) {
      let start = 0;
      let newline = chunk.indexOf(0x0a);
      while (newline >= 0) {
        const piece = chunk.subarray(start, newline);
        parse(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
        pending = [];
        start = newline + 1;
        newline = chunk.indexOf(0x0a, start);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
    if (pending.length > 0) parse(Buffer.concat(pending));
    if (batch.length > 0) yield batch;
  }

  return {
    append(entries) {
      if (entries.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        let data = '';
        let count = 0;
        for (const entry of entries) {
          data += JSON.stringify(entry) + '\n';
          count += eventsIn(entry);
        }
        waiting.push({ data: Buffer.from(data, 'utf8'), count, resolve, reject });
        void kick();
      });
    },

    async drain(push, batchSize = 256) {
      const claimed = await afterWrites(async () => {
        await sealCurrent();
        return claimAll();
      });
      let pushed = 0;
      for (const name of claimed) {
        const file = path.join(dir, name);
        const size = await fsp.stat(file).then((st) => st.size, () => 0);
        let left = known.get(name);
        for await (const batch of readBatches(name, batchSize)) {
          await push(batch);
          const events = batch.reduce((n, entry) => n + eventsIn(entry), 0);
          pushed += events;
          if (left !== undefined) {
            left = Math.max(0, left - events);
            known.set(name, left);
          }
        }
        await fsp.rm(file, { force: true });
        known.delete(name);
        usedBytes = Math.max(0, usedBytes - size);
      }
      if (claimed.length > 0) await syncDir();
      return pushed;
    },

    depth() {
      let n = 0;
      for (const count of known.values()) n += count;
      return n;
    },

    async hasBacklog() {
      if (current && current.count > 0) return true;
      for (const name of await fsp.readdir(dir)) {
        const seg = SEGMENT.exec(name);
        if (seg && (seg[4] === 'jsonl' || !isAlive(seg[1]!, seg[2]!))) return true;
        const claim = CLAIMED.exec(name);
        if (claim && (name.endsWith(`.claimed-${token}.${instance}`) || !isAlive(claim[4]!, claim[5]!))) return true;
      }
      return false;
    },

    async close() {
      await afterWrites(async () => {
        closed = true;
        await sealCurrent();
      });
      liveInstances.delete(instance);
    },
  };
}

/** Oldest first within each writer: by writer token and instance, then sequence (zero-padded). */
function bySegmentOrder(a: string, b: string): number {
  const ka = a.split('.').slice(0, 3).join('.');
  const kb = b.split('.').slice(0, 3).join('.');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
