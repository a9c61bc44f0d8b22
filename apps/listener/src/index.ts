export { startListener } from './service.ts';
export type { ListenerService } from './service.ts';
export { createRawEventProcessor } from './raw-event.processor.ts';
export type { RawEventProcessorDeps, RawEventResult } from './raw-event.processor.ts';
export { createRawEventBatchProcessor } from './raw-event-batch.processor.ts';
export type { RawEventBatchResult } from './raw-event-batch.processor.ts';
