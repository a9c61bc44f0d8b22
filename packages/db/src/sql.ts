import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Prisma } from './generated/client.ts';

/**
 * What the hot write paths need of a database handle: tagged-template raw SQL. A Prisma client or
 * transaction is one; so is {@link sqlOn}'s, which sends the same statements through `pg` directly.
 */
export type Sql = {
  $queryRaw<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
};

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * How long a transaction through `pg` ({@link pgTransaction}), or a lone statement on the pool
 * ({@link sqlOn}), may take from the moment it has its connection: 5 s, the limit of Prisma's
 * interactive transactions, which the hot paths used before they went through `pg`. Without it, a
 * connection that stops answering without being closed (a network partition, a Postgres host gone
 * without a reset) or a lock wait that does not end would hold a job, and a pool connection, for
 * as long as the TCP stack takes to give up (minutes to hours).
 */
export const PG_TIME_LIMIT_MS = 5_000;

export type PgLimits = { timeLimitMs?: number };

/**
 * Raw SQL straight on a pg pool or connection: Prisma 6 compiles every statement, raw ones
 * included, in its WASM query compiler and re-encodes parameters and rows (a sixth of the
 * interpreter's CPU under load, bench/README.md). Statements are built by `Prisma.sql`, so the
 * text and parameters are those Prisma would send; rows come back as `pg` parses them (int8 as a
 * string: the hot paths read none). On a pool, each statement takes a connection of its own for
 * at most {@link PG_TIME_LIMIT_MS}; on a connection (a transaction's), the transaction's limit holds.
 */
export function sqlOn(target: Queryable | pg.Pool, limits: PgLimits = {}): Sql {
  const send = isPool(target)
    ? (text: string, values: unknown[], name: string | undefined) => onConnection(target, 'statement', limits, (client) => run(client, text, values, name))
    : (text: string, values: unknown[], name: string | undefined) => run(target, text, values, name);
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      const query = Prisma.sql(strings, ...values);
      return (await send(query.text, withArrayLiterals(query.values), statementName(query.text))).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      const query = Prisma.sql(strings, ...values);
      return (await send(query.text, withArrayLiterals(query.values), statementName(query.text))).rowCount ?? 0;
    },
  };
}

/** A pool, not one of its connections (duck-typed: `pg` may live in another realm, as in jest). */
function isPool(target: Queryable | pg.Pool): target is pg.Pool {
  return typeof (target as pg.Pool).totalCount === 'number' && typeof (target as pg.Pool).connect === 'function';
}

/**
 * The array parameters as Postgres array literals, each built with one `join`: `pg` builds the
 * same text by appending element after element (a string per step), which was a quarter of the
 * interpreter's allocations under load (the batched statements pass a column as one array of up
 * to 250 values). Arrays of strings, numbers, booleans and nulls only, which is what the hot
 * paths pass; any other (dates, objects, nested arrays, bytes) is left to `pg`'s own conversion.
 * The text is the one `pg` would send (tested against it).
 */
export function withArrayLiterals(values: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Array.isArray(value)) continue;
    const literal = arrayLiteral(value);
    if (literal === undefined) continue;
    out ??= values.slice();
    out[i] = literal;
  }
  return out ?? values;
}

function arrayLiteral(values: readonly unknown[]): string | undefined {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'string') parts[i] = quoteElement(value);
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') parts[i] = quoteElement(String(value));
    else return undefined;
  }
  return `{${parts.join(',')}}`;
}

/** An element in double quotes, its backslashes and double quotes escaped (as `pg` does). */
function quoteElement(value: string): string {
  return `"${value.includes('\\') || value.includes('"') ? value.replace(/[\\"]/g, '\\$&') : value}"`;
}

/** Named statements per process at most: the hot paths have a few dozen; beyond that, unnamed (parsed each time). */
const MAX_NAMED = 500;
const names = new Map<string, string>();

/**
 * A statement's name, from its text: `pg` prepares a named statement once per connection and then
 * only binds and executes it, so Postgres parses and plans each hot statement once per connection
 * rather than at every call (the batched statements' text does not depend on the batch's size:
 * each column is one array parameter).
 */
function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `sb_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

async function run(target: Queryable, text: string, values?: unknown[], name?: string): Promise<pg.QueryResult> {
  try {
    return await target.query(name ? { name, text, values } : { text, values });
  } catch (err) {
    throw asPostgresFailure(err);
  }
}

/**
 * A statement's error (it has a SQLSTATE) as it is; any other (a refused or dropped connection:
 * `ECONNREFUSED`, `ECONNRESET`) named as Postgres's, as Prisma names it, so that the workers tell a
 * Postgres outage from another system's (`classifyFailure` in packages/queues reads the message).
 */
function asPostgresFailure(err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  return new Error(`Can't reach database server: ${(err as Error).message}`, { cause: err });
}

/**
 * Runs `fn` in one transaction on a connection of `pool` (READ COMMITTED, as Prisma's interactive
 * transactions): COMMIT when it resolves, ROLLBACK when it throws. A connection whose ROLLBACK
 * fails (it died under the transaction) is released with the error, so the pool drops it instead
 * of handing it out again. A transaction still running after {@link PG_TIME_LIMIT_MS} fails at
 * once and its connection is closed (see {@link onConnection}).
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (tx: Sql) => Promise<T>, limits: PgLimits = {}): Promise<T> {
  return onConnection(pool, 'transaction', limits, async (client, unfit) => {
    await run(client, 'BEGIN');
    try {
      const result = await fn(sqlOn(client));
      await run(client, 'COMMIT');
      return result;
    } catch (err) {
      await run(client, 'ROLLBACK').catch((rollbackErr: unknown) => unfit(rollbackErr as Error));
      throw err;
    }
  });
}

/**
 * `pool.query` within a time limit: the statement runs on a connection of its own, dropped from
 * the pool at the limit (see {@link onConnection}). What the Prisma adapter's lone statements go
 * through (`createDb`).
 */
export function queryWithin(pool: pg.Pool, timeLimitMs: number): (config: pg.QueryConfig, values?: unknown[]) => Promise<pg.QueryResult> {
  // A connection that cannot be had fails as pg says, for the adapter to turn into Prisma's own error (P1001).
  const asItIs = (err: unknown) => err;
  return (config, values) => onConnection(pool, 'statement', { timeLimitMs }, (client) => client.query(config, values), asItIs);
}

/**
 * Runs `work` on a connection of `pool`, then gives the connection back, or drops it when it is
 * no longer fit to use: its socket failed, a ROLLBACK failed, or the time limit passed. At the
 * limit the call fails with "Postgres did not answer within … ms" (a Postgres outage to the
 * workers, as Prisma's expired transaction was: the job is retried) and the connection is closed
 * there and then: the statement in flight is abandoned, and Postgres rolls back whatever its
 * transaction had not committed (a COMMIT already sent may have landed: every hot write is keyed,
 * so the retry finds it done). `work` may still be settling then; its outcome is ignored.
 */
async function onConnection<T>(
  pool: pg.Pool,
  what: 'transaction' | 'statement',
  limits: PgLimits,
  work: (client: pg.PoolClient, unfit: (err: Error) => void) => Promise<T>,
  connectFailure: (err: unknown) => unknown = asPostgresFailure,
): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => {
    throw connectFailure(err);
  });
  const limitMs = limits.timeLimitMs ?? PG_TIME_LIMIT_MS;
  // The first reason the connection is unfit to go back to the pool, if any: released with it, the pool drops it.
  let broken: Error | undefined;
  const unfit = (err: Error) => {
    broken ??= err;
  };
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    client.off('error', unfit);
    client.release(broken);
  };
  // While a client is checked out the pool listens to none of its errors: a connection reset
  // between two statements (an outage, a restart) would be an unhandled 'error' event, which
  // ends the process. The statement in flight, or the next one, fails with it instead.
  client.on('error', unfit);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`Postgres did not answer within ${limitMs} ms: the ${what} was abandoned and its connection closed`);
      unfit(err);
      release();
      reject(err);
    }, limitMs);
  });
  const done = work(client, unfit).catch((err: unknown) => {
    // A failure other than a statement's (BEGIN, COMMIT, a dropped socket) leaves the connection unusable: drop it.
    if (isConnectionError(err)) unfit(err as Error);
    throw err;
  });
  try {
    return await Promise.race([done, expired]);
  } finally {
    clearTimeout(timer);
    // What `work` does after the limit fails on the closed connection; nobody waits for it.
    done.catch(() => undefined);
    expired.catch(() => undefined);
    release();
  }
}

/**
 * A failure of the connection itself, not of a statement (which has a SQLSTATE and a severity).
 * Duck-typed: `pg` may run in another realm than this module (jest's VM contexts), where
 * `instanceof Error` is false.
 */
function isConnectionError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { severity?: unknown }).severity !== 'string';
}
