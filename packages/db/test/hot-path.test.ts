import pg from 'pg';
import { classifyFailure } from '@switchboard/queues';
import { createTestDatabase, startTcpRelay, waitFor, type TcpRelay, type TestDatabase } from '@switchboard/testing';
import { newId } from '../src/ids.ts';
// @ts-expect-error pg's own conversion (not typed): what the literals must match
import pgUtils from 'pg/lib/utils.js';
import { pgTransaction, sqlOn, withArrayLiterals } from '../src/sql.ts';

// pg's own conversion of an array parameter, which the literals must match byte for byte.
const pgLiteral = (values: unknown[]) => (pgUtils as { prepareValue(v: unknown): unknown }).prepareValue(values);
const awkward = ['', 'NULL', 'null', 'a,b', '{x}', ' lead and trail ', 'quote " inside', 'back \\ slash', '\\"', 'line\nbreak\ttab', 'é 🎉 中文', '0190a0b0-0000-7000-8000-000000000000'];

describe('newId', () => {
  it('makes distinct UUIDv7s that sort in the order they were made, also within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    // Their time part is now, to the millisecond.
    const msecs = parseInt(ids.at(-1)!.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(msecs - Date.now())).toBeLessThan(5_000);
  });
});

describe('statements through pg', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('prepares a statement once per connection and runs it again by name, whatever the values', async () => {
    const sql = sqlOn(pool);
    const lengths = async (values: string[]) => sql.$queryRaw<{ n: number }[]>`SELECT array_length(${values}::text[], 1) AS n`;
    expect(await lengths(['a'])).toEqual([{ n: 1 }]);
    expect(await lengths(['a', 'b', 'c'])).toEqual([{ n: 3 }]);
    const all = await sql.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;
    const prepared = all.filter((s) => s.statement.startsWith('SELECT array_length'));
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.name).toMatch(/^sb_/);
  });

  it('keeps working after a transaction that prepared a statement was rolled back, and after a failed one', async () => {
    const probe = async (tx: ReturnType<typeof sqlOn>, v: number) => tx.$queryRaw<{ v: number }[]>`SELECT ${v}::int + 1 AS v`;
    await expect(pgTransaction(pool, async (tx) => {
      await probe(tx, 1);
      throw new Error('rolled back on purpose');
    })).rejects.toThrow('rolled back on purpose');
    expect(await pgTransaction(pool, (tx) => probe(tx, 2))).toEqual([{ v: 3 }]);
    // A statement that fails at run time (not at parse) leaves the prepared statement usable.
    const divide = async (tx: ReturnType<typeof sqlOn>, d: number) => tx.$queryRaw<{ q: number }[]>`SELECT 10 / ${d}::int AS q`;
    await expect(pgTransaction(pool, (tx) => divide(tx, 0))).rejects.toThrow(/division by zero/);
    expect(await pgTransaction(pool, (tx) => divide(tx, 5))).toEqual([{ q: 2 }]);
  });

  it('a connection cut between two statements of a transaction fails that transaction, not the process; the pool goes on', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const attempt = pgTransaction(pool, async (tx) => {
        const [row] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        await admin.query('SELECT pg_terminate_backend($1)', [row!.pid]);
        // The reset reaches the client while no statement of it is in flight.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.$queryRaw`SELECT 1 AS one`;
      });
      await expect(attempt).rejects.toThrow();
      expect(await pgTransaction(pool, (tx) => tx.$queryRaw<{ v: number }[]>`SELECT 2::int AS v`)).toEqual([{ v: 2 }]);
    } finally {
      await admin.end();
    }
  });

  it('sends array parameters that arrive as the same values, nulls and all', async () => {
    const sql = sqlOn(pool);
    const texts = [...awkward, null];
    const numbers = [0, 1.5, -2, null, Infinity];
    const rows = await sql.$queryRaw<{ t: (string | null)[]; n: (number | null)[]; b: (boolean | null)[] }[]>`
      SELECT ${texts}::text[] AS t, ${numbers}::float8[] AS n, ${[true, null, false]}::boolean[] AS b`;
    expect(rows[0]).toEqual({ t: texts, n: numbers, b: [true, null, false] });
  });
});

describe('the time limit of statements and transactions through pg', () => {
  let db: TestDatabase;
  let relay: TcpRelay;
  let pool: pg.Pool;
  let admin: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    relay = await startTcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
    // One connection: a connection the limit did not give back would block every later call.
    pool = new pg.Pool({ connectionString: relay.via(db.url), max: 1, application_name: 'sb-limit-test' });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await pool.end();
    await relay.close();
    await db.drop();
  });

  it('a transaction on a connection that stops answering fails at the limit, reads as a Postgres outage, and its connection is dropped', async () => {
    const one = (tx: ReturnType<typeof sqlOn>) => tx.$queryRaw<{ one: number }[]>`SELECT 1::int AS one`;
    expect(await pgTransaction(pool, one)).toEqual([{ one: 1 }]);
    relay.silence();
    const started = Date.now();
    const failure = await pgTransaction(pool, one, { timeLimitMs: 300 }).then(() => undefined, (err: unknown) => err as Error);
    expect(failure?.message).toBe('Postgres did not answer within 300 ms: the transaction was abandoned and its connection closed');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(classifyFailure(failure)).toMatchObject({ kind: 'transient', dependency: 'postgres' });
    relay.resume();
    // The pool's only connection was the silent one: a new one serves the next transaction.
    expect(await pgTransaction(pool, one)).toEqual([{ one: 1 }]);
  });

  it('so does a lone statement on the pool (the listener stores raw events without a transaction)', async () => {
    const sql = sqlOn(pool, { timeLimitMs: 300 });
    expect(await sql.$queryRaw`SELECT 2::int AS two`).toEqual([{ two: 2 }]);
    relay.silence();
    await expect(sql.$queryRaw`SELECT 2::int AS two`).rejects.toThrow('Postgres did not answer within 300 ms: the statement was abandoned and its connection closed');
    relay.resume();
    expect(await sql.$queryRaw`SELECT 2::int AS two`).toEqual([{ two: 2 }]);
  });

  it('a transaction stuck behind a lock past the limit fails, and what it had written is never committed', async () => {
    await admin.query('CREATE TABLE held (id int PRIMARY KEY, v text)');
    await admin.query("INSERT INTO held VALUES (1, 'before')");
    await admin.query('BEGIN');
    await admin.query("UPDATE held SET v = 'holder' WHERE id = 1");
    const attempt = pgTransaction(pool, async (tx) => {
      await tx.$executeRaw`INSERT INTO held VALUES (2, 'written by the abandoned transaction')`;
      await tx.$executeRaw`UPDATE held SET v = 'abandoned' WHERE id = 1`;
    }, { timeLimitMs: 300 });
    await expect(attempt).rejects.toThrow('Postgres did not answer within 300 ms: the transaction was abandoned');
    await admin.query('COMMIT');
    // The abandoned backend gets the lock, finds its client gone and rolls back.
    await waitFor(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'sb-limit-test' AND state <> 'idle'")).rowCount === 0, { timeoutMs: 5_000 });
    expect((await admin.query('SELECT id, v FROM held ORDER BY id')).rows).toEqual([{ id: 1, v: 'holder' }]);
    expect(await pgTransaction(pool, (tx) => tx.$queryRaw`SELECT v FROM held WHERE id = 1`)).toEqual([{ v: 'holder' }]);
  });
});

describe('array parameters', () => {
  it('become the literal pg would send, built in one piece', () => {
    for (const values of [awkward, [null, 'x', undefined, ''], [0, -0, 1.5, -2, Number.NaN, Infinity, 1e21], [true, false, null], [12345678901234567890n], []]) {
      expect(withArrayLiterals([values])[0]).toBe(pgLiteral(values));
    }
  });

  it('leave dates, objects, nested arrays and bytes to pg, and every other parameter as it is', () => {
    const date = [new Date(0)];
    const objects = [{ a: 1 }];
    const nested = [['a']];
    const bytes = [Buffer.from('x')];
    const values = ['plain', 3, date, objects, nested, bytes, null];
    const out = withArrayLiterals(values);
    expect(out).toEqual(values);
    expect(out[2]).toBe(date);
    expect(withArrayLiterals(['x', 1])).toEqual(['x', 1]);
  });
});
