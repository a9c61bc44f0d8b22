export { startListener } from './service.ts';
export type { ListenerService } from './service.ts';
