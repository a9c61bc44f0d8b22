import { runProcess } from '@switchboard/lifecycle';
import { startDispatcher } from './service.ts';

await runProcess(process.env, 'dispatcher', startDispatcher);
