import { dropStaleTestDatabases, ensureTemplateDatabase } from '@switchboard/testing';

/** Jest's global setup: the migrated template every test file clones its database from. */
export default async function globalSetup(): Promise<void> {
  await ensureTemplateDatabase();
  await dropStaleTestDatabases();
}
