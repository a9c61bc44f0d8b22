import { ReplyError, type Redis } from 'ioredis';
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
  /** A watched Redis connection silent this long is dropped and reconnected (see `watchRedis`). Default {@link REDIS_SILENCE_LIMIT_MS}. */
  redisSilenceLimitMs?: number;
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
  /**
   * Follows a Redis connection's errors and readiness (a shared connection may be watched more
   * than once), and its liveness: a connection that leaves a PING unanswered for the silence limit
   * is taken for dead, its socket destroyed, and ioredis reconnects (see {@link REDIS_SILENCE_LIMIT_MS}).
   */
  watchRedis(redis: Redis, name: string): void;
  register(participant: OutageParticipant): () => void;
  close(): void;
};

const PROBE_TIMEOUT_MS = 5_000;

/**
 * How long a Redis connection may leave a PING unanswered before it is dropped. A Redis host that
 * disappears without a reset (a failover to a new host behind the same name or virtual IP, a
 * partition) leaves its connections open and silent, and TCP gives up on them only after about
 * 15 minutes of retransmissions: until then every command on them waits, and a worker's jobs with
 * them. A live Redis answers a PING within milliseconds, and a busy one (a long Lua script) with
 * a BUSY error after its 5 s script limit; 15 s leaves room for both and for a slow network.
 */
const REDIS_SILENCE_LIMIT_MS = 15_000;

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
  const silenceLimitMs = options.redisSilenceLimitMs ?? REDIS_SILENCE_LIMIT_MS;
  const livenessTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  /**
   * A PING every third of the silence limit while the connection is ready, one at a time. An
   * answer is a reply from Redis, an error reply included; a client-side timeout or a rejection
   * is not. A PING outstanding for the limit on the same socket means the socket is dead: it is
   * destroyed (ioredis's `disconnect` would wait for a FIN the peer never acknowledges), which
   * ioredis takes as a closed connection and reconnects by its retry strategy, re-sending (worker
   * connections) or failing (producer connections) what was in flight.
   */
  function watchLiveness(redis: Redis, name: string) {
    let asked: { at: number; socket: unknown } | undefined;
    const timer = setInterval(() => {
      if (closed || redis.status === 'end') {
        clearInterval(timer);
        livenessTimers.delete(timer);
        return;
      }
      const socket = redis.stream;
      if (redis.status !== 'ready' || !socket) return void (asked = undefined);
      if (asked && asked.socket === socket) {
        if (Date.now() - asked.at < silenceLimitMs) return;
        // Timers run before the poll for I/O: after the event loop was held up (a long synchronous
        // task), the answer may be waiting in the socket. The verdict comes after it is read.
        const question = asked;
        setImmediate(() => {
          if (closed || asked !== question || redis.stream !== socket) return;
          asked = undefined;
          const silentForMs = Date.now() - question.at;
          resilience.monitor('redis').failed('ETIMEDOUT');
          log.warn('redis connection silent: dropping it to reconnect', { connection: name, silentForMs });
          socket.destroy();
        });
        return;
      }
      const question = (asked = { at: Date.now(), socket });
      const answered = () => {
        if (asked === question) asked = undefined;
      };
      redis.ping().then(answered, (err: unknown) => {
        if (err instanceof ReplyError) answered();
      });
    }, Math.max(50, Math.floor(silenceLimitMs / 3)));
    timer.unref();
    livenessTimers.add(timer);
  }

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
      watchLiveness(redis, name);
    },
    register(participant) {
      participants.add(participant);
      return () => participants.delete(participant);
    },
    close() {
      closed = true;
      for (const timer of livenessTimers) clearInterval(timer);
      livenessTimers.clear();
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
