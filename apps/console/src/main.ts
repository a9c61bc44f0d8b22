import { loadConfigOrExit } from '@switchboard/config';
import { createShutdown } from '@switchboard/lifecycle';
import { createLogger } from '@switchboard/logger';
import { startConsole } from './service.ts';

const config = loadConfigOrExit(process.env, 'console');
const logger = createLogger({ service: 'console', ...config.log });
const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
shutdown.onSignals();

const consoleService = await startConsole(config, logger);
shutdown.add('console', () => consoleService.close());
