import { startConsole, type ConsoleService } from '@switchboard/console';
import type { Db } from '@switchboard/db';
import { startDispatcher, type DispatcherService } from '@switchboard/dispatcher';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import type { Logger } from '@switchboard/logger';
import { testConfig, testLogger } from '@switchboard/testing';
import { openTestBed, type TestBed } from './helpers.ts';

/** The whole system in this process, on a test bed of its own. */
export type Stack = TestBed & {
  ingest: IngestService;
  listener: ListenerService;
  interpreter: InterpreterService;
  dispatcher: DispatcherService;
  console: ConsoleService;
  /** A console API call with the stack's `ADMIN_TOKEN`, JSON unless `init` says otherwise. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Stops every app, removes every queue of the prefix and drops the database. */
  close(): Promise<void>;
};

export type StackOptions = {
  /** The queue prefix, when the file needs it before the stack starts (its own queues); a new one otherwise. */
  prefix?: string;
  /** Run on the database before any app starts (a webhook subscriber to enable, rows to seed). */
  beforeStart?(db: Db): Promise<void>;
  /** Each app's logger, by service name; `testLogger` by default. */
  logger?(service: string): Logger;
};

/**
 * Starts ingest, then the listener, the interpreter, the dispatcher and the console with `env`
 * (the provider fakes' URLs and secrets, `ADMIN_TOKEN`, concurrency…; the database and the queue
 * prefix are the stack's). The apps after ingest get ingest's URL as `PUBLIC_URL` unless `env`
 * sets one, so the dispatcher's callback and unsubscribe URLs reach this ingest.
 */
export async function startStack(env: Record<string, string>, options: StackOptions = {}): Promise<Stack> {
  const bed = await openTestBed({ prefix: options.prefix });
  await options.beforeStart?.(bed.db);
  const logger = options.logger ?? testLogger;
  const own = { ...env, DATABASE_URL: bed.database.url, QUEUE_PREFIX: bed.prefix };
  const ingest = await startIngest(testConfig(own), logger('ingest'));
  const config = testConfig({ PUBLIC_URL: ingest.url, ...own });
  const listener = await startListener(config, logger('listener'));
  const interpreter = await startInterpreter(config, logger('interpreter'));
  const dispatcher = await startDispatcher(config, logger('dispatcher'));
  const consoleService = await startConsole(config, logger('console'));
  const headers = { authorization: `Bearer ${env.ADMIN_TOKEN ?? ''}`, 'content-type': 'application/json' };
  return {
    ...bed, ingest, listener, interpreter, dispatcher, console: consoleService,
    api: (path, init = {}) => fetch(`${consoleService.url}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } }),
    async close() {
      await Promise.all([dispatcher.close(), consoleService.close(), ingest.close(), listener.close(), interpreter.close()]);
      await bed.close();
    },
  };
}
