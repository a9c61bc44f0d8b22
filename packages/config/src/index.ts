export { loadConfig, loadConfigOrExit, ConfigError } from './load.ts';
export type { Config, AppName } from './load.ts';
export { envBoolean, envInt, envList, envOptional, envPort, envUrl } from '@switchboard/env';
