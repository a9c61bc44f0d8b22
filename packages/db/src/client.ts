import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, Prisma } from './generated/client.ts';
import { queryWithin, sqlOn } from './sql.ts';

export type Db = PrismaClient;
/** A client or an interactive transaction: what repository functions take. */
export type DbTx = Prisma.TransactionClient;

export type DbOptions = {
  url: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Errors of the pool's connections outside any query (an idle connection cut by a Postgres
   * restart or a network failure). The pool drops such a connection either way; without a
   * handler they go unreported.
   */
  onError?: (err: Error) => void;
  /** The time limit of each statement Prisma sends (default {@link PRISMA_STATEMENT_LIMIT_MS}). */
  statementLimitMs?: number;
};

/** Each client's pool, which the hot write paths use directly (see sql.ts). */
const pools = new WeakMap<Db, pg.Pool>();

/**
 * A Prisma client over the Postgres driver adapter (no native engine: see docs/development.md, "Prisma, offline"). The
 * adapter runs on a pool of our own, which {@link poolOf} hands to the hot write paths; Prisma
 * ends it on `$disconnect`.
 */
export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'switchboard',
    // A connection that cannot be had within this time fails the job (it retries), rather than hanging it.
    connectionTimeoutMillis: 5_000,
    // Prisma ends the pool on `$disconnect` only if it ever connected; idle connections opened by
    // the direct paths alone must not keep the process alive after it.
    allowExitOnIdle: true,
  });
  // The pool's idle connections report here from the start (not only once Prisma has connected):
  // without a listener, such an error would end the process.
  pool.on('error', (err) => options.onError?.(err));
  const adapter = new PrismaPg(pool, { disposeExternalPool: true, ...(options.onError ? { onConnectionError: options.onError } : {}) });
  const db = new PrismaClient({ adapter: releasingBrokenTransactions(adapter, options.statementLimitMs ?? PRISMA_STATEMENT_LIMIT_MS) });
  pools.set(db, pool);
  return db;
}

/** The pg pool under a client made by {@link createDb}. */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Prisma client was not made by createDb: it has no pool of its own');
  return pool;
}

type Query = { sql: string };
type PgTransactionLike = {
  client: { release(err?: Error): void };
  cleanup?: () => void;
  executeRaw(query: Query): Promise<number>;
  /** Where the adapter's `queryRaw` and `executeRaw` send a statement. */
  performIO(query: Query): Promise<unknown>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
};
type AdapterLike = { client: pg.Pool; startTransaction(isolationLevel?: unknown): Promise<PgTransactionLike> };

/**
 * The time limit of each statement Prisma sends, alone or in a transaction. A connection that
 * stops answering without being closed (a Postgres host gone without a reset, a partition) would
 * otherwise hold the statement, and its pool connection, until TCP gives up (about 15 minutes):
 * the dispatcher's jobs and the console's requests with it, and a transaction's connection would
 * never go back to the pool (its BEGIN, or its ROLLBACK after Prisma's own limit, never answers). At the limit the statement fails
 * ("Postgres did not answer within …", a Postgres outage to the workers) and its connection is
 * dropped from the pool. 60 s, far above any statement of ours: the console's reads run on
 * indexes, and the hot paths have their own 5 s (`PG_TIME_LIMIT_MS`).
 */
export const PRISMA_STATEMENT_LIMIT_MS = 60_000;

/**
 * Prisma ends an interactive transaction by sending COMMIT (or ROLLBACK) and only then hands the
 * connection back to the pool; when that statement fails because the connection died (a Postgres
 * restart, a network cut), the connection is never released. Each outage would then leak pool
 * slots until the worker can no longer get a connection at all (and `$disconnect` hangs). This
 * wrapper releases such a connection with the error, so the pool drops it and opens a fresh one.
 */
function releasingBrokenTransactions(factory: PrismaPg, limitMs: number): PrismaPg {
  return new Proxy(factory, {
    get(target, prop) {
      if (prop === 'connect') {
        return async () => {
          const adapter = (await target.connect()) as unknown as AdapterLike;
          // Lone statements each on a connection of their own within the limit; a transaction's
          // connection with each of its statements within the limit; the rest is the pool's.
          const pool = adapter.client;
          const query = queryWithin(pool, limitMs);
          const connect = async () => boundedCheckout(await pool.connect(), limitMs);
          adapter.client = new Proxy(pool, {
            get: (p, key) => (key === 'query' ? query : key === 'connect' ? connect : bound(p, key)),
          });
          const start = adapter.startTransaction.bind(adapter);
          adapter.startTransaction = async (isolationLevel) => guardTransaction(await start(isolationLevel));
          return adapter;
        };
      }
      return bound(target, prop);
    },
  });
}

/** `target[key]`, a method bound to `target`. */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key, target);
  return typeof value === 'function' ? value.bind(target) : value;
}

/**
 * A transaction's connection, as the adapter sees it for one checkout: each statement within
 * `limitMs`; at the limit the statement fails and the connection is given back with the error
 * (the pool drops it). The adapter's own `release` afterwards does nothing (pg-pool throws on a
 * second one).
 */
function boundedCheckout(client: pg.PoolClient, limitMs: number): pg.PoolClient {
  let released = false;
  const release = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    client.release(err);
  };
  const query = (config: pg.QueryConfig | string, values?: unknown[]) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`Postgres did not answer within ${limitMs} ms: the transaction was abandoned and its connection closed`);
        release(err);
        reject(err);
      }, limitMs);
    });
    const running = client.query(config, values);
    running.catch(() => undefined);
    return Promise.race([running, expired]).finally(() => clearTimeout(timer));
  };
  return new Proxy(client, { get: (c, key) => (key === 'query' ? query : key === 'release' ? release : bound(c, key)) });
}

/**
 * Also: a transaction's statements are sent one after the other. Prisma's query plans run some of
 * them in parallel (the chunks of a large `createMany`), all on the transaction's one `pg` client;
 * `pg` queues them, but calling `query()` on a busy client is deprecated and goes in pg@9. Queuing
 * them here does what `pg` did, without relying on it.
 */
function guardTransaction(tx: PgTransactionLike): PgTransactionLike {
  let released = false;
  const performIO = tx.performIO.bind(tx);
  let previous: Promise<unknown> = Promise.resolve();
  tx.performIO = (query) => {
    const run = previous.then(() => performIO(query));
    previous = run.catch(() => undefined);
    return run;
  };
  const executeRaw = tx.executeRaw.bind(tx);
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  tx.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (err) {
      if (!released && (query.sql === 'COMMIT' || query.sql === 'ROLLBACK')) {
        released = true;
        tx.cleanup?.();
        tx.client.release(err instanceof Error ? err : new Error(String(err)));
      }
      throw err;
    }
  };
  tx.commit = async () => {
    if (released) return;
    released = true;
    await commit();
  };
  tx.rollback = async () => {
    if (released) return;
    released = true;
    await rollback();
  };
  return tx;
}

/** True when `err` is Postgres's unique violation: for a keyed write, "already done". */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * `SELECT 1` on the pool, within the time limit of the hot paths (`PG_TIME_LIMIT_MS`): the outage
 * monitor's probe. Through Prisma, a probe on a connection that stopped answering (a partition)
 * would hold that connection until the TCP stack gives up, long after Postgres is back; this one
 * drops it at the limit.
 */
export async function pingPostgres(db: Db): Promise<void> {
  await sqlOn(poolOf(db)).$queryRaw`SELECT 1 AS ok`;
}
