import { UnrecoverableError } from 'bullmq';

/** What a job depends on: the stores, or an outside system (a provider, a subscriber). */
export type Dependency = 'postgres' | 'redis' | (string & {});

/**
 * A failure that says nothing about the job itself: a dependency is unreachable or overloaded
 * (a provider's 5xx or timeout). Processors throw it for outside systems; the worker then retries
 * the job without spending one of its attempts. Postgres and Redis failures are recognised
 * without it.
 */
export class TransientError extends Error {
  readonly dependency: Dependency;
  readonly code: string;
  constructor(message: string, options: { dependency: Dependency; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'TransientError';
    this.dependency = options.dependency;
    this.code = options.code ?? 'UNAVAILABLE';
  }
}

/**
 * `permanent`: the input can never succeed (UnrecoverableError), to the failed set at once.
 * `transient`: a dependency is down, retried for as long as it takes.
 * `error`: anything else, a bug or an unexpected answer: retried a bounded number of times.
 */
export type Failure = { kind: 'permanent' } | { kind: 'transient'; dependency: Dependency; code: string } | { kind: 'error' };

/** Socket errors: the peer is unreachable or the connection died. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The driver adapter's kinds for a Postgres that cannot be used right now. */
const PG_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * Prisma's codes for the same: P1001 unreachable, P1002 timed out, P1008 operation timeout, P1017
 * server closed the connection, P2024 no pool connection in time, P2028 transaction API error
 * (its connection died or it timed out). Write conflicts and deadlocks are not outages: they are
 * errors, retried within the job's bounded attempts.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/**
 * Postgres SQLSTATEs that are about the server, not the statement: class 08 (connection), 53
 * (insufficient resources: a full disk, out of memory, too many connections), 57P01-57P03
 * (shutdown, cannot connect now).
 */
const PG_STATE = /^(08...|53...|57P0[123])$/;

/** Messages of the same failures, as they read once wrapped (and in the failed set, where only the message is kept). */
const POSTGRES_MESSAGE =
  /can't reach database server|connection terminated|timeout exceeded when trying to connect|server closed the connection|terminating connection|the database system is (starting up|shutting down|in recovery mode)|too many (clients|connections)|Timed out fetching a new connection|Transaction already closed|Client has encountered a connection error|is not queryable|Server has closed the connection|Postgres did not answer within/i;
const REDIS_MESSAGE = /Connection is closed|Command timed out|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Reached the max retries per request|\bLOADING\b|\bREADONLY\b|\bCLUSTERDOWN\b|\bTRYAGAIN\b|\bMASTERDOWN\b/;
const NETWORK_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/;

type ErrorLike = { name?: unknown; code?: unknown; message?: unknown; meta?: unknown; cause?: unknown; errors?: unknown };

/** Walks the error, its cause chain and an AggregateError's members (a connect to several addresses). */
function* chain(err: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const like = e as ErrorLike;
    yield like;
    stack.push(like.cause);
    if (Array.isArray(like.errors)) stack.push(...(like.errors as unknown[]));
  }
}

/** Tells a job's failure apart: see {@link Failure}. */
export function classifyFailure(err: unknown): Failure {
  if (err instanceof UnrecoverableError || (err as ErrorLike | undefined)?.name === 'UnrecoverableError') return { kind: 'permanent' };
  for (const e of chain(err)) {
    if (e instanceof TransientError) return { kind: 'transient', dependency: e.dependency, code: e.code };
    const name = typeof e.name === 'string' ? e.name : '';
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    const adapter = (e.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
    if (adapter?.kind && PG_ADAPTER_KINDS.has(adapter.kind)) return { kind: 'transient', dependency: 'postgres', code: adapter.kind };
    if (adapter?.originalCode && PG_STATE.test(adapter.originalCode)) return { kind: 'transient', dependency: 'postgres', code: adapter.originalCode };
    const prisma = name.startsWith('PrismaClient') || name === 'DriverAdapterError';
    if (prisma && PRISMA_CODES.has(code)) return { kind: 'transient', dependency: 'postgres', code };
    if (name === 'PrismaClientInitializationError') return { kind: 'transient', dependency: 'postgres', code: code || 'INIT' };
    if (PG_STATE.test(code) && typeof (e as { severity?: unknown }).severity === 'string') return { kind: 'transient', dependency: 'postgres', code };
    if (POSTGRES_MESSAGE.test(message)) return { kind: 'transient', dependency: 'postgres', code: networkCode(message) ?? (code || 'UNREACHABLE') };
    if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGE.test(message)) return { kind: 'transient', dependency: 'redis', code: networkCode(message) ?? (code || 'UNAVAILABLE') };
    if (NETWORK_CODES.has(code)) return { kind: 'transient', dependency: 'network', code };
  }
  return { kind: 'error' };
}

function networkCode(message: string): string | undefined {
  return NETWORK_MESSAGE.exec(message)?.[1];
}

/**
 * Whether a failed job's reason (the only thing BullMQ keeps of its error) reads as a transient
 * failure: what jobs failed with before transient failures were retried without end, or what a
 * bug may still put there. `cannot normalize` and payload errors never match.
 */
export function isTransientReason(reason: string | undefined): boolean {
  if (!reason) return false;
  if (/^(cannot normalize|invalid \S+ payload)/.test(reason)) return false;
  return POSTGRES_MESSAGE.test(reason) || REDIS_MESSAGE.test(reason) || NETWORK_MESSAGE.test(reason) || /^TransientError\b|\b(P1001|P1002|P1008|P1017|P2024|P2028)\b/.test(reason);
}

/** The schedule: `baseMs` doubling with each retry, never more than `maxMs`. `retry` counts from 1. */
export function backoffDelay(retry: number, schedule: BackoffSchedule): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  return Math.min(schedule.baseMs * 2 ** exponent, schedule.maxMs);
}

export type BackoffSchedule = { baseMs: number; maxMs: number };

/** The defaults of JOB_BACKOFF_BASE_MS and JOB_BACKOFF_MAX_MS. */
export const DEFAULT_BACKOFF: BackoffSchedule = { baseMs: 1_000, maxMs: 60_000 };
