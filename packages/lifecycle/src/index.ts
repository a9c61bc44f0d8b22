export { createShutdown } from './shutdown.ts';
export type { Shutdown, ShutdownLogger } from './shutdown.ts';
