export { startInterpreter } from './service.ts';
export type { InterpreterService } from './service.ts';
export { createInterpretProcessor } from './interpret.processor.ts';
export type { InterpretProcessorDeps } from './interpret.processor.ts';
export { createInterpretBatchProcessor } from './interpret-batch.processor.ts';
