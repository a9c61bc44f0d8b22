import { loadConfigOrExit } from '@switchboard/config';
import { createShutdown } from '@switchboard/lifecycle';
import { createLogger } from '@switchboard/logger';
import { startDispatcher } from './service.ts';

const config = loadConfigOrExit(process.env, 'dispatcher');
const logger = createLogger({ service: 'dispatcher', ...config.log });
const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
shutdown.onSignals();

const dispatcher = await startDispatcher(config, logger);
shutdown.add('dispatcher', () => dispatcher.close());
