export { loadConfig, loadConfigOrExit, ConfigError, SHARED_SECTIONS, PROVIDER_SECTIONS, APP_SECTIONS } from './load.ts';
export { envSchema } from './schema.ts';
export type { Config, AppConfig, AppName } from './load.ts';
export { envBoolean, envInt, envList, envOptional, envPort, envUrl } from '@switchboard/env';
