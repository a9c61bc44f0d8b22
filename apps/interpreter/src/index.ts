export { startInterpreter } from './service.ts';
export type { InterpreterService } from './service.ts';
