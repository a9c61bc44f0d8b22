export { createShutdown } from './shutdown.ts';
export type { Shutdown, ShutdownLogger } from './shutdown.ts';
export { runProcess } from './run-process.ts';
export type { Service } from './run-process.ts';
export { answerClientErrorsAsJson } from './client-errors.ts';
export { startWorkerProcess } from './worker-process.ts';
export type { WorkerProcess, WorkerProcessConfig, WorkerService, ProcessWorkerOptions } from './worker-process.ts';
