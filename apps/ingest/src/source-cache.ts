import type { SourceRegistry } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import type { SourceLookup } from '@switchboard/providers';


export type SourceCache = {
  lookup(sourceId: string): SourceLookup | Promise<SourceLookup>;
  /** Reloads every active source now. */
  refresh(): Promise<void>;
  close(): void;
};

export type SourceCacheOptions = {
  /** The registry in Postgres (`sourceRegistry(db)`). */
  registry: SourceRegistry;
  logger: Logger;
  /** Full reload period. */
  refreshMs?: number;
  /** A missed id is looked up in Postgres at most once per this period (a negative answer is cached that long). */
  missTtlMs?: number;
  /** Most concurrent miss lookups: random ids from a scanner cannot flood Postgres. */
  maxMissLookups?: number;
  /**
   * Where a failed reload goes (it repeats every `refreshMs` while Postgres is down, so the
   * process's outage monitor should report it once). Default: a warning per failure.
   */
  onReloadError?: (err: Error) => void;
  now?: () => number;
};

/** Ids the console makes are short tokens; anything else is unknown without a query. */
const SOURCE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The generic sources' secrets, off the hot path: every active source is reloaded from
 * Postgres every `refreshMs` in the background, so a source created or deleted in the console
 * takes effect within seconds without a restart. An id not in the cache (created since the last
 * reload) is looked up once, at most once per `missTtlMs`; known sources keep answering from
 * memory while Postgres is down.
 */
export function createSourceCache(options: SourceCacheOptions): SourceCache {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 2_000;
  const missTtlMs = options.missTtlMs ?? 1_000;
  const maxMissLookups = options.maxMissLookups ?? 8;
  let sources = new Map<string, string[]>();
  /** id → the last miss answer, and when a lookup may run again. */
  const misses = new Map<string, { until: number; answer: SourceLookup }>();
  const lookups = new Map<string, Promise<SourceLookup>>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const rows = await options.registry.active();
        sources = new Map(rows.map((r) => [r.id, r.secrets]));
        const t = now();
        for (const [id, miss] of misses) if (miss.until <= t || sources.has(id)) misses.delete(id);
      } catch (err) {
        if (options.onReloadError) options.onReloadError(err as Error);
        else options.logger.warn('could not reload the source registry; keeping the last one', { error: (err as Error).message });
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  async function lookupMiss(id: string): Promise<SourceLookup> {
    try {
      const row = await options.registry.find(id);
      if (!row || row.deleted) {
        misses.set(id, { until: now() + missTtlMs, answer: { kind: 'unknown' } });
        return { kind: 'unknown' };
      }
      sources.set(id, row.secrets);
      return { kind: 'found', secrets: row.secrets };
    } catch (err) {
      misses.set(id, { until: now() + missTtlMs, answer: { kind: 'unavailable' } });
      options.logger.warn('could not look up a source', { sourceId: id, error: (err as Error).message });
      return { kind: 'unavailable' };
    }
  }

  const schedule = () => {
    timer = setTimeout(() => void refresh().finally(() => timer && schedule()), refreshMs);
    timer.unref();
  };
  schedule();

  return {
    lookup(id) {
      const secrets = sources.get(id);
      if (secrets) return { kind: 'found', secrets };
      if (!SOURCE_ID.test(id)) return { kind: 'unknown' };
      const miss = misses.get(id);
      if (miss && miss.until > now()) return miss.answer;
      const inFlight = lookups.get(id);
      if (inFlight) return inFlight;
      if (lookups.size >= maxMissLookups) return { kind: 'unavailable' };
      const lookup = lookupMiss(id).finally(() => lookups.delete(id));
      lookups.set(id, lookup);
      return lookup;
    },
    refresh,
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
