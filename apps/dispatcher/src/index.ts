export { startDispatcher } from './service.ts';
export type { DispatcherService } from './service.ts';
