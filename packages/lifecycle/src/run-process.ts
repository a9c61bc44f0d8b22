import { loadConfigOrExit, type AppName, type Config } from '@switchboard/config';
import { createLogger, type Logger } from '@switchboard/logger';
import { createShutdown } from './shutdown.ts';

/** What an app's start function gives back: something to close on shutdown. */
export type Service = { close(): Promise<void> };

/**
 * An app's whole main: config from `env` (one line per problem, exit 1), the logger, graceful
 * shutdown on SIGTERM/SIGINT, then `start`. A start that fails is logged and exits 1.
 */
export async function runProcess(env: Record<string, string | undefined>, app: Exclude<AppName, 'cli'>, start: (config: Config, logger: Logger) => Promise<Service>): Promise<void> {
  const config = loadConfigOrExit(env, app);
  const logger = createLogger({ service: app, ...config.log });
  // What escapes every handler still ends the process (as Node would), but as one JSON line
  // rather than a raw stack on the terminal.
  const fatal = (what: string) => (err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    logger.error(what, { error: error.message, stack: error.stack });
    // The logger writes through streams: give the line a moment to reach stdout.
    setTimeout(() => process.exit(1), 50);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  shutdown.onSignals();
  let service: Service;
  try {
    service = await start(config, logger);
  } catch (err) {
    logger.error(`${app} could not start`, { error: (err as Error).message });
    await shutdown.run('start failed');
    process.exit(1);
  }
  shutdown.add(app, () => service.close());
}
