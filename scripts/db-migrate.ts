// `npm run db:migrate`: creates the database named by DATABASE_URL if it does not exist yet, then
// applies the migrations with `prisma migrate deploy` (which does not create databases).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { loadConfigOrExit } from '@switchboard/config';

const config = loadConfigOrExit(process.env, 'cli');
const target = new URL(config.database.url);
const name = decodeURIComponent(target.pathname.slice(1));
const maintenance = new URL(config.database.url);
maintenance.pathname = '/postgres';

const client = new pg.Client({ connectionString: maintenance.toString() });
try {
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount === 0) {
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    console.log(`created database ${name}`);
  }
} catch (err) {
  // Without rights on the maintenance database, the target may still exist: let migrate say.
  console.warn(`could not check for database ${name}: ${(err as Error).message}`);
} finally {
  await client.end().catch(() => undefined);
}

const root = path.resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: config.database.url },
});
