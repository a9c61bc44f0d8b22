import { runProcess } from '@switchboard/lifecycle';
import { startInterpreter } from './service.ts';

await runProcess(process.env, 'interpreter', startInterpreter);
