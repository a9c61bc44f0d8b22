import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(import.meta.dirname, '../../..');

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The template database's name: it changes whenever a migration does. */
export function templateName(): string {
  const dir = path.join(ROOT, 'prisma/migrations');
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql');
    if (fs.existsSync(file)) hash.update(name).update(fs.readFileSync(file));
  }
  return `sb_tpl_${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Creates the migrated template database once (jest's global setup): `prisma migrate deploy`
 * into a scratch database, renamed when complete so a half-migrated template is never used.
 */
export async function ensureTemplateDatabase(): Promise<string> {
  const name = templateName();
  const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (exists) return name;
  const scratch = `${name}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${scratch}"`));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: urlFor(scratch) },
    stdio: 'pipe',
  });
  await admin(async (c) => {
    try {
      await c.query(`ALTER DATABASE "${scratch}" RENAME TO "${name}"`);
    } catch {
      // Another run made it first.
      await c.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
    }
  });
  return name;
}

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

/** A database of its own for one test file, cloned from the migrated template (fast). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = templateName();
  const name = `sb_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin(async (c) => {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Drops test databases left behind by runs that were killed (older than an hour). */
export async function dropStaleTestDatabases(): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'sb_test_%'");
    const cutoff = Date.now() - 3_600_000;
    for (const { datname } of rows) {
      const created = parseInt(datname.split('_')[2] ?? '', 36);
      if (Number.isFinite(created) && created < cutoff) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}
