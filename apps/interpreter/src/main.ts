import { loadConfigOrExit } from '@switchboard/config';
import { createShutdown } from '@switchboard/lifecycle';
import { createLogger } from '@switchboard/logger';
import { startInterpreter } from './service.ts';

const config = loadConfigOrExit(process.env, 'interpreter');
const logger = createLogger({ service: 'interpreter', ...config.log });
const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
shutdown.onSignals();

const interpreter = await startInterpreter(config, logger);
shutdown.add('interpreter', () => interpreter.close());
