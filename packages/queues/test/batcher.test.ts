import { createBatcher } from '@switchboard/queues';

describe('createBatcher', () => {
  test('items pushed together run as one batch and each gets its own result', async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number, number>({
      maxSize: 10,
      maxWaitMs: 5,
      run: async (items) => {
        batches.push(items);
        return items.map((i) => i * 2);
      },
    });
    const results = await Promise.all([1, 2, 3].map((i) => batcher.push(i)));
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test('a full batch runs without waiting for the timer', async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number, number>({ maxSize: 2, maxWaitMs: 60_000, run: async (items) => (batches.push(items), items) });
    await Promise.all([batcher.push(1), batcher.push(2)]);
    expect(batches).toEqual([[1, 2]]);
  });

  test('a poison item fails alone: its batch mates are run again one by one and succeed', async () => {
    const batcher = createBatcher<number, string>({
      maxSize: 10,
      maxWaitMs: 5,
      run: async (items) => {
        if (items.includes(13)) throw new Error('poison');
        return items.map(String);
      },
    });
    const results = await Promise.allSettled([12, 13, 14].map((i) => batcher.push(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('poison');
  });

  test('with one batch in flight at most, what arrives while it runs goes together as soon as it ends', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const batcher = createBatcher<number, number>({
      maxSize: 3,
      maxWaitMs: 1,
      maxInFlight: 1,
      run: async (items) => {
        batches.push(items);
        if (batches.length === 1) await first;
        return items;
      },
    });
    const results = [batcher.push(1)];
    await new Promise((r) => setTimeout(r, 20));
    // The first batch still runs: these wait for it, past the timer and past a full batch.
    results.push(...[2, 3, 4, 5].map((i) => batcher.push(i)));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  test('flush runs what waits and resolves once it is done', async () => {
    const seen: number[] = [];
    const batcher = createBatcher<number, number>({ maxSize: 100, maxWaitMs: 60_000, run: async (items) => (seen.push(...items), items) });
    const pending = batcher.push(7);
    await batcher.flush();
    expect(seen).toEqual([7]);
    await expect(pending).resolves.toBe(7);
  });
});
