import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SinkOutcome } from './sink.ts';

/** What ingest counts. One registry per ingest instance (tests run several in one process). */
export type IngestMetrics = {
  registry: Registry;
  accepted(provider: string, outcome: SinkOutcome): void;
  rejected(provider: string, status: number): void;
  /** Seconds from the accepted request to its event being durable (Redis or spool). */
  durableWrite(outcome: SinkOutcome, seconds: number): void;
};

/** Prometheus metrics: the process defaults plus ingest's counters; `spoolDepth` is read on scrape. */
export function createMetrics(spoolDepth: () => number, silentSources?: () => Promise<Record<string, string>>): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (silentSources) {
    // Written by the dispatcher's silence evaluation (a Redis hash), read here on scrape: ingest
    // is the process Prometheus already scrapes. A scrape while Redis is down leaves it out.
    const silent = new Gauge({
      name: 'switchboard_source_silent',
      help: 'A source with expected activity that has gone silent (1) or not (0), by source',
      labelNames: ['source'] as const,
      registers: [registry],
      async collect() {
        silent.reset();
        let states: Record<string, string>;
        try {
          states = await silentSources();
        } catch {
          return;
        }
        for (const [source, value] of Object.entries(states)) silent.set({ source }, value === '1' ? 1 : 0);
      },
    });
  }
  const accepted = new Counter({
    name: 'switchboard_ingest_events_accepted_total',
    help: 'Webhook events acknowledged with a 2xx, by provider and how they were made durable (queued, spooled, duplicate)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'switchboard_ingest_requests_rejected_total',
    help: 'Webhook requests refused, by provider and status code',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'switchboard_ingest_durable_write_seconds',
    help: 'Time to make an accepted event durable (Redis add or spool fdatasync)',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'switchboard_ingest_spool_entries',
    help: 'Events waiting in the local spool for Redis',
    registers: [registry],
    collect() {
      this.set(spoolDepth());
    },
  });
  // Children bound to their labels once: prom-client otherwise hashes the label object on every call.
  const acceptedBy = bound((key) => accepted.labels(...(key.split('\0') as [string, string])));
  const latencyBy = bound((outcome) => latency.labels(outcome));
  return {
    registry,
    accepted: (provider, outcome) => acceptedBy(`${provider}\0${outcome}`).inc(),
    rejected: (provider, status) => rejected.inc({ provider, status: String(status) }),
    durableWrite: (outcome, seconds) => latencyBy(outcome).observe(seconds),
  };
}

/** A memo of metric children by label key (a few providers × outcomes: never large). */
function bound<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}
