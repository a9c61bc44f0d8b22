import { runProcess } from '@switchboard/lifecycle';
import { startConsole } from './service.ts';

await runProcess(process.env, 'console', startConsole);
