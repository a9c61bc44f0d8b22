import { loadConfigOrExit } from '@switchboard/config';
import { createShutdown } from '@switchboard/lifecycle';
import { createLogger } from '@switchboard/logger';
import { startListener } from './service.ts';

const config = loadConfigOrExit(process.env, 'listener');
const logger = createLogger({ service: 'listener', ...config.log });
const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
shutdown.onSignals();

const listener = await startListener(config, logger);
shutdown.add('listener', () => listener.close());
