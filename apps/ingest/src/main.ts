import { loadConfigOrExit } from '@switchboard/config';
import { createShutdown } from '@switchboard/lifecycle';
import { createLogger } from '@switchboard/logger';
import { startIngest } from './service.ts';

const config = loadConfigOrExit(process.env, 'ingest');
const logger = createLogger({ service: 'ingest', ...config.log });
const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
shutdown.onSignals();

const ingest = await startIngest(config, logger);
shutdown.add('ingest', () => ingest.close());
