import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';

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
