export { createLogger, INTEGRATIONS } from './logger.ts';
export type { Logger, LoggerOptions, Integration } from './logger.ts';
export { redact, maskPhone } from './redact.ts';
