export { startConsole } from './service.ts';
export type { ConsoleService } from './service.ts';
export { createConsoleApp } from './app.ts';
