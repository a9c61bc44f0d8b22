import { runProcess } from '@switchboard/lifecycle';
import { startListener } from './service.ts';

await runProcess(process.env, 'listener', startListener);
