import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RawEventPayload } from '@switchboard/events';
import { execFileSync } from 'node:child_process';
import { waitFor } from '@switchboard/testing';
import { openSpool, SpoolFullError, type SpoolEntry } from '../src/spool.ts';

function event(key: string): RawEventPayload {
  return {
    provider: 'twilio-messaging',
    dedupKey: key,
    route: '/webhooks/twilio/messages',
    url: 'https://hooks.example.com/webhooks/twilio/messages',
    receivedAt: new Date().toISOString(),
    headers: { 'x-twilio-signature': 'sig' },
    body: `MessageSid=${key}&Body=h%C3%A9`,
    bodyEncoding: 'utf8',
  };
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sb-spool-'));
const collect = () => {
  const seen: string[] = [];
  return { seen, push: async (entries: SpoolEntry[]) => void seen.push(...entries.flatMap((e) => ('events' in e ? e.events : [e])).map((e) => e.dedupKey)) };
};
const files = (dir: string) => fs.readdirSync(dir).sort();

describe('the spool journal', () => {
  test('appended events are on disk, one JSON line each, when append resolves', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    await spool.append([event('a'), event('b')]);
    await spool.append([event('c')]);
    const [name] = files(dir);
    expect(name).toMatch(new RegExp(`^${process.pid}-\\d+\\.[0-9a-f]+\\.\\d{8}\\.open$`));
    const lines = fs.readFileSync(path.join(dir, name!), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as RawEventPayload).dedupKey)).toEqual(['a', 'b', 'c']);
    expect(spool.depth()).toBe(3);
    await spool.close();
  });

  test('a batch is one line, counted as its events, and drained as the one entry it was', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    const batch = { events: [event('b1'), event('b2'), event('b3')] };
    const single = event('single');
    await spool.append([batch, single]);
    const [name] = files(dir);
    expect(fs.readFileSync(path.join(dir, name!), 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(spool.depth()).toBe(4);
    const pushed: SpoolEntry[][] = [];
    expect(await spool.drain(async (entries) => void pushed.push(entries))).toBe(4);
    expect(pushed).toEqual([[batch, single]]);
    expect(spool.depth()).toBe(0);
    await spool.close();
  });

  test('concurrent appends are all durable, in submission order', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append([event(`k${i}`)])));
    const { seen, push } = collect();
    expect(await spool.drain(push, 7)).toBe(50);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`));
    await spool.close();
  });

  test('drain pushes every entry in order, in batches, across segments, then deletes the segments', async () => {
    const dir = tmpDir();
    // Tiny segments: every append after the first starts a new file.
    const spool = await openSpool({ dir, maxSegmentBytes: 1 });
    for (let i = 0; i < 5; i++) await spool.append([event(`e${i}a`), event(`e${i}b`)]);
    expect(files(dir).length).toBe(5);
    const batches: number[] = [];
    const { seen, push } = collect();
    const moved = await spool.drain(async (events) => {
      batches.push(events.length);
      await push(events);
    }, 3);
    expect(moved).toBe(10);
    expect(seen).toEqual(['e0a', 'e0b', 'e1a', 'e1b', 'e2a', 'e2b', 'e3a', 'e3b', 'e4a', 'e4b']);
    expect(Math.max(...batches)).toBeLessThanOrEqual(3);
    expect(files(dir)).toEqual([]);
    expect(spool.depth()).toBe(0);
    expect(await spool.hasBacklog()).toBe(false);
    await spool.close();
  });

  test('a failed push keeps the segment, and the next drain replays it whole', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    await spool.append([event('x1'), event('x2'), event('x3')]);
    let calls = 0;
    await expect(
      spool.drain(async () => {
        calls += 1;
        if (calls === 2) throw new Error('redis went away');
      }, 1),
    ).rejects.toThrow('redis went away');
    expect(files(dir)).toEqual([expect.stringMatching(/\.claimed-\d+-\d+\.[0-9a-f]+$/)]);
    expect(await spool.hasBacklog()).toBe(true);
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(3);
    expect(seen).toEqual(['x1', 'x2', 'x3']);
    expect(files(dir)).toEqual([]);
    await spool.close();
  });

  test('events appended while a drain runs are kept for the next drain', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    await spool.append([event('before')]);
    const { seen, push } = collect();
    let during: Promise<void> | undefined;
    await spool.drain(async (events) => {
      during = spool.append([event('during')]);
      await push(events);
    });
    await during;
    expect(seen).toEqual(['before']);
    expect(await spool.hasBacklog()).toBe(true);
    await spool.drain(push);
    expect(seen).toEqual(['before', 'during']);
    await spool.close();
  });

  test('a partial last line left by a crash is skipped, and every complete line is drained', async () => {
    const dir = tmpDir();
    const complete = [event('ok1'), event('ok2')].map((e) => JSON.stringify(e) + '\n').join('');
    // An orphan of a dead writer (pid 999999999): its last write never reached fdatasync.
    fs.writeFileSync(path.join(dir, '999999999.deadbeef.00000001.open'), complete + JSON.stringify(event('torn')).slice(0, 40));
    const corrupt: number[] = [];
    const spool = await openSpool({ dir, isAlive: () => false, onCorrupt: (_file, line) => corrupt.push(line) });
    expect(await spool.hasBacklog()).toBe(true);
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(2);
    expect(seen).toEqual(['ok1', 'ok2']);
    expect(corrupt).toEqual([3]);
    expect(files(dir)).toEqual([]);
    await spool.close();
  });

  test("another live process's open segment is left alone; a dead one's is drained", async () => {
    const dir = tmpDir();
    const line = (key: string) => JSON.stringify(event(key)) + '\n';
    fs.writeFileSync(path.join(dir, '111.aaaaaaaa.00000001.open'), line('live'));
    fs.writeFileSync(path.join(dir, '222.bbbbbbbb.00000001.open'), line('dead'));
    const spool = await openSpool({ dir, isAlive: (token) => token === '111' });
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(1);
    expect(seen).toEqual(['dead']);
    expect(files(dir)).toEqual(['111.aaaaaaaa.00000001.open']);
    await spool.close();
  });

  test('a segment claimed by a live drainer is not drained twice; a dead claimer’s is taken over', async () => {
    const dir = tmpDir();
    const line = (key: string) => JSON.stringify(event(key)) + '\n';
    fs.writeFileSync(path.join(dir, '333.cccccccc.00000001.claimed-444.dddddddd'), line('claimed-by-live'));
    fs.writeFileSync(path.join(dir, '333.cccccccc.00000002.claimed-555.eeeeeeee'), line('claimed-by-dead'));
    const spool = await openSpool({ dir, isAlive: (token) => token === '444' });
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(1);
    expect(seen).toEqual(['claimed-by-dead']);
    expect(files(dir)).toEqual(['333.cccccccc.00000001.claimed-444.dddddddd']);
    await spool.close();
  });

  test('two spools on one directory each drain a sealed segment exactly once', async () => {
    const dir = tmpDir();
    const writer = await openSpool({ dir, maxSegmentBytes: 1 });
    for (let i = 0; i < 20; i++) await writer.append([event(`s${i}`)]);
    await writer.close(); // seals its last segment
    const a = await openSpool({ dir });
    const b = await openSpool({ dir });
    const first = collect();
    const second = collect();
    const [na, nb] = await Promise.all([a.drain(first.push), b.drain(second.push)]);
    expect(na + nb).toBe(20);
    expect([...first.seen, ...second.seen].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`).sort());
    expect(files(dir)).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  test('close seals the open segment so another process may drain it, and later appends are refused', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    await spool.append([event('last')]);
    await spool.close();
    expect(files(dir)).toEqual([expect.stringMatching(/\.jsonl$/)]);
    await expect(spool.append([event('late')])).rejects.toThrow('spool closed');
    const next = await openSpool({ dir });
    const { seen, push } = collect();
    await next.drain(push);
    expect(seen).toEqual(['last']);
    await next.close();
  });

  test('a segment left by an earlier process with the same pid (a restarted container) is drained', async () => {
    const dir = tmpDir();
    const line = JSON.stringify(event('before-restart')) + '\n';
    // Same pid as ours, another start time: the writer is gone even though the pid is alive.
    fs.writeFileSync(path.join(dir, `${process.pid}-1.abcdef01.00000001.open`), line);
    const spool = await openSpool({ dir });
    expect(await spool.hasBacklog()).toBe(true);
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(1);
    expect(seen).toEqual(['before-restart']);
    await spool.close();
  });

  test('an append that cannot be written rejects', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a directory');
    await expect(spool.append([event('nowhere')])).rejects.toThrow();
    fs.rmSync(dir);
  });

  test('past SPOOL_MAX_BYTES an append is refused and nothing of it is written; a drain makes room again', async () => {
    const dir = tmpDir();
    const lineBytes = Buffer.byteLength(JSON.stringify(event('k0')) + '\n');
    const spool = await openSpool({ dir, maxBytes: lineBytes * 3 });
    await spool.append([event('k1'), event('k2')]);
    // Appends waiting together: the one that fits is written, the one past the cap refused.
    const [third, fourth] = await Promise.allSettled([spool.append([event('k3')]), spool.append([event('k4')])]);
    expect(third.status).toBe('fulfilled');
    expect(fourth).toMatchObject({ status: 'rejected', reason: expect.any(SpoolFullError) });
    await expect(spool.append([event('k5')])).rejects.toThrow(`the spool is full (SPOOL_MAX_BYTES=${lineBytes * 3})`);
    const onDisk = () => files(dir).reduce((n, name) => n + fs.statSync(path.join(dir, name)).size, 0);
    expect(onDisk()).toBe(lineBytes * 3);
    const { seen, push } = collect();
    expect(await spool.drain(push)).toBe(3);
    expect(seen).toEqual(['k1', 'k2', 'k3']);
    await spool.append([event('k6')]);
    expect(spool.depth()).toBe(1);
    await spool.close();
  });

  test('segments left by another process count toward the cap', async () => {
    const dir = tmpDir();
    const line = JSON.stringify(event('old')) + '\n';
    fs.writeFileSync(path.join(dir, '999999999.deadbeef.00000001.jsonl'), line.repeat(4));
    const spool = await openSpool({ dir, maxBytes: line.length * 4 + 10, isAlive: () => false });
    await expect(spool.append([event('new')])).rejects.toThrow(SpoolFullError);
    expect(await spool.drain(collect().push)).toBe(4);
    await spool.append([event('new')]);
    await spool.close();
  });

  test('a segment is read as a stream: its first batch is pushed before the rest of it exists', async () => {
    const dir = tmpDir();
    // A named pipe as a sealed segment of a dead writer: its end is written only once a batch was
    // pushed, so a drain that read the whole file first would never push anything.
    const fifo = path.join(dir, '999999999.deadbeef.00000001.jsonl');
    execFileSync('mkfifo', [fifo]);
    // Read-write: opening does not wait for a reader, and the pipe ends when this closes.
    const writer = fs.openSync(fifo, 'r+');
    const line = (key: string) => JSON.stringify(event(key)) + '\n';
    fs.writeSync(writer, line('s1') + line('s2') + line('s3').slice(0, 50));
    const spool = await openSpool({ dir, isAlive: () => false });
    const seen: string[] = [];
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      fs.writeSync(writer, line('s3').slice(50) + line('s4'));
      fs.closeSync(writer);
    };
    const collected = collect();
    const drained = spool.drain(async (entries) => {
      await collected.push(entries);
      seen.push(...collected.seen.splice(0));
      finish();
    }, 2);
    try {
      await waitFor(() => seen.length >= 2, { timeoutMs: 5_000, what: 'a first batch pushed while the segment is still being written' });
    } finally {
      finish();
    }
    expect(await drained).toBe(4);
    expect(seen).toEqual(['s1', 's2', 's3', 's4']);
    expect(files(dir)).toEqual([]);
    await spool.close();
  });

  test('a line far longer than a read chunk, its multi-byte characters cut across chunks, drains intact', async () => {
    const dir = tmpDir();
    const spool = await openSpool({ dir });
    const big = { ...event('big'), body: `Body=${'é😊'.repeat(600_000)}` };
    await spool.append([event('before'), big, event('after')]);
    const drained: SpoolEntry[] = [];
    expect(await spool.drain(async (entries) => void drained.push(...entries), 2)).toBe(3);
    expect(drained).toEqual([event('before'), big, event('after')].map((e) => expect.objectContaining({ dedupKey: e.dedupKey, body: e.body })));
    await spool.close();
  });
});
