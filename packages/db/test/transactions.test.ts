import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { classifyFailure } from '@switchboard/queues';
import { createTestDatabase, startTcpRelay, type TestDatabase } from '@switchboard/testing';
import { createDb } from '../src/client.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe("a Prisma transaction's statements", () => {
  // pg warns once per process, so the write runs in a process of its own, which prints the warnings.
  test('go one at a time on the connection: a createMany in several chunks stores every row, and pg warns of no query sent to a busy client', async () => {
    const script = `
      import { createDb } from '@switchboard/db';
      const db = createDb({ url: process.env.DATABASE_URL, poolSize: 2 });
      const data = Array.from({ length: 12_000 }, (_, i) => ({
        id: crypto.randomUUID(), provider: 'generic', dedupKey: 'chunk-' + i, route: '/webhooks/generic/src_x', url: 'https://example.test/webhooks/generic/src_x',
        sourceId: 'src_x', receivedAt: new Date(), headers: {}, body: '{}',
      }));
      const { count } = await db.rawEvent.createMany({ data });
      console.log(JSON.stringify({ count, stored: await db.rawEvent.count() }));
      await db.$disconnect();
    `;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, DATABASE_URL: database.url } });
    expect(JSON.parse(stdout.trim())).toEqual({ count: 12_000, stored: 12_000 });
    expect(stderr).not.toMatch(/DeprecationWarning/);
  });
});

describe('a Prisma statement on a connection that stops answering (a host gone without a reset)', () => {
  /** A client whose pool has one connection, through a relay that can strand it. */
  async function stranded() {
    const direct = new URL(database.url);
    const relay = await startTcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
    const db = createDb({ url: relay.via(database.url), poolSize: 1, statementLimitMs: 1_000 });
    await db.$queryRaw`SELECT 1`;
    relay.strand();
    return { db, close: async () => (await db.$disconnect(), await relay.close()) };
  }

  test('alone, fails at the limit as a Postgres outage; the pool replaces its only connection', async () => {
    const { db, close } = await stranded();
    try {
      const failure = await db.$queryRaw`SELECT 2`.then(() => undefined, (err: unknown) => err);
      expect(String(failure)).toMatch(/Postgres did not answer within 1000 ms/);
      expect(classifyFailure(failure)).toMatchObject({ kind: 'transient', dependency: 'postgres' });
      expect(await db.$queryRaw`SELECT 3 AS n`).toEqual([{ n: 3 }]);
    } finally {
      await close();
    }
  });

  test("in a transaction, fails, and the transaction's connection is dropped rather than kept from the pool for good", async () => {
    const { db, close } = await stranded();
    try {
      // Prisma's own limit (5 s) ends the transaction; its ROLLBACK, on the same silent connection, is what the statement limit ends.
      const failure = await db.$transaction(async (tx) => tx.$queryRaw`SELECT 2`).then(() => undefined, (err: unknown) => err);
      expect(failure).toBeInstanceOf(Error);
      expect(classifyFailure(failure)).toMatchObject({ kind: 'transient', dependency: 'postgres' });
      expect(await db.$queryRaw`SELECT 3 AS n`).toEqual([{ n: 3 }]);
    } finally {
      await close();
    }
  });
});
