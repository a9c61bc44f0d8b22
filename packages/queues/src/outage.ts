import type { Redis } from 'ioredis';
import { classifyFailure, DEFAULT_BACKOFF, type BackoffSchedule, type Dependency } from './failures.ts';

/** What the outage lines are written with (the process logger fits). */
export type OutageLogger = {
  info(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
  debug(message: string, meta?: object): unknown;
};

/**
 * One dependency's state in this process. An outage is written as two lines (down, with the error
 * code; back, with how long and how much work waited) and, while it lasts, one summary line per
 * `summaryIntervalMs`, however many jobs and connections fail meanwhile.
 */
export type OutageMonitor = {
  readonly dependency: Dependency;
  isDown(): boolean;
  /** A failure: the first one while up opens an outage. */
  failed(code: string): void;
  /** A job held back by the outage (counted once per key). */
  held(key: string): void;
  /** The dependency answered: closes the outage, if one is open. */
  recovered(): void;
};

export type ResilienceOptions = {
  logger: OutageLogger;
  /** The schedule of retries (JOB_BACKOFF_BASE_MS, JOB_BACKOFF_MAX_MS). */
  backoff?: BackoffSchedule;
  /**
   * Cheap checks that tell when a dependency is back (`SELECT 1` for Postgres). A dependency with a
   * probe is polled while it is down, and the workers of this process pause meanwhile: jobs stay
   * in `wait` rather than failing one after another against it.
   */
  probes?: Partial<Record<Dependency, () => Promise<unknown>>>;
  /** How often a probe runs while its dependency is down. Default: min(backoff base, 1 s). */
  probeIntervalMs?: number;
  /** How often a still-open outage writes its summary line. Default 60 s. */
  summaryIntervalMs?: number;
};

/** Hooks a worker registers so that it can wait out an outage and catch up after it. */
export type OutageParticipant = {
  pause(): Promise<void> | void;
  resume(): Promise<void> | void;
  /** After an outage: run at once what was deferred, re-drive what failed for a transient reason. */
  catchUp(dependency: Dependency): Promise<unknown>;
  /** Jobs waiting or delayed in this participant's queue (the "how much waited" of the back line). */
  backlog(): Promise<number>;
};

/** One per process: the retry schedule, the dependencies' monitors, and the workers that follow them. */
export type Resilience = {
  readonly backoff: BackoffSchedule;
  readonly logger: OutageLogger;
  monitor(dependency: Dependency): OutageMonitor;
  /**
   * Handles an error event of a connection, queue or worker: outages become monitor lines, the
   * rest is logged as an error. A bare socket error is counted against `dependency` (default
   * Redis: the queues' and workers' connections are Redis's).
   */
  onError(source: string, dependency?: Dependency): (err: Error) => void;
  /** Follows a Redis connection's errors and readiness (a shared connection may be watched more than once). */
  watchRedis(redis: Redis, name: string): void;
  register(participant: OutageParticipant): () => void;
  close(): void;
};

const PROBE_TIMEOUT_MS = 5_000;

const errorCode = (err: Error & { code?: unknown }) => (typeof err.code === 'string' ? err.code : classifyCode(err));

/** See {@link Resilience}. */
export function createResilience(options: ResilienceOptions): Resilience {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const log = options.logger;
  const summaryIntervalMs = options.summaryIntervalMs ?? 60_000;
  const probeIntervalMs = options.probeIntervalMs ?? Math.min(backoff.baseMs, 1_000);
  const participants = new Set<OutageParticipant>();
  const monitors = new Map<Dependency, OutageMonitor & { close(): void }>();
  const watched = new WeakSet<Redis>();
  let closed = false;

  function createMonitor(dependency: Dependency): OutageMonitor & { close(): void } {
    const probe = options.probes?.[dependency];
    let since: number | undefined;
    let lastCode = '';
    let failures = 0;
    let heldKeys = new Set<string>();
    let summary: NodeJS.Timeout | undefined;
    let probing: NodeJS.Timeout | undefined;

    const stopTimers = () => {
      clearInterval(summary);
      clearTimeout(probing);
      summary = probing = undefined;
    };
    // One chain of probes per outage: each schedules the next while the dependency stays down.
    const scheduleProbe = () => {
      if (!probe || closed || probing) return;
      probing = setTimeout(() => {
        // A probe that hangs (a half-open connection) must not keep the workers paused for good.
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS);
        });
        Promise.race([probe(), deadline])
          .finally(() => {
            clearTimeout(timer);
            probing = undefined;
          })
          .then(
            () => monitor.recovered(),
            () => {
              if (since !== undefined) scheduleProbe();
            },
          );
      }, probeIntervalMs);
      probing.unref();
    };

    const monitor = {
      dependency,
      isDown: () => since !== undefined,
      failed(code: string) {
        failures += 1;
        lastCode = code;
        if (since !== undefined || closed) return;
        since = Date.now();
        log.warn(`${dependency} unreachable`, { dependency, outage: 'down', code });
        summary = setInterval(() => {
          log.warn(`${dependency} still unreachable`, { dependency, outage: 'ongoing', code: lastCode, downForMs: Date.now() - since!, failures, jobsHeld: heldKeys.size });
        }, summaryIntervalMs);
        summary.unref();
        if (probe) {
          for (const p of participants) void Promise.resolve(p.pause()).catch((err: Error) => log.debug('pause failed', { error: err.message }));
          scheduleProbe();
        }
      },
      held(key: string) {
        if (since !== undefined) heldKeys.add(key);
      },
      recovered() {
        if (since === undefined) return;
        const downForMs = Date.now() - since;
        const jobsHeld = heldKeys.size;
        const seen = failures;
        since = undefined;
        failures = 0;
        heldKeys = new Set();
        stopTimers();
        void (async () => {
          if (probe) for (const p of participants) await Promise.resolve(p.resume()).catch((err: Error) => log.debug('resume failed', { error: err.message }));
          const waiting = await Promise.all([...participants].map((p) => p.backlog().catch(() => 0)));
          log.info(`${dependency} reachable again`, { dependency, outage: 'up', downForMs, failures: seen, jobsHeld, jobsWaiting: waiting.reduce((a, b) => a + b, 0) });
          await Promise.all([...participants].map((p) => p.catchUp(dependency).catch((err: Error) => log.debug('catch-up failed', { dependency, error: err.message }))));
        })();
      },
      close: stopTimers,
    };
    return monitor;
  }

  const resilience: Resilience = {
    backoff,
    logger: log,
    monitor(dependency) {
      let m = monitors.get(dependency);
      if (!m) monitors.set(dependency, (m = createMonitor(dependency)));
      return m;
    },
    onError(source, dependency = 'redis') {
      return (err: Error) => {
        const failure = classifyFailure(err);
        if (failure.kind === 'transient') {
          // Connection errors come from every connection and every reconnect attempt: the monitor
          // turns them into one line per outage.
          resilience.monitor(failure.dependency === 'network' ? dependency : failure.dependency).failed(failure.code);
          log.debug(`${source} error`, { error: err.message });
          return;
        }
        log.error(`${source} error`, { error: err.message, code: errorCode(err) });
      };
    },
    watchRedis(redis, name) {
      if (watched.has(redis)) return;
      watched.add(redis);
      redis.on('error', (err: Error & { code?: string }) => {
        resilience.monitor('redis').failed(err.code ?? classifyCode(err));
        log.debug('redis connection error', { connection: name, error: err.message });
      });
      redis.on('ready', () => resilience.monitor('redis').recovered());
    },
    register(participant) {
      participants.add(participant);
      return () => participants.delete(participant);
    },
    close() {
      closed = true;
      for (const m of monitors.values()) m.close();
      participants.clear();
    },
  };
  return resilience;
}

function classifyCode(err: Error): string {
  const failure = classifyFailure(err);
  return failure.kind === 'transient' ? failure.code : err.name;
}
