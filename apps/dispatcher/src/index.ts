export { startDispatcher } from './service.ts';
export type { DispatcherService } from './service.ts';
export { startSweeper } from './sweeper.ts';
export type { Sweeper, SweeperOptions } from './sweeper.ts';
