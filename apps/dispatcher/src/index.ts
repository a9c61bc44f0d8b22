export { startDispatcher } from './service.ts';
export type { DispatcherService, DispatcherOptions } from './service.ts';
export { startSweeper } from './sweeper.ts';
export type { Sweeper, SweeperOptions } from './sweeper.ts';
