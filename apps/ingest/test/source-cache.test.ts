import type { SourceRegistry } from '@switchboard/db';
import { testLogger } from '@switchboard/testing';
import { createSourceCache, type SourceCache } from '../src/source-cache.ts';

type Row = { id: string; secrets: string[]; deletedAt: Date | null };

/** A stand-in for the registry in Postgres that counts queries and can be made to fail. */
function fakeSources(rows: Row[]) {
  const calls = { active: 0, find: 0 };
  let down = false;
  const registry: SourceRegistry = {
    active: async () => {
      calls.active += 1;
      if (down) throw new Error('connection refused');
      return rows.filter((r) => !r.deletedAt).map(({ id, secrets }) => ({ id, secrets }));
    },
    find: async (id) => {
      calls.find += 1;
      if (down) throw new Error('connection refused');
      const row = rows.find((r) => r.id === id);
      return row ? { id: row.id, secrets: row.secrets, deleted: row.deletedAt !== null } : null;
    },
  };
  return { registry, calls, rows, setDown: (value: boolean) => (down = value) };
}

let caches: SourceCache[] = [];
afterEach(() => {
  caches.forEach((c) => c.close());
  caches = [];
});

function cache(fake: ReturnType<typeof fakeSources>, clock: { t: number }) {
  const c = createSourceCache({ registry: fake.registry, logger: testLogger(), refreshMs: 60_000, missTtlMs: 1_000, maxMissLookups: 2, now: () => clock.t });
  caches.push(c);
  return c;
}

describe('the source cache', () => {
  test('active sources are answered from memory after a refresh, with no query per request', async () => {
    const fake = fakeSources([{ id: 'src_a', secrets: ['whsec_a'], deletedAt: null }]);
    const sources = cache(fake, { t: 0 });
    await sources.refresh();
    for (let i = 0; i < 10; i++) expect(await sources.lookup('src_a')).toEqual({ kind: 'found', secrets: ['whsec_a'] });
    expect(fake.calls).toEqual({ active: 1, find: 0 });
  });

  test('an unknown id is looked up at most once per period, concurrent requests sharing the lookup', async () => {
    const fake = fakeSources([]);
    const clock = { t: 0 };
    const sources = cache(fake, clock);
    const answers = await Promise.all(Array.from({ length: 5 }, () => sources.lookup('src_new')));
    expect(answers).toEqual(Array(5).fill({ kind: 'unknown' }));
    expect(await sources.lookup('src_new')).toEqual({ kind: 'unknown' });
    expect(fake.calls.find).toBe(1);

    // Created since: seen at the next lookup once the negative answer expired.
    fake.rows.push({ id: 'src_new', secrets: ['whsec_new'], deletedAt: null });
    clock.t += 1_001;
    expect(await sources.lookup('src_new')).toEqual({ kind: 'found', secrets: ['whsec_new'] });
    expect(fake.calls.find).toBe(2);
  });

  test('a deleted source disappears at the next refresh; a deleted id is unknown on a miss', async () => {
    const fake = fakeSources([
      { id: 'src_a', secrets: ['whsec_a'], deletedAt: null },
      { id: 'src_gone', secrets: ['whsec_g'], deletedAt: new Date() },
    ]);
    const sources = cache(fake, { t: 0 });
    await sources.refresh();
    expect(await sources.lookup('src_gone')).toEqual({ kind: 'unknown' });
    fake.rows[0]!.deletedAt = new Date();
    await sources.refresh();
    expect(await sources.lookup('src_a')).toEqual({ kind: 'unknown' });
  });

  test('ids that are not plain tokens are unknown without a query', async () => {
    const fake = fakeSources([]);
    const sources = cache(fake, { t: 0 });
    expect(await sources.lookup('x'.repeat(200))).toEqual({ kind: 'unknown' });
    expect(await sources.lookup('a b')).toEqual({ kind: 'unknown' });
    expect(fake.calls.find).toBe(0);
  });

  test('while Postgres is down, known sources keep working and a never-seen id is unavailable, not unknown', async () => {
    const fake = fakeSources([{ id: 'src_a', secrets: ['whsec_a'], deletedAt: null }]);
    const sources = cache(fake, { t: 0 });
    await sources.refresh();
    fake.setDown(true);
    await sources.refresh(); // fails: the last good registry stays
    expect(await sources.lookup('src_a')).toEqual({ kind: 'found', secrets: ['whsec_a'] });
    expect(await sources.lookup('src_other')).toEqual({ kind: 'unavailable' });
  });

  test('random ids cannot run more than the allowed concurrent lookups', async () => {
    const fake = fakeSources([]);
    const sources = cache(fake, { t: 0 });
    const answers = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((id) => sources.lookup(id)));
    expect(fake.calls.find).toBe(2);
    expect(answers.filter((a) => a.kind === 'unavailable')).toHaveLength(2);
  });
});
