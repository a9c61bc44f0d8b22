import { settleEach, type JobPayload } from '@switchboard/queues';

/**
 * The interpreter's job for a batch of messages (`jobs.interpretBatch`, one listener hand-off):
 * each message through the single-message processor, all at once, so they share its persist
 * transactions. A failure fails the whole job as {@link settleEach} decides; the messages already
 * persisted are found stored when it runs again (`exists`), so nothing is applied twice.
 */
export function createInterpretBatchProcessor<R>(single: (payload: JobPayload<'interpret'>) => Promise<R>) {
  return async (payload: JobPayload<'interpretBatch'>): Promise<{ messages: number; results: R[] }> => {
    const results = await settleEach(payload.items, single, 'messages of the batch');
    return { messages: payload.items.length, results };
  };
}
