import { runProcess } from '@switchboard/lifecycle';
import { startIngest } from './service.ts';

await runProcess(process.env, 'ingest', startIngest);
