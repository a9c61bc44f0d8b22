export type BatcherOptions<I, O> = {
  /** Flush when this many items wait. */
  maxSize: number;
  /** Flush at the latest this long after the first item arrived. */
  maxWaitMs: number;
  /** Runs one batch; returns one result per item, in order. */
  run(items: I[]): Promise<O[]>;
  /** Told each batch's size before it runs (the workers' batch-size metric). */
  observe?: (size: number) => void;
};

export type Batcher<I, O> = {
  /** Resolves with this item's result once its batch has run (rejects if it failed). */
  push(item: I): Promise<O>;
  /** Runs what is waiting now and waits for batches in flight. */
  flush(): Promise<void>;
};

type Pending<I, O> = { item: I; resolve(value: O): void; reject(err: unknown): void };

/**
 * Groups items pushed by concurrent job processors into one call (one database transaction for
 * many jobs). Each job still resolves or fails on its own: when a batch fails, its items run again
 * one by one, so a poison item fails alone instead of taking its batch mates with it.
 */
export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  let waiting: Pending<I, O>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  async function runBatch(batch: Pending<I, O>[]): Promise<void> {
    options.observe?.(batch.length);
    try {
      const results = await options.run(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch returned ${results.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          const [result] = await options.run([p.item]);
          p.resolve(result!);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  function flushNow(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    const running = runBatch(batch).finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  return {
    push(item) {
      return new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= options.maxSize) flushNow();
        else timer ??= setTimeout(flushNow, options.maxWaitMs);
      });
    },
    async flush() {
      flushNow();
      await Promise.all([...inFlight]);
    },
  };
}
