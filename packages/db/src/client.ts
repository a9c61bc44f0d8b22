import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Prisma } from './generated/client.ts';

export type Db = PrismaClient;
/** A client or an interactive transaction: what repository functions take. */
export type DbTx = Prisma.TransactionClient;

export type DbOptions = {
  url: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
};

/** A Prisma client over the Postgres driver adapter (no native engine: see ENVIRONMENT.md). */
export function createDb(options: DbOptions): Db {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'switchboard',
    // A connection that cannot be had within this time fails the job (it retries), rather than hanging it.
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}

/** True when `err` is Postgres's unique violation: for a keyed write, "already done". */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
