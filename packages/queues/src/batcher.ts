export type BatcherOptions<I, O> = {
  /** Flush when this many items wait. */
  maxSize: number;
  /** Flush at the latest this long after the first item arrived. */
  maxWaitMs: number;
  /** Runs one batch; returns one result per item, in order. */
  run(items: I[]): Promise<O[]>;
  /** Told each batch's size before it runs (the workers' batch-size metric). */
  observe?: (size: number) => void;
  /**
   * At most this many batches run at once (default: no limit). Items that arrive meanwhile wait
   * and run together as soon as one ends, like a database's group commit: under load the batches
   * grow with the time a batch takes, not with the timer, and each one costs one round trip.
   */
  maxInFlight?: number;
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
  const waiting: Pending<I, O>[] = [];
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

  const maxInFlight = options.maxInFlight ?? Infinity;

  function flushNow(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (waiting.length > 0 && inFlight.size < maxInFlight) {
      const batch = waiting.splice(0, options.maxSize);
      const running: Promise<void> = runBatch(batch).finally(() => {
        inFlight.delete(running);
        // What arrived while the slot was taken has waited a whole batch already: it goes now.
        if (waiting.length > 0) flushNow();
      });
      inFlight.add(running);
    }
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
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
